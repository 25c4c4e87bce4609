namespace TeamsBot.Insights;

/// <summary>
/// One agency's raw counts for one week, additive (totals are sums of rows). Built from the event store by
/// <see cref="InsightsService"/>, or by hand in tests.
/// </summary>
public sealed class WeekTally
{
    /// <summary>People with the app at the week's end (installs minus uninstalls so far).</summary>
    public int Enrolled { get; set; }
    public long Questions { get; set; }
    public int ActivePeople { get; set; }
    public int Rated { get; set; }
    public int Liked { get; set; }
    public int Raters { get; set; }
    /// <summary>Minutes saved a day, as answered: value → answers (one per person and week).</summary>
    public SortedDictionary<int, int> Minutes { get; init; } = [];
    public int Respondents { get; set; }
    /// <summary>Agreement answers (quality, effort, speed), and those at 4 or 5 of 5.</summary>
    public int AgreementAnswers { get; set; }
    public int Agreed { get; set; }
    public int NudgesDelivered { get; set; }
    public int NudgesRead { get; set; }
    public int NudgeRecipients { get; set; }
    public int NudgeClickers { get; set; }
    public int NudgeStops { get; set; }
    public int LessonsCompleted { get; set; }
    public int EventSignups { get; set; }
    public int EventAttended { get; set; }
    public int BroadcastReached { get; set; }
    public int BroadcastRead { get; set; }
    public int BroadcastAcknowledged { get; set; }
    public int ResearchReports { get; set; }

    /// <summary>The people this group stands for: everyone with the app, and at least everyone active that week.</summary>
    public int Population => Math.Max(Enrolled, ActivePeople);

    public void Add(WeekTally o)
    {
        Enrolled += o.Enrolled; Questions += o.Questions; ActivePeople += o.ActivePeople; Rated += o.Rated; Liked += o.Liked; Raters += o.Raters;
        foreach (var (minutes, count) in o.Minutes) Minutes[minutes] = Minutes.GetValueOrDefault(minutes) + count;
        Respondents += o.Respondents; AgreementAnswers += o.AgreementAnswers; Agreed += o.Agreed;
        NudgesDelivered += o.NudgesDelivered; NudgesRead += o.NudgesRead; NudgeRecipients += o.NudgeRecipients; NudgeClickers += o.NudgeClickers;
        NudgeStops += o.NudgeStops; LessonsCompleted += o.LessonsCompleted; EventSignups += o.EventSignups; EventAttended += o.EventAttended;
        BroadcastReached += o.BroadcastReached; BroadcastRead += o.BroadcastRead; BroadcastAcknowledged += o.BroadcastAcknowledged; ResearchReports += o.ResearchReports;
    }
}

/// <summary>
/// What a group's week shows. Null: suppressed, because fewer than the minimum group size of people answered
/// (satisfaction: rated; minutes and agreement: answered the survey; nudge engagement: got a nudge).
/// </summary>
public sealed record AdoptionFigures(
    int Enrolled, int ActiveUsers, int ActivePercent, long Questions, double QuestionsPerActive, int Rated, int? SatisfactionPercent,
    int? Respondents, int? MedianMinutes, int? MeanMinutes, int? AgreePercent, int NudgesDelivered, int NudgesRead, int? NudgeEngagementPercent,
    int NudgeStops, int LessonsCompleted, int EventSignups, int EventAttended, int BroadcastReached, int BroadcastRead, int BroadcastAcknowledged,
    int ResearchReports);

public sealed record AgencyFigures(string AgencyId, string Name, AdoptionFigures Figures);

public sealed record WeeklyActiveUsers(DateOnly Week, int ActiveUsers);

public sealed record ReferenceFigures(int MinutesPerDay, int PositivePercent);

/// <summary>The adoption report of one week (Monday to Sunday, UTC) for a set of agencies, with the weekly-active trend.</summary>
public sealed record AdoptionReport(
    string Scope, DateOnly Week, DateOnly WeekEnd, int MinGroupSize, ReferenceFigures Reference, AdoptionFigures Totals,
    IReadOnlyList<AgencyFigures> Agencies, int HiddenGroups, IReadOnlyList<WeeklyActiveUsers> Trend, DateTimeOffset GeneratedAt);

/// <summary>
/// The privacy rule, in one place. A group (an agency in a week) of fewer than the minimum group size of people is never
/// shown and never counted in a total, so no total minus the shown rows gives it away; every scope (all agencies, a coach's
/// agencies) shows the same numbers for the same group. Within a shown group, a figure that rests on fewer people than the
/// minimum (e.g. three survey answers) is withheld, and totals of that figure add up only the groups showing it.
/// </summary>
public static class AdoptionMath
{
    public static (AdoptionFigures Totals, IReadOnlyList<(string AgencyId, AdoptionFigures Figures)> Shown, int Hidden) Week(
        IReadOnlyDictionary<string, WeekTally> byAgency, int minGroupSize)
    {
        var shown = byAgency.Where(kv => kv.Value.Population >= minGroupSize).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var hidden = byAgency.Count(kv => kv.Value.Population > 0 && kv.Value.Population < minGroupSize);
        var total = new WeekTally();
        foreach (var (_, tally) in shown) total.Add(tally);
        // Each withheld figure: totals over the groups that show it.
        WeekTally Over(Func<WeekTally, bool> showsIt)
        {
            var sum = new WeekTally();
            foreach (var (_, tally) in shown) if (showsIt(tally)) sum.Add(tally);
            return sum;
        }
        var rated = Over(t => t.Raters >= minGroupSize);
        var answered = Over(t => t.Respondents >= minGroupSize);
        var nudged = Over(t => t.NudgeRecipients >= minGroupSize);
        var totals = Figures(total, minGroupSize) with
        {
            SatisfactionPercent = rated.Raters >= minGroupSize ? Percent(rated.Liked, rated.Rated) : null,
            Respondents = answered.Respondents >= minGroupSize ? answered.Respondents : null,
            MedianMinutes = answered.Respondents >= minGroupSize ? Median(answered.Minutes) : null,
            MeanMinutes = answered.Respondents >= minGroupSize ? Mean(answered.Minutes) : null,
            AgreePercent = answered.Respondents >= minGroupSize ? Percent(answered.Agreed, answered.AgreementAnswers) : null,
            NudgeEngagementPercent = nudged.NudgeRecipients >= minGroupSize ? Percent(nudged.NudgeClickers, nudged.NudgeRecipients) : null,
        };
        return (totals, shown.Select(kv => (kv.Key, Figures(kv.Value, minGroupSize))).ToList(), hidden);
    }

    public static AdoptionFigures Figures(WeekTally t, int minGroupSize)
    {
        var enrolled = t.Population;
        var answered = t.Respondents >= minGroupSize;
        return new AdoptionFigures(
            enrolled, t.ActivePeople, Percent(t.ActivePeople, enrolled) ?? 0, t.Questions,
            // Questions per active person rests on the active people: withheld (0) when fewer than the minimum.
            t.ActivePeople < minGroupSize ? 0 : Math.Round((double)t.Questions / t.ActivePeople, 1), t.Rated,
            t.Raters >= minGroupSize ? Percent(t.Liked, t.Rated) : null,
            answered ? t.Respondents : null, answered ? Median(t.Minutes) : null, answered ? Mean(t.Minutes) : null,
            answered ? Percent(t.Agreed, t.AgreementAnswers) : null,
            t.NudgesDelivered, t.NudgesRead, t.NudgeRecipients >= minGroupSize ? Percent(t.NudgeClickers, t.NudgeRecipients) : null,
            t.NudgeStops, t.LessonsCompleted, t.EventSignups, t.EventAttended, t.BroadcastReached, t.BroadcastRead, t.BroadcastAcknowledged,
            t.ResearchReports);
    }

    public static int? Percent(long part, long whole) => whole <= 0 ? null : (int)Math.Round(100.0 * part / whole, MidpointRounding.AwayFromZero);

    /// <summary>The median of answers given as value → count (the mean of the two middle answers when their number is even).</summary>
    public static int? Median(SortedDictionary<int, int> histogram)
    {
        var n = histogram.Values.Sum();
        if (n == 0) return null;
        int? lower = null;
        var seen = 0;
        foreach (var (value, count) in histogram)
        {
            // 0-based positions of the middle answers: (n-1)/2 and n/2.
            if (lower is null && seen + count > (n - 1) / 2) lower = value;
            if (seen + count > n / 2) return (int)Math.Round((lower!.Value + value) / 2.0, MidpointRounding.AwayFromZero);
            seen += count;
        }
        return lower;
    }

    public static int? Mean(SortedDictionary<int, int> histogram)
    {
        var n = histogram.Values.Sum();
        return n == 0 ? null : (int)Math.Round(histogram.Sum(kv => (double)kv.Key * kv.Value) / n, MidpointRounding.AwayFromZero);
    }
}
