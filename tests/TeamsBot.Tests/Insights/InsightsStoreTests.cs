using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Insights;
using TeamsBot.Storage;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Insights;

/// <summary>
/// The weekly aggregation in SQL (SQLite and PostgreSQL) against the same sums done in memory over generated events:
/// installs and uninstalls carried across weeks, distinct people, changed votes, survey answers, every kind.
/// </summary>
public sealed class InsightsStoreTests
{
    private const int FirstWeek = 2962; // Monday 2026-10-05
    private static readonly string[] Agencies = ["gsa", "nasa", "dol", "sba"];

    /// <summary>Four agencies of 60, 35, 12 and 7 people over five weeks, with a fixed seed.</summary>
    internal static List<InsightEvent> Generate(int seed = 7)
    {
        var random = new Random(seed);
        var events = new List<InsightEvent>();
        var sizes = new[] { 60, 35, 12, 7 };
        void Add(InsightKind kind, int day, string agency, string user, int? value = null) =>
            events.Add(new InsightEvent { Kind = kind, Day = day, AgencyId = agency, UserKey = user, Value = value });
        for (var a = 0; a < Agencies.Length; a++)
        {
            for (var p = 0; p < sizes[a]; p++)
            {
                var user = $"{Agencies[a]}-{p}";
                // Installed before the report's weeks or during them; a few leave.
                var installDay = FirstWeek * 7 - 3 - 20 + random.Next(0, 40);
                Add(InsightKind.Installed, installDay, Agencies[a], user);
                if (random.Next(10) == 0) Add(InsightKind.Uninstalled, installDay + random.Next(1, 20), Agencies[a], user);
                for (var day = FirstWeek * 7 - 3; day < (FirstWeek + 5) * 7 - 3; day++)
                {
                    if (day < installDay || random.Next(3) != 0) continue;
                    for (var q = random.Next(1, 4); q > 0; q--) Add(InsightKind.Question, day, Agencies[a], user);
                    if (random.Next(4) == 0) Add(InsightKind.Rated, day, Agencies[a], user, random.Next(5) == 0 ? -1 : 1);
                    if (random.Next(40) == 0) { Add(InsightKind.RatingWithdrawn, day, Agencies[a], user, 1); Add(InsightKind.Rated, day, Agencies[a], user, -1); }
                    foreach (var kind in new[] { InsightKind.NudgeDelivered, InsightKind.NudgeRead, InsightKind.NudgeClicked, InsightKind.LessonCompleted, InsightKind.EventRegistered,
                                 InsightKind.EventAttended, InsightKind.BroadcastDelivered, InsightKind.BroadcastRead, InsightKind.BroadcastAcknowledged, InsightKind.NudgeStopped, InsightKind.ResearchDelivered })
                        if (random.Next(6) == 0) Add(kind, day, Agencies[a], user);
                }
                for (var w = FirstWeek; w < FirstWeek + 5; w++)
                {
                    if (random.Next(3) == 0) continue;
                    var monday = w * 7 - 3;
                    Add(InsightKind.SurveyMinutes, monday, Agencies[a], user, TimeSavedChoices[random.Next(TimeSavedChoices.Length)]);
                    Add(InsightKind.SurveyQuality, monday, Agencies[a], user, random.Next(1, 6));
                    Add(InsightKind.SurveyEffort, monday, Agencies[a], user, random.Next(1, 6));
                    Add(InsightKind.SurveySpeed, monday, Agencies[a], user, random.Next(1, 6));
                }
            }
        }
        return events;
    }

    private static readonly int[] TimeSavedChoices = [0, 15, 30, 60, 90, 120, 180];

    /// <summary>The same tally, in memory.</summary>
    private static WeekTally Expected(List<InsightEvent> events, int week, string agency)
    {
        var inAgency = events.Where(e => e.AgencyId == agency).ToList();
        var lastDay = week * 7 + 3;
        var w = inAgency.Where(e => InsightCalendar.WeekOfDay(e.Day) == week).ToList();
        int Count(InsightKind k) => w.Count(e => e.Kind == k);
        int People(InsightKind k) => w.Where(e => e.Kind == k).Select(e => e.UserKey).Distinct().Count();
        var t = new WeekTally
        {
            Enrolled = Math.Max(0, inAgency.Count(e => e.Kind == InsightKind.Installed && e.Day <= lastDay) - inAgency.Count(e => e.Kind == InsightKind.Uninstalled && e.Day <= lastDay)),
            Questions = Count(InsightKind.Question), ActivePeople = People(InsightKind.Question),
            Rated = Count(InsightKind.Rated) - Count(InsightKind.RatingWithdrawn),
            Liked = w.Count(e => e.Kind == InsightKind.Rated && e.Value > 0) - w.Count(e => e.Kind == InsightKind.RatingWithdrawn && e.Value > 0),
            Raters = People(InsightKind.Rated), Respondents = People(InsightKind.SurveyMinutes),
            AgreementAnswers = w.Count(e => e.Kind is InsightKind.SurveyQuality or InsightKind.SurveyEffort or InsightKind.SurveySpeed),
            Agreed = w.Count(e => e.Kind is InsightKind.SurveyQuality or InsightKind.SurveyEffort or InsightKind.SurveySpeed && e.Value >= 4),
            NudgesDelivered = Count(InsightKind.NudgeDelivered), NudgeRecipients = People(InsightKind.NudgeDelivered), NudgesRead = Count(InsightKind.NudgeRead),
            NudgeClickers = People(InsightKind.NudgeClicked), NudgeStops = Count(InsightKind.NudgeStopped), LessonsCompleted = Count(InsightKind.LessonCompleted),
            EventSignups = Count(InsightKind.EventRegistered), EventAttended = Count(InsightKind.EventAttended), BroadcastReached = Count(InsightKind.BroadcastDelivered),
            BroadcastRead = Count(InsightKind.BroadcastRead), BroadcastAcknowledged = Count(InsightKind.BroadcastAcknowledged), ResearchReports = Count(InsightKind.ResearchDelivered),
        };
        foreach (var e in w.Where(e => e.Kind == InsightKind.SurveyMinutes)) t.Minutes[e.Value!.Value] = t.Minutes.GetValueOrDefault(e.Value!.Value) + 1;
        return t;
    }

    [Theory]
    [InlineData("Insights:MinGroupSize", "4", "Insights:MinGroupSize must be at least 5")]
    [InlineData("Insights:TrendWeeks", "0", "Insights:TrendWeeks must be between 1 and 52")]
    public async Task A_group_size_below_five_or_a_bad_setting_stops_startup_with_the_reason(string key, string value, string reason)
    {
        var e = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => BotApp.StartAsync(new Dictionary<string, string?> { [key] = value }));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public Task SQLite_weekly_tallies_match_the_sums_done_in_memory() => TalliesMatchAsync(null);

    [Fact]
    public async Task PostgreSQL_weekly_tallies_match_the_sums_done_in_memory()
    {
        await using var postgres = TestPostgres.TryCreate("teamsbot_insights");
        if (postgres is null) return;
        await TalliesMatchAsync(postgres.Settings);
    }

    private static async Task TalliesMatchAsync(Dictionary<string, string?>? settings)
    {
        await using var bot = await BotApp.StartAsync(settings);
        var events = Generate();
        await using (var db = await bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
        {
            db.AddRange(events);
            await db.SaveChangesAsync();
        }
        var service = bot.Services.GetRequiredService<InsightsService>();
        // Weeks 2–5: the first one's enrolment comes from the installs before it.
        var tallies = await service.TalliesAsync(FirstWeek + 1, FirstWeek + 4, null, default);
        for (var week = FirstWeek + 1; week <= FirstWeek + 4; week++)
            foreach (var agency in Agencies)
            {
                var expected = Expected(events, week, agency);
                var actual = tallies[week][agency];
                Assert.Equivalent(expected, actual, strict: true);
            }
        // Sealing stores the weeks that can no longer change; their tallies are then read, not counted, and stay the same.
        // (The recurring job may have sealed them already, on its own schedule.)
        await service.SealAsync(default);
        Assert.Equal(0, await service.SealAsync(default));
        await using (var db = await bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
        {
            var sealedWeeks = await db.Set<InsightWeekTally>().Where(t => t.AgencyId == "").Select(t => t.Week).OrderBy(w => w).ToListAsync();
            Assert.Equal(Enumerable.Range(InsightCalendar.WeekOfDay(events.Min(e => e.Day)), service.LastSealedWeek() - InsightCalendar.WeekOfDay(events.Min(e => e.Day)) + 1), sealedWeeks);
            var sealedWeek = FirstWeek + 1;
            Assert.True(sealedWeek <= service.LastSealedWeek());
            await db.Set<InsightEvent>().Where(e => e.Day >= sealedWeek * 7 - 3 && e.Day <= sealedWeek * 7 + 3).ExecuteDeleteAsync();
        }
        var afterSealing = await service.TalliesAsync(FirstWeek + 1, FirstWeek + 4, null, default);
        for (var week = FirstWeek + 1; week <= FirstWeek + 4; week++)
            foreach (var agency in Agencies)
                Assert.Equivalent(Expected(events, week, agency), afterSealing[week][agency], strict: true);

        // The same tallies for one agency alone (a coach's scope).
        var nasa = await service.TalliesAsync(FirstWeek + 2, FirstWeek + 2, ["NASA"], default);
        Assert.Equal(["nasa"], nasa[FirstWeek + 2].Keys);
        Assert.Equivalent(Expected(events, FirstWeek + 2, "nasa"), nasa[FirstWeek + 2]["nasa"], strict: true);

        // The report of the last week: the group of 7 never appears; totals are the rows' sums.
        var report = await service.ReportAsync(InsightCalendar.Monday(FirstWeek + 4).AddDays(3), null, "All", default);
        Assert.Equal(InsightCalendar.Monday(FirstWeek + 4), report.Week);
        Assert.DoesNotContain(report.Agencies, a => a.AgencyId == "sba");
        var small = Agencies.Where(a => Expected(events, FirstWeek + 4, a).Population < 10).ToList();
        Assert.Contains("sba", small);
        Assert.Equal(small.Count, report.HiddenGroups);
        Assert.Equal(Agencies.Except(small), report.Agencies.Select(a => a.AgencyId).Order(StringComparer.Ordinal).OrderBy(a => Array.IndexOf(Agencies, a)));
        Assert.Equal(report.Agencies.Sum(a => a.Figures.ActiveUsers), report.Totals.ActiveUsers);
        Assert.Equal(8, report.Trend.Count);
        Assert.Equal(report.Totals.ActiveUsers, report.Trend[^1].ActiveUsers);
        var gsa = Expected(events, FirstWeek + 4, "gsa");
        var answers = events.Where(e => e.AgencyId == "gsa" && e.Kind == InsightKind.SurveyMinutes && InsightCalendar.WeekOfDay(e.Day) == FirstWeek + 4)
            .Select(e => e.Value!.Value).Order().ToList();
        var median = answers.Count % 2 == 1 ? answers[answers.Count / 2] : (int)Math.Round((answers[answers.Count / 2 - 1] + answers[answers.Count / 2]) / 2.0, MidpointRounding.AwayFromZero);
        Assert.Equal(median, report.Agencies.Single(a => a.AgencyId == "gsa").Figures.MedianMinutes);
        Assert.Equal(gsa.ActivePeople, report.Agencies.Single(a => a.AgencyId == "gsa").Figures.ActiveUsers);
    }
}
