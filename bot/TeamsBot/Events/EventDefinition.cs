using System.Globalization;
using TeamsBot.Broadcasts;
using TeamsBot.Cards;

namespace TeamsBot.Events;

/// <summary>
/// Body of <c>POST /api/events</c>. <see cref="Start"/>, <see cref="End"/> and <see cref="RegistrationDeadline"/> are wall-clock
/// times (<c>yyyy-MM-ddTHH:mm</c>) in <see cref="TimeZone"/> (IANA or Windows id), as an organiser thinks of them; they are
/// stored in UTC and every viewer sees them in their own time zone.
/// </summary>
public sealed record EventDefinition
{
    public string? Kind { get; init; }
    public string? Title { get; init; }
    public string? Description { get; init; }
    public string? Start { get; init; }
    public string? End { get; init; }
    public string? TimeZone { get; init; }
    public string? Location { get; init; }
    public string? JoinUrl { get; init; }
    public int? Capacity { get; init; }
    public string? RegistrationDeadline { get; init; }
    public string? HostName { get; init; }
    /// <summary>Who is invited (the invite campaign's audience, as in <c>/api/campaigns</c>).</summary>
    public CampaignAudience? Audience { get; init; }
}

/// <summary>A valid definition with its times resolved to UTC.</summary>
public sealed record EventTimes(DateTimeOffset StartsAt, DateTimeOffset EndsAt, DateTimeOffset? RegistrationDeadline);

internal static class EventValidation
{
    private const int MaxTitle = 200, MaxDescription = 4000, MaxLocation = 300, MaxHost = 200;
    private static readonly string[] LocalFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"];

    /// <summary>Every problem by API field name, or the resolved times.</summary>
    public static (EventTimes? Times, List<(string Field, string Message)> Problems) Check(
        EventDefinition d, EventsOptions options, BroadcastsOptions broadcasts, DateTimeOffset now)
    {
        var problems = new List<(string, string)>();
        if (d.Kind is null || !EventKinds.All.Contains(d.Kind)) problems.Add(("kind", "Choose workshop or hackathon."));
        if (string.IsNullOrWhiteSpace(d.Title)) problems.Add(("title", "A title is required."));
        else if (d.Title.Length > MaxTitle) problems.Add(("title", $"At most {MaxTitle} characters."));
        if (string.IsNullOrWhiteSpace(d.Description)) problems.Add(("description", "A description is required."));
        else if (d.Description.Length > MaxDescription) problems.Add(("description", $"At most {MaxDescription} characters."));
        if (string.IsNullOrWhiteSpace(d.Location)) problems.Add(("location", "Say where it happens (a room, or Online)."));
        else if (d.Location.Length > MaxLocation) problems.Add(("location", $"At most {MaxLocation} characters."));
        if (!string.IsNullOrWhiteSpace(d.JoinUrl) && !CardText.IsHttps(d.JoinUrl)) problems.Add(("joinUrl", "The meeting link must be an https:// address."));
        if (d.HostName is { Length: > MaxHost }) problems.Add(("hostName", $"At most {MaxHost} characters."));
        if (d.Capacity is not { } capacity || capacity < 1 || capacity > options.MaxCapacity)
            problems.Add(("capacity", $"Seats: a number from 1 to {options.MaxCapacity}."));

        TimeZoneInfo? zone = null;
        if (string.IsNullOrWhiteSpace(d.TimeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(d.TimeZone, out zone))
            problems.Add(("timeZone", "A time zone is required, e.g. America/New_York or Eastern Standard Time."));
        var start = Local(d.Start, "start", zone, problems, required: true);
        var end = Local(d.End, "end", zone, problems, required: true);
        var deadline = Local(d.RegistrationDeadline, "registrationDeadline", zone, problems, required: false);
        if (start is { } s)
        {
            if (s <= now) problems.Add(("start", "This time has passed."));
            else if (s > now.AddYears(1)) problems.Add(("start", "At most one year ahead."));
            if (end is { } e && e <= s) problems.Add(("end", "The end must be after the start."));
            else if (end is { } e2 && e2 - s > TimeSpan.FromDays(14)) problems.Add(("end", "An event lasts at most 14 days."));
            if (deadline is { } dl && dl > s) problems.Add(("registrationDeadline", "Registration must close before the event starts."));
            if (deadline is { } past && past <= now) problems.Add(("registrationDeadline", "This time has passed."));
        }

        // The invite goes out as a campaign: its rules apply to the audience (and title and description).
        var invite = InviteDefinition(d);
        problems.AddRange(CampaignValidation.Problems(invite, broadcasts, now).Where(p => p.Field.StartsWith("audience", StringComparison.Ordinal)));
        return problems.Count == 0 ? (new EventTimes(start!.Value, end!.Value, deadline), problems) : (null, problems);
    }

    /// <summary>The invite campaign of an event: its audience, title and description (the card itself is the event's).</summary>
    public static CampaignDefinition InviteDefinition(EventDefinition d) => new()
    {
        Kind = CampaignKinds.Invite,
        Title = d.Title,
        Body = d.Description,
        Audience = d.Audience,
    };

    private static DateTimeOffset? Local(string? text, string field, TimeZoneInfo? zone, List<(string, string)> problems, bool required)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required) problems.Add((field, "A date and time is required (yyyy-MM-ddTHH:mm, in timeZone)."));
            return null;
        }
        if (!DateTime.TryParseExact(text.Trim(), LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            problems.Add((field, "Use yyyy-MM-ddTHH:mm, the wall-clock time in timeZone (no offset)."));
            return null;
        }
        if (zone is null) return null;
        return ToUtc(local, zone, field, problems);
    }

    /// <summary>
    /// A wall-clock time in <paramref name="zone"/> as UTC. A time skipped by a daylight-saving change (02:30 on the spring-forward
    /// night) does not exist and is refused; a time that happens twice (the fall-back hour) is the first one, daylight time.
    /// </summary>
    internal static DateTimeOffset? ToUtc(DateTime local, TimeZoneInfo zone, string field, List<(string, string)> problems)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            problems.Add((field, "This time does not exist in that time zone (clocks skip it for daylight saving)."));
            return null;
        }
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
