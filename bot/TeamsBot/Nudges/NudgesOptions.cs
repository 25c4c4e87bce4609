using System.Globalization;

namespace TeamsBot.Nudges;

/// <summary><c>Nudges:*</c>: the training program and the rules that keep it welcome.</summary>
public sealed class NudgesOptions
{
    public const string Section = "Nudges";

    /// <summary>Off: no training nudges are planned (the <c>nudges</c> command still shows settings).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The curriculum file (JSON), relative to the app's folder; re-read when it changes.</summary>
    public string CurriculumPath { get; set; } = "nudges/curriculum.json";

    /// <summary>How often the planner looks for people a nudge is due for.</summary>
    public TimeSpan PlanInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Most nudges a person gets in any 7 days, all kinds together (lessons, surveys).</summary>
    public int MaxPerWeek { get; set; } = 2;

    /// <summary>
    /// Nudges go out on these days (comma-separated day names) and between these times, in each person's own time zone.
    /// (Strings rather than lists: configuration would add listed items to a default list instead of replacing it.)
    /// </summary>
    public string WorkingDays { get; set; } = "Monday,Tuesday,Wednesday,Thursday,Friday";

    public TimeOnly WorkingHoursStart { get; set; } = new(9, 0);

    public TimeOnly WorkingHoursEnd { get; set; } = new(17, 0);

    /// <summary>Local time ranges inside working hours when nothing goes out, comma-separated <c>HH:mm-HH:mm</c> (e.g. <c>12:00-13:00</c>); empty = none.</summary>
    public string QuietHours { get; set; } = "12:00-13:00";

    /// <summary>For people whose time zone the directory does not know.</summary>
    public string DefaultTimeZone { get; set; } = "America/New_York";

    /// <summary>How long <b>Snooze</b> pauses a person's nudges.</summary>
    public TimeSpan SnoozeFor { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The next lesson follows once the previous one was tried, or after this long anyway.</summary>
    public TimeSpan AdvanceWithoutTryAfter { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Lesson reach per agency hides groups smaller than this (never below 5), so no one person's answers stand out.</summary>
    public int MinGroupSize { get; set; } = 10;

    /// <summary>
    /// The weekly time-saved survey: once a week, on or after <see cref="SurveyDay"/> in their own week, to people who used the
    /// assistant that week; it counts towards <see cref="MaxPerWeek"/> and honours Stop, Snooze and the hours like any nudge.
    /// </summary>
    public bool Survey { get; set; } = true;

    public DayOfWeek SurveyDay { get; set; } = DayOfWeek.Thursday;

    /// <summary>People planned per database page.</summary>
    public int PageSize { get; set; } = 1000;

    public IReadOnlyList<DayOfWeek> Days() =>
        [.. WorkingDays.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(d => Enum.Parse<DayOfWeek>(d, ignoreCase: true)).Distinct()];

    public IReadOnlyList<(TimeOnly From, TimeOnly To)> QuietRanges() =>
        [.. QuietHours.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseRange)];

    public static (TimeOnly From, TimeOnly To) ParseRange(string range)
    {
        var parts = range.Split('-', 2, StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && TimeOnly.TryParseExact(parts[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from)
            && TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var to)
            && from != to)
            return (from, to);
        throw new FormatException($"'{range}' is not a time range like 12:00-13:00.");
    }
}
