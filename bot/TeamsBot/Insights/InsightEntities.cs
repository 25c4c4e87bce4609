using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TeamsBot.Insights;

/// <summary>What happened, never what was said: adoption events carry no message content (the stored numbers are fixed).</summary>
public enum InsightKind : short
{
    /// <summary>The app was installed for the person (their 1:1 chat with the bot began, or began again).</summary>
    Installed = 1,
    Uninstalled = 2,
    /// <summary>A question to the assistant (the text is never stored).</summary>
    Question = 3,
    /// <summary>An answer rated: value +1 (like) or -1 (dislike).</summary>
    Rated = 4,
    /// <summary>A rating replaced by a changed vote (value: the old one); the report subtracts it.</summary>
    RatingWithdrawn = 5,
    /// <summary>Weekly survey: minutes saved on a typical day (value), and 1–5 agreement on quality, effort and speed.</summary>
    SurveyMinutes = 10,
    SurveyQuality = 11,
    SurveyEffort = 12,
    SurveySpeed = 13,
    NudgeDelivered = 20,
    NudgeRead = 21,
    /// <summary>A button on a nudge card was used (Try it, Snooze, Stop).</summary>
    NudgeClicked = 22,
    NudgeStopped = 23,
    LessonCompleted = 24,
    /// <summary>Signed up for an event (a seat or the waitlist).</summary>
    EventRegistered = 30,
    EventAttended = 31,
    BroadcastDelivered = 40,
    BroadcastRead = 41,
    BroadcastAcknowledged = 42,
    ResearchDelivered = 50,
}

/// <summary>
/// One adoption event (<c>insight_events</c>): a kind, the UTC day, the person's agency at that moment and a one-way key of
/// their directory id (to count people; it names no one), an optional number (a rating, minutes) and subject (a lesson, event or campaign id).
/// </summary>
public sealed class InsightEvent
{
    public long Id { get; set; }
    public InsightKind Kind { get; set; }
    /// <summary>Days since 1970-01-01 (UTC); weeks start on Monday: week = (Day + 3) / 7.</summary>
    public int Day { get; set; }
    public required string AgencyId { get; set; }
    public required string UserKey { get; set; }
    public int? Value { get; set; }
    public string? Subject { get; set; }
    /// <summary>Unique when set: what may be recorded once only (one survey answer per person and week).</summary>
    public string? OnceKey { get; set; }
}

/// <summary>
/// One agency's tally of one sealed week (<c>insight_week_tallies</c>), as JSON: a sealed week no longer changes (events are dated
/// when they happen; survey answers close a week after the week), so reports read it instead of its events. A row with an
/// empty agency id marks the week as sealed.
/// </summary>
public sealed class InsightWeekTally
{
    public int Week { get; set; }
    public required string AgencyId { get; set; }
    public required string Tally { get; set; }
}

internal sealed class InsightConfiguration : IEntityTypeConfiguration<InsightEvent>, IEntityTypeConfiguration<InsightWeekTally>
{
    public void Configure(EntityTypeBuilder<InsightWeekTally> e)
    {
        e.ToTable("insight_week_tallies");
        e.HasKey(x => new { x.Week, x.AgencyId });
        e.Property(x => x.Week).HasColumnName("week");
        e.Property(x => x.AgencyId).HasColumnName("agency_id").HasMaxLength(64);
        e.Property(x => x.Tally).HasColumnName("tally");
    }

    public void Configure(EntityTypeBuilder<InsightEvent> e)
    {
        e.ToTable("insight_events");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").ValueGeneratedOnAdd();
        e.Property(x => x.Kind).HasColumnName("kind");
        e.Property(x => x.Day).HasColumnName("day");
        e.Property(x => x.AgencyId).HasColumnName("agency_id").HasMaxLength(64);
        e.Property(x => x.UserKey).HasColumnName("user_key").HasMaxLength(32);
        e.Property(x => x.Value).HasColumnName("value");
        e.Property(x => x.Subject).HasColumnName("subject").HasMaxLength(80);
        e.Property(x => x.OnceKey).HasColumnName("once_key").HasMaxLength(160);
        // The report reads a range of days grouped by agency and kind, counting people: all from this index.
        e.HasIndex(x => new { x.Day, x.Kind, x.AgencyId, x.UserKey, x.Value }).HasDatabaseName("ix_insight_events_report");
        e.HasIndex(x => x.OnceKey).IsUnique();
    }
}

/// <summary>UTC days and Monday-based weeks as the report counts them.</summary>
public static class InsightCalendar
{
    public static int DayOf(DateTimeOffset instant) => (int)(instant.UtcTicks / TimeSpan.TicksPerDay - DateTime.UnixEpoch.Ticks / TimeSpan.TicksPerDay);
    public static int DayOf(DateOnly date) => date.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
    public static int WeekOfDay(int day) => (day + 3) / 7;
    /// <summary>The Monday starting week <paramref name="week"/>.</summary>
    public static DateOnly Monday(int week) => DateOnly.FromDateTime(DateTime.UnixEpoch).AddDays(week * 7 - 3);
    public static int WeekOf(DateOnly date) => WeekOfDay(DayOf(date));
    public static int WeekOf(DateTimeOffset instant) => WeekOfDay(DayOf(instant));
}
