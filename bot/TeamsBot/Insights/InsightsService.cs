using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TeamsBot.Agencies;
using TeamsBot.Storage;

namespace TeamsBot.Insights;

/// <summary>
/// Weekly adoption per agency from the event store: three grouped reads over the weeks asked for (counts and people per
/// agency, week and kind; the survey and rating answers by value; installs before the first week), then
/// <see cref="AdoptionMath"/> applies the privacy rule. Nothing here reads or returns message content.
/// </summary>
public sealed class InsightsService(
    IDbContextFactory<TeamsBotDbContext> db, IInsightRecorder recorder, IAgencyRegistry registry, IOptions<InsightsOptions> options, TimeProvider time)
{
    private static readonly InsightKind[] ValueKinds =
        [InsightKind.Rated, InsightKind.RatingWithdrawn, InsightKind.SurveyMinutes, InsightKind.SurveyQuality, InsightKind.SurveyEffort, InsightKind.SurveySpeed];

    /// <summary>The last full week (Monday to Sunday, UTC) before now.</summary>
    public DateOnly LastFullWeek() => InsightCalendar.Monday(InsightCalendar.WeekOf(time.GetUtcNow()) - 1);

    /// <summary>
    /// The report of the week holding <paramref name="week"/> for <paramref name="agencies"/> (null: every agency), with the
    /// weekly-active trend of <c>Insights:TrendWeeks</c> weeks ending with it.
    /// </summary>
    public async Task<AdoptionReport> ReportAsync(DateOnly week, IReadOnlyCollection<string>? agencies, string scope, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var last = InsightCalendar.WeekOf(week);
        var weeks = await TalliesAsync(last - o.TrendWeeks + 1, last, agencies, cancellationToken);
        var names = (await registry.ListAsync(cancellationToken)).ToDictionary(a => a.Id, a => a.Name, StringComparer.OrdinalIgnoreCase);
        var trend = new List<WeeklyActiveUsers>();
        AdoptionFigures? totals = null;
        IReadOnlyList<(string AgencyId, AdoptionFigures Figures)> shown = [];
        var hidden = 0;
        for (var w = last - o.TrendWeeks + 1; w <= last; w++)
        {
            var result = AdoptionMath.Week(weeks[w], o.MinGroupSize);
            trend.Add(new WeeklyActiveUsers(InsightCalendar.Monday(w), result.Totals.ActiveUsers));
            if (w == last) (totals, shown, hidden) = result;
        }
        var monday = InsightCalendar.Monday(last);
        return new AdoptionReport(scope, monday, monday.AddDays(6), o.MinGroupSize, new ReferenceFigures(o.ReferenceMinutesPerDay, o.ReferencePositivePercent),
            totals!, shown.Select(s => new AgencyFigures(s.AgencyId, NameOf(s.AgencyId, names), s.Figures)).ToList(), hidden, trend, time.GetUtcNow());
    }

    private static string NameOf(string agencyId, IReadOnlyDictionary<string, string> names) =>
        names.TryGetValue(agencyId, out var name) ? name : agencyId == Agency.UnassignedId ? "Not assigned to an agency" : agencyId;

    /// <summary>A week is sealed two weeks after it began: its survey answers closed a week after it ended.</summary>
    public int LastSealedWeek() => InsightCalendar.WeekOf(time.GetUtcNow()) - 2;

    /// <summary>
    /// Each week's tally per agency, weeks <paramref name="first"/> to <paramref name="last"/> (week numbers): sealed weeks from
    /// their stored tallies, the others (the last two, or any not sealed yet) from their events.
    /// </summary>
    public async Task<Dictionary<int, Dictionary<string, WeekTally>>> TalliesAsync(int first, int last, IReadOnlyCollection<string>? agencies, CancellationToken cancellationToken)
    {
        // This replica's queued events first, so a report right after an action shows it.
        await recorder.FlushAsync(cancellationToken);
        var result = await StoredAsync(first - 1, last, cancellationToken);
        var liveFrom = first;
        while (liveFrom <= last && result.ContainsKey(liveFrom)) liveFrom++;
        if (liveFrom <= last)
        {
            // Enrolment carries over: from the week before, when it is stored.
            var baseline = result.TryGetValue(liveFrom - 1, out var before) ? before.ToDictionary(kv => kv.Key, kv => kv.Value.Enrolled, StringComparer.OrdinalIgnoreCase) : null;
            foreach (var (week, tallies) in await CountAsync(liveFrom, last, baseline, cancellationToken)) result[week] = tallies;
        }
        var filter = agencies?.ToHashSet(StringComparer.OrdinalIgnoreCase);
        return Enumerable.Range(first, last - first + 1).ToDictionary(w => w, w => result.TryGetValue(w, out var tallies)
            ? tallies.Where(kv => filter is null || filter.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, WeekTally>(StringComparer.OrdinalIgnoreCase));
    }

    private async Task<Dictionary<int, Dictionary<string, WeekTally>>> StoredAsync(int first, int last, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var rows = await context.Set<InsightWeekTally>().AsNoTracking().Where(t => t.Week >= first && t.Week <= last).ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.Week).Where(g => g.Any(r => r.AgencyId == "")).ToDictionary(g => g.Key, g => g.Where(r => r.AgencyId != "")
            .ToDictionary(r => r.AgencyId, r => JsonSerializer.Deserialize<WeekTally>(r.Tally, TallyJson)!, StringComparer.OrdinalIgnoreCase));
    }

    private static readonly JsonSerializerOptions TallyJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Stores the tallies of every sealed week not stored yet, oldest first (the recurring job <c>insights.seal</c>, one replica
    /// at a time); returns how many weeks were sealed.
    /// </summary>
    public async Task<int> SealAsync(CancellationToken cancellationToken)
    {
        int? next;
        await using (var context = await db.CreateDbContextAsync(cancellationToken))
        {
            var sealedUpTo = await context.Set<InsightWeekTally>().Where(t => t.AgencyId == "").MaxAsync(t => (int?)t.Week, cancellationToken);
            var firstDay = await context.Set<InsightEvent>().MinAsync(e => (int?)e.Day, cancellationToken);
            next = sealedUpTo + 1 ?? (firstDay is { } day ? InsightCalendar.WeekOfDay(day) : null);
        }
        var weeks = 0;
        for (var week = next ?? int.MaxValue; week <= LastSealedWeek(); week++)
        {
            var tallies = (await TalliesAsync(week, week, null, cancellationToken))[week];
            await using var context = await db.CreateDbContextAsync(cancellationToken);
            context.Add(new InsightWeekTally { Week = week, AgencyId = "", Tally = "{}" });
            context.AddRange(tallies.Select(kv => new InsightWeekTally { Week = week, AgencyId = kv.Key, Tally = JsonSerializer.Serialize(kv.Value, TallyJson) }));
            await context.SaveChangesAsync(cancellationToken);
            weeks++;
        }
        return weeks;
    }

    /// <summary>Tallies counted from the events of weeks <paramref name="first"/> to <paramref name="last"/>.</summary>
    private async Task<Dictionary<int, Dictionary<string, WeekTally>>> CountAsync(int first, int last, Dictionary<string, int>? enrolledBefore, CancellationToken cancellationToken)
    {
        var fromDay = first * 7 - 3;
        var toDay = last * 7 + 3;
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        context.Database.SetCommandTimeout(TimeSpan.FromMinutes(5));
        var events = context.Set<InsightEvent>().AsNoTracking();

        var counts = await events.Where(e => e.Day >= fromDay && e.Day <= toDay)
            .GroupBy(e => new { Week = (e.Day + 3) / 7, e.AgencyId, e.Kind })
            .Select(g => new { g.Key.Week, g.Key.AgencyId, g.Key.Kind, Count = g.Count(), People = g.Select(e => e.UserKey).Distinct().Count() })
            .ToListAsync(cancellationToken);
        var values = await events.Where(e => e.Day >= fromDay && e.Day <= toDay && ValueKinds.Contains(e.Kind))
            .GroupBy(e => new { Week = (e.Day + 3) / 7, e.AgencyId, e.Kind, e.Value })
            .Select(g => new { g.Key.Week, g.Key.AgencyId, g.Key.Kind, g.Key.Value, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var enrolled = enrolledBefore ?? (await events.Where(e => e.Day < fromDay && (e.Kind == InsightKind.Installed || e.Kind == InsightKind.Uninstalled))
                .GroupBy(e => new { e.AgencyId, e.Kind })
                .Select(g => new { g.Key.AgencyId, g.Key.Kind, Count = g.Count() })
                .ToListAsync(cancellationToken))
            .GroupBy(b => b.AgencyId, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Sum(b => b.Kind == InsightKind.Installed ? b.Count : -b.Count), StringComparer.OrdinalIgnoreCase);
        enrolled = new Dictionary<string, int>(enrolled, StringComparer.OrdinalIgnoreCase);

        var result = new Dictionary<int, Dictionary<string, WeekTally>>();
        for (var w = first; w <= last; w++) result[w] = new Dictionary<string, WeekTally>(StringComparer.OrdinalIgnoreCase);
        WeekTally Of(int week, string agency)
        {
            var map = result[week];
            if (!map.TryGetValue(agency, out var tally)) map[agency] = tally = new WeekTally();
            return tally;
        }

        // Enrolment carries over from week to week: installs minus uninstalls so far.
        var installs = counts.Where(c => c.Kind is InsightKind.Installed or InsightKind.Uninstalled).ToLookup(c => c.Week);
        for (var w = first; w <= last; w++)
        {
            foreach (var c in installs[w])
                enrolled[c.AgencyId] = enrolled.GetValueOrDefault(c.AgencyId) + (c.Kind == InsightKind.Installed ? c.Count : -c.Count);
            foreach (var (agency, people) in enrolled)
                if (people > 0) Of(w, agency).Enrolled = people;
        }

        foreach (var c in counts)
        {
            var t = Of(c.Week, c.AgencyId);
            switch (c.Kind)
            {
                case InsightKind.Question: t.Questions = c.Count; t.ActivePeople = c.People; break;
                case InsightKind.Rated: t.Raters = c.People; break;
                case InsightKind.SurveyMinutes: t.Respondents = c.People; break;
                case InsightKind.NudgeDelivered: t.NudgesDelivered = c.Count; t.NudgeRecipients = c.People; break;
                case InsightKind.NudgeRead: t.NudgesRead = c.Count; break;
                case InsightKind.NudgeClicked: t.NudgeClickers = c.People; break;
                case InsightKind.NudgeStopped: t.NudgeStops = c.Count; break;
                case InsightKind.LessonCompleted: t.LessonsCompleted = c.Count; break;
                case InsightKind.EventRegistered: t.EventSignups = c.Count; break;
                case InsightKind.EventAttended: t.EventAttended = c.Count; break;
                case InsightKind.BroadcastDelivered: t.BroadcastReached = c.Count; break;
                case InsightKind.BroadcastRead: t.BroadcastRead = c.Count; break;
                case InsightKind.BroadcastAcknowledged: t.BroadcastAcknowledged = c.Count; break;
                case InsightKind.ResearchDelivered: t.ResearchReports = c.Count; break;
            }
        }
        foreach (var v in values)
        {
            var t = Of(v.Week, v.AgencyId);
            switch (v.Kind)
            {
                case InsightKind.Rated or InsightKind.RatingWithdrawn:
                    var sign = v.Kind == InsightKind.Rated ? 1 : -1;
                    t.Rated += sign * v.Count;
                    if (v.Value > 0) t.Liked += sign * v.Count;
                    break;
                case InsightKind.SurveyMinutes when v.Value is { } minutes:
                    t.Minutes[minutes] = t.Minutes.GetValueOrDefault(minutes) + v.Count;
                    break;
                case InsightKind.SurveyQuality or InsightKind.SurveyEffort or InsightKind.SurveySpeed:
                    t.AgreementAnswers += v.Count;
                    if (v.Value >= 4) t.Agreed += v.Count;
                    break;
            }
        }
        return result;
    }

    /// <summary>
    /// CSV of every week in <c>[from, to]</c> (Mondays) and agency shown, with the same figures and the same privacy rule as
    /// the card: one row per agency and week, then the week's total. Withheld figures are empty cells.
    /// </summary>
    public async Task<string> CsvAsync(DateOnly from, DateOnly to, IReadOnlyCollection<string>? agencies, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var first = InsightCalendar.WeekOf(from);
        var last = InsightCalendar.WeekOf(to);
        var weeks = await TalliesAsync(first, last, agencies, cancellationToken);
        var names = (await registry.ListAsync(cancellationToken)).ToDictionary(a => a.Id, a => a.Name, StringComparer.OrdinalIgnoreCase);
        var csv = new StringBuilder("week,agency_id,agency,enrolled,weekly_active,active_percent,questions,questions_per_active,rated,satisfaction_percent,")
            .Append("survey_respondents,median_minutes_saved_per_day,mean_minutes_saved_per_day,agree_percent,nudges_delivered,nudges_read,nudge_engagement_percent,")
            .Append("nudge_stops,lessons_completed,event_signups,event_attended,broadcast_reached,broadcast_read,broadcast_acknowledged,research_reports,")
            .Append(CultureInfo.InvariantCulture, $"reference_minutes_per_day,reference_positive_percent\r\n");
        for (var w = first; w <= last; w++)
        {
            var (totals, shown, _) = AdoptionMath.Week(weeks[w], o.MinGroupSize);
            var monday = InsightCalendar.Monday(w).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            foreach (var (agencyId, figures) in shown) Row(csv, monday, agencyId, NameOf(agencyId, names), figures, o);
            Row(csv, monday, "", "All agencies shown", totals, o);
        }
        return csv.ToString();
    }

    private static void Row(StringBuilder csv, string week, string agencyId, string name, AdoptionFigures f, InsightsOptions o)
    {
        static string N(object? value) => value switch
        {
            null => "",
            double d => d.ToString("0.#", CultureInfo.InvariantCulture),
            IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        object?[] cells = [week, Broadcasts.CampaignsApi.Csv(agencyId), Broadcasts.CampaignsApi.Csv(name), f.Enrolled, f.ActiveUsers, f.ActivePercent, f.Questions, f.QuestionsPerActive, f.Rated,
            f.SatisfactionPercent, f.Respondents, f.MedianMinutes, f.MeanMinutes, f.AgreePercent, f.NudgesDelivered, f.NudgesRead, f.NudgeEngagementPercent,
            f.NudgeStops, f.LessonsCompleted, f.EventSignups, f.EventAttended, f.BroadcastReached, f.BroadcastRead, f.BroadcastAcknowledged, f.ResearchReports,
            o.ReferenceMinutesPerDay, o.ReferencePositivePercent];
        csv.AppendJoin(',', cells.Select(c => c is string s ? s : N(c))).Append("\r\n");
    }
}
