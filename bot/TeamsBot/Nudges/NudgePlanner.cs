namespace TeamsBot.Nudges;

/// <summary>One nudge a person already got (any kind: lesson, survey…), and whether they tried it.</summary>
public readonly record struct PastNudge(string Kind, string ItemId, DateTimeOffset SentAt, DateTimeOffset? CompletedAt);

/// <summary>What the planner knows of one person when it decides.</summary>
public sealed record Learner
{
    public required string ObjectId { get; init; }
    public required string AgencyId { get; init; }
    /// <summary>IANA or Windows id; null = <c>Nudges:DefaultTimeZone</c>.</summary>
    public string? TimeZone { get; init; }
    /// <summary>When the app was installed for them (their 1:1 chat with the bot began).</summary>
    public DateTimeOffset InstalledAt { get; init; }
    /// <summary>Their last message to the bot.</summary>
    public DateTimeOffset? LastActiveAt { get; init; }
    public IReadOnlySet<string> FeaturesUsed { get; init; } = new HashSet<string>();
    public DateTimeOffset? StoppedAt { get; init; }
    public DateTimeOffset? SnoozedUntil { get; init; }
    public IReadOnlyList<PastNudge> Past { get; init; } = [];
    /// <summary>Their agency's windows: feature → end (only windows open now).</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> OpenWindowsEnd { get; init; } = new Dictionary<string, DateTimeOffset>();
}

public enum NudgeSkip { None, Stopped, Snoozed, OffDay, OutsideWorkingHours, QuietHours, WeeklyCap, AlreadyToday, NewUser, NothingDue }

/// <summary>A lesson to send, the weekly survey of the week starting <see cref="SurveyWeek"/> (their local Monday), or why not.</summary>
public readonly record struct NudgeDecision(Lesson? Lesson, NudgeSkip Skip, DateOnly? SurveyWeek = null)
{
    public static NudgeDecision Send(Lesson lesson) => new(lesson, NudgeSkip.None);
    public static NudgeDecision Survey(DateOnly week) => new(null, NudgeSkip.None, week);
    public static NudgeDecision Not(NudgeSkip why) => new(null, why);
    public bool Sends => Lesson is not null || SurveyWeek is not null;
}

/// <summary>
/// Decides, for one person at one instant, whether a training nudge goes out and which lesson. Pure: the time, the person
/// and the rules in, a decision out (the planning job feeds it a page of people at a time; the benchmark a million).
/// Respect comes first: stopped or snoozed, their local working days and hours, quiet hours, the weekly cap over every
/// kind of nudge, one a day, and nothing on the day they installed the app.
/// </summary>
public sealed class NudgePlanner
{
    public const string LessonKind = "lesson";
    public const string SurveyKind = "survey";

    private readonly Curriculum _curriculum;
    private readonly NudgesOptions _options;
    private readonly TimeZoneInfo _defaultZone;
    private readonly HashSet<DayOfWeek> _workingDays;
    private readonly (TimeOnly From, TimeOnly To)[] _quiet;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TimeZoneInfo?> _zones = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lesson[] _sequence;
    private readonly Lesson[] _targeted;
    private readonly Dictionary<string, Lesson> _byQuestion;
    private readonly HashSet<string> _featureWords;

    public NudgePlanner(Curriculum curriculum, NudgesOptions options)
    {
        _curriculum = curriculum;
        _options = options;
        _defaultZone = TimeZoneInfo.FindSystemTimeZoneById(options.DefaultTimeZone);
        _workingDays = [.. options.Days()];
        _quiet = [.. options.QuietRanges()];
        _sequence = [.. curriculum.Lessons.Where(l => l.When is null)];
        _targeted = [.. curriculum.Lessons.Where(l => l.When is not null)];
        _byQuestion = curriculum.Lessons.GroupBy(l => Normalize(l.TryIt)).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _featureWords = [.. curriculum.Lessons.Select(l => l.When?.NeverTried).OfType<string>().Where(w => w.Length > 0).Select(w => w.ToLowerInvariant())];
    }

    /// <summary>The lesson whose <b>Try it</b> question this message is (case, spacing and final punctuation aside), if any.</summary>
    public Lesson? LessonAsked(string message) => _byQuestion.GetValueOrDefault(Normalize(message));

    /// <summary>The feature a message uses, when it starts with a command word a lesson's <c>neverTried</c> names (e.g. <c>research</c>).</summary>
    public string? FeatureUsed(string message)
    {
        var first = message.TrimStart().Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.ToLowerInvariant();
        return first is not null && _featureWords.Contains(first) ? first : null;
    }

    private static string Normalize(string text) =>
        string.Join(' ', text.Trim().TrimEnd('.', '?', '!').ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    public Curriculum Curriculum => _curriculum;

    /// <summary>The person's time zone (their own when known and valid, else the default).</summary>
    public TimeZoneInfo ZoneOf(string? id)
    {
        if (string.IsNullOrEmpty(id)) return _defaultZone;
        return _zones.GetOrAdd(id, static z => TimeZoneInfo.TryFindSystemTimeZoneById(z, out var found) ? found : null) ?? _defaultZone;
    }

    public NudgeDecision Decide(Learner who, DateTimeOffset now)
    {
        if (who.StoppedAt is not null) return NudgeDecision.Not(NudgeSkip.Stopped);
        if (who.SnoozedUntil is { } until && until > now) return NudgeDecision.Not(NudgeSkip.Snoozed);
        var zone = ZoneOf(who.TimeZone);
        var local = TimeZoneInfo.ConvertTime(now, zone);
        if (!_workingDays.Contains(local.DayOfWeek)) return NudgeDecision.Not(NudgeSkip.OffDay);
        var time = TimeOnly.FromTimeSpan(local.TimeOfDay);
        if (time < _options.WorkingHoursStart || time >= _options.WorkingHoursEnd) return NudgeDecision.Not(NudgeSkip.OutsideWorkingHours);
        foreach (var (from, to) in _quiet)
            if (from <= to ? time >= from && time < to : time >= from || time < to) return NudgeDecision.Not(NudgeSkip.QuietHours);

        var today = DateOnly.FromDateTime(local.DateTime);
        var weekAgo = now - TimeSpan.FromDays(7);
        var lastWeek = 0;
        foreach (var past in who.Past)
        {
            if (past.SentAt > weekAgo) lastWeek++;
            if (DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(past.SentAt, zone).DateTime) == today) return NudgeDecision.Not(NudgeSkip.AlreadyToday);
        }
        if (lastWeek >= _options.MaxPerWeek) return NudgeDecision.Not(NudgeSkip.WeeklyCap);
        if (DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(who.InstalledAt, zone).DateTime) >= today) return NudgeDecision.Not(NudgeSkip.NewUser);

        // The weekly survey comes before lessons, late in their week, and only to people who used the assistant that week.
        if (_options.Survey && SurveyWeekDue(who, local, zone) is { } week) return NudgeDecision.Survey(week);

        foreach (var lesson in _targeted)
            if (ForAgency(lesson, who) && !Got(who, lesson) && Holds(lesson.When!, who, now)) return NudgeDecision.Send(lesson);

        // The sequence: the first lesson not yet sent, once the one before it was tried (or long enough ago).
        Lesson? previous = null;
        foreach (var lesson in _sequence)
        {
            if (!ForAgency(lesson, who)) continue;
            if (Got(who, lesson))
            {
                previous = lesson;
                continue;
            }
            if (previous is not null && Find(who, previous) is { } before && before.CompletedAt is null && now - before.SentAt < _options.AdvanceWithoutTryAfter)
                return NudgeDecision.Not(NudgeSkip.NothingDue);
            return NudgeDecision.Send(lesson);
        }
        return NudgeDecision.Not(NudgeSkip.NothingDue);
    }

    /// <summary>Their local Monday, when this week's survey is due for them: on or after the survey day, active this week, not yet sent.</summary>
    private DateOnly? SurveyWeekDue(Learner who, DateTimeOffset local, TimeZoneInfo zone)
    {
        static int IsoDay(DayOfWeek d) => ((int)d + 6) % 7;
        if (IsoDay(local.DayOfWeek) < IsoDay(_options.SurveyDay)) return null;
        var monday = DateOnly.FromDateTime(local.DateTime).AddDays(-IsoDay(local.DayOfWeek));
        if (who.LastActiveAt is not { } active || DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(active, zone).DateTime) < monday) return null;
        var id = SurveyId(monday);
        foreach (var past in who.Past)
            if (past.Kind == SurveyKind && past.ItemId == id) return null;
        return monday;
    }

    public static string SurveyId(DateOnly monday) => monday.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static bool ForAgency(Lesson lesson, Learner who) =>
        lesson.Agencies.Count == 0 || lesson.Agencies.Contains(who.AgencyId, StringComparer.OrdinalIgnoreCase);

    private static bool Got(Learner who, Lesson lesson) => Find(who, lesson) is not null;

    private static PastNudge? Find(Learner who, Lesson lesson)
    {
        foreach (var past in who.Past)
            if (past.Kind == LessonKind && past.ItemId == lesson.Id) return past;
        return null;
    }

    private static bool Holds(LessonRule rule, Learner who, DateTimeOffset now)
    {
        if (rule.InactiveDays is { } days && who.LastActiveAt is { } last && now - last < TimeSpan.FromDays(days)) return false;
        if (rule.NeverTried is { Length: > 0 } feature && who.FeaturesUsed.Contains(feature)) return false;
        if (rule.WindowEndsWithinDays is { } within)
        {
            // Feature names are matched as the registry matches them: case-insensitively.
            var closesSoon = false;
            foreach (var (windowFeature, end) in who.OpenWindowsEnd)
                if (string.Equals(windowFeature, rule.WindowFeature, StringComparison.OrdinalIgnoreCase) && end > now && end - now <= TimeSpan.FromDays(within)) closesSoon = true;
            if (!closesSoon) return false;
        }
        return true;
    }
}
