namespace TeamsBot.Events;

/// <summary><c>Events:*</c>: workshops and hackathons.</summary>
public sealed class EventsOptions
{
    public const string Section = "Events";

    /// <summary>Most seats an event may have.</summary>
    public int MaxCapacity { get; set; } = 10_000;

    /// <summary>When registered people get their reminders, before the start (Teams shows the time in each person's own time zone).</summary>
    public TimeSpan FirstReminder { get; set; } = TimeSpan.FromHours(24);

    public TimeSpan SecondReminder { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The bot's public https address (as registered for <c>/api/messages</c>, without the path): invite cards then offer
    /// <b>Add to calendar</b>, an .ics file at <c>{PublicBaseUrl}/events/{id}/calendar.ics</c>. Empty = no calendar button.
    /// </summary>
    public string? PublicBaseUrl { get; set; }
}
