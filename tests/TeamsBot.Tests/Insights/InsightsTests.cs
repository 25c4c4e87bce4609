using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Agencies;
using TeamsBot.Conversations;
using TeamsBot.Insights;
using TeamsBot.Nudges;
using TeamsBot.Protocol.Activities;
using TeamsBot.Security;
using TeamsBot.Storage;
using TeamsBot.Testing;
using TeamsBot.Tests.Broadcasts;
using TeamsBot.Tests.Nudges;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;
using static TeamsBot.Tests.Events.EventHarness;

namespace TeamsBot.Tests.Insights;

/// <summary>
/// Adoption through Teams: people install, ask, rate answers and answer the weekly survey the nudge planner sends; a coach
/// broadcasts and a message is read; then the week's figures per agency (a small agency hidden) in the API, the CSV and the
/// <c>report</c> card, for the right people only.
/// </summary>
public sealed class InsightsTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const int Gsa = 12, Nasa = 3;
    private const string UserKeySecret = "insights-test-secret-0123456789abcdef";
    private const string AdminId = SecondCoachId;
    private BroadcastHarness _h = null!;
    private BotApp _bot = null!;

    public async Task InitializeAsync()
    {
        _h = await BroadcastHarness.StartAsync(gsaUsers: Gsa, nasaUsers: Nasa);
        var settings = _h.Settings();
        foreach (var (key, value) in NudgeTests.AnyTime) settings[key] = value;
        settings["Nudges:Survey"] = "true";
        // Whatever day the tests run, the survey is due today (UTC is everyone's zone here).
        settings["Nudges:SurveyDay"] = DateTime.UtcNow.DayOfWeek.ToString();
        settings["Nudges:PlanInterval"] = "01:00:00";
        settings["Insights:UserKeySecret"] = UserKeySecret;
        _bot = await BotApp.StartAsync(settings);
        var registry = _bot.Services.GetRequiredService<IAgencyRegistry>();
        await registry.UpsertAsync((await registry.FindAsync("gsa", default))! with { CoachUserIds = [CoachId], AdminUserIds = [AdminId] }, default);
    }

    public async Task DisposeAsync()
    {
        foreach (var line in TestLogs.All.Where(l => l.StartsWith("Warn", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal)).TakeLast(40))
            output.WriteLine(line);
        await _bot.DisposeAsync();
        await _h.DisposeAsync();
    }

    private static (string Id, string Tenant) Who(int i) => i <= Gsa ? (UserId(i), TenantA) : (NasaUserId(i - Gsa), TenantB);

    private Task<HttpResponseMessage> SayAsync(string objectId, string tenant, string text, string? conversationId = null) =>
        _bot.SendAsync(Person(TestActivities.Message(_h.Connector.ServiceUrl, text, conversationId: conversationId ?? ChatOf(objectId)), objectId, tenant));

    private Task<HttpResponseMessage> AnswerSurveyAsync(int i, string surveyId, object answers)
    {
        var (id, tenant) = Who(i);
        var data = JsonSerializer.SerializeToNode(answers)!.AsObject();
        data["surveyId"] = surveyId;
        return _bot.SendAsync(Person(TestActivities.Invoke(_h.Connector.ServiceUrl, "adaptiveCard/action",
            new { action = new { type = "Action.Execute", verb = "survey.timeSaved", data }, trigger = "manual" }, conversationId: ChatOf(id)), id, tenant));
    }

    private static readonly int[] Minutes = [0, 15, 30, 30, 60, 60, 60, 90, 90, 120, 120, 180];

    [Fact]
    public async Task A_week_of_use_becomes_the_adoption_report_with_the_small_agency_hidden_for_admins_only()
    {
        for (var i = 1; i <= Gsa + Nasa; i++)
        {
            var (id, tenant) = Who(i);
            await _bot.SendAsync(Person(TestActivities.BotAdded(_h.Connector.ServiceUrl, ChatOf(id)), id, tenant));
        }
        await using (var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
        {
            foreach (var c in await db.Set<ConversationRecord>().ToListAsync()) c.FirstSeenAt = c.FirstSeenAt.AddDays(-2);
            await db.SaveChangesAsync();
        }
        // Everyone in GSA asks; 10 like their answer, 1 dislikes, 1 changes a like to a dislike and back.
        for (var i = 1; i <= Gsa; i++) Assert.Equal(HttpStatusCode.OK, (await SayAsync(UserId(i), TenantA, "What is the travel policy?")).StatusCode);
        for (var i = 1; i <= 11; i++)
            foreach (var reaction in i == 11 ? ["dislike"] : i == 10 ? new[] { "like", "dislike", "like" } : ["like"])
                Assert.Equal(HttpStatusCode.OK, (await _bot.SendAsync(Person(TestActivities.Invoke(_h.Connector.ServiceUrl, "message/submitAction",
                    new { actionName = "feedback", actionValue = new { reaction, feedback = "" } }, conversationId: ChatOf(UserId(i))), UserId(i), TenantA) with { ReplyToId = $"answer-{i}" })).StatusCode);

        // The planner sends this week's survey (before any lesson) to everyone who used the app this week.
        var run = await _bot.Services.GetRequiredService<NudgeService>().PlanAsync(default);
        Assert.Equal(Gsa + Nasa, run.Planned);
        foreach (var campaign in run.Campaigns) await _h.WaitForStatusAsync(_bot.Http, campaign, "completed");
        var surveys = _h.Connector.Deliveries.Where(d => d.Body.Contains("survey.timeSaved", StringComparison.Ordinal)).ToList();
        Assert.Equal(Gsa + Nasa, surveys.Count);
        var surveyId = JsonDocument.Parse(surveys[0].Body).RootElement.GetProperty("attachments")[0].GetProperty("content").GetRawText() is var card
            && System.Text.RegularExpressions.Regex.Match(card, "\"surveyId\":\"(\\d{4}-\\d{2}-\\d{2})\"") is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException(card);
        Assert.Equal(DayOfWeek.Monday, DateOnly.Parse(surveyId, System.Globalization.CultureInfo.InvariantCulture).DayOfWeek);

        // Answers: the card thanks them; a second answer, a wrong value, and someone never asked change nothing.
        for (var i = 1; i <= Gsa; i++)
        {
            var agree = i <= 9 ? "4" : "2";
            var thanks = await CardOfAsync(await AnswerSurveyAsync(i, surveyId, new { minutesSaved = Minutes[i - 1].ToString(System.Globalization.CultureInfo.InvariantCulture), quality = agree, effort = agree, speed = agree }));
            Assert.DoesNotContain("survey.timeSaved", thanks);
        }
        await CardOfAsync(await AnswerSurveyAsync(1, surveyId, new { minutesSaved = "180", quality = "5", effort = "5", speed = "5" }));
        Assert.Contains("choose an answer for every question", await (await AnswerSurveyAsync(2, surveyId, new { minutesSaved = "45", quality = "4", effort = "4", speed = "4" })).Content.ReadAsStringAsync());
        Assert.Contains("not sent to you", await (await AnswerSurveyAsync(2, "2020-01-06", new { minutesSaved = "30", quality = "4", effort = "4", speed = "4" })).Content.ReadAsStringAsync());
        await CardOfAsync(await AnswerSurveyAsync(Gsa + 1, surveyId, new { minutesSaved = "120", quality = "5", effort = "5", speed = "5" }));
        // A survey sent three weeks ago has closed: its week's figures are sealed.
        var closedWeek = DateOnly.Parse(surveyId, System.Globalization.CultureInfo.InvariantCulture).AddDays(-21).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await using (var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
        {
            db.Add(new NudgeDelivery { ObjectId = UserId(3), TenantId = TenantA, AgencyId = "gsa", Kind = NudgePlanner.SurveyKind, ProgramId = "survey", ItemId = closedWeek, CampaignId = "old", PlannedAt = DateTimeOffset.UtcNow.AddDays(-20) });
            await db.SaveChangesAsync();
        }
        Assert.Contains("has closed", await (await AnswerSurveyAsync(3, closedWeek, new { minutesSaved = "30", quality = "4", effort = "4", speed = "4" })).Content.ReadAsStringAsync());

        // The next day the survey is not planned again (it went this week); lessons may be.
        await using (var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
        {
            foreach (var d in await db.Set<NudgeDelivery>().Where(d => d.Kind == NudgePlanner.SurveyKind && d.ItemId == surveyId).ToListAsync()) d.PlannedAt = d.PlannedAt.AddDays(-1);
            await db.SaveChangesAsync();
        }
        var nextDay = await _bot.Services.GetRequiredService<NudgeService>().PlanAsync(default);
        foreach (var campaign in nextDay.Campaigns) await _h.WaitForStatusAsync(_bot.Http, campaign, "completed");
        Assert.Equal(Gsa + Nasa, _h.Connector.Deliveries.Count(d => d.Body.Contains("survey.timeSaved", StringComparison.Ordinal)));

        // A coach's announcement to GSA, read by one person.
        var broadcast = await _h.CreateAsync(_bot.Http, Body(new { type = "agencies", agencies = new[] { "gsa" } }));
        await CallAsync(_bot.Http, HttpMethod.Post, $"/api/campaigns/{broadcast}/send", _h.CoachToken());
        var sentCount = Count(await _h.WaitForStatusAsync(_bot.Http, broadcast, "completed"), "sent");
        Assert.True(sentCount >= Gsa, $"{sentCount} sent");
        var reached = _h.Connector.Deliveries.Single(d => d.ConversationId == ChatOf(UserId(1)) && d.Body.Contains("Deep Research is here", StringComparison.Ordinal));
        await _bot.SendAsync(TestActivities.Message(_h.Connector.ServiceUrl, "", conversationId: reached.ConversationId, aadObjectId: UserId(1)) with
        {
            Type = ActivityTypes.Event, Text = null, Name = "application/vnd.microsoft.readReceipt",
            Value = JsonSerializer.SerializeToElement(new { lastReadMessageId = reached.ActivityId }),
        });

        // The API (admins): this week's figures.
        var week = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var admin = _h.Entra.CreateToken(new EntraTokenSpec { Roles = [Roles.Admin] });
        var response = await CallAsync(_bot.Http, HttpMethod.Get, $"/api/insights?week={week}", admin);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, report.ToString());
        Assert.Equal(surveyId, report.GetProperty("week").GetString());
        var totals = report.GetProperty("totals");
        int Total(string name) => totals.GetProperty(name).GetInt32();
        Assert.Equal(Gsa, Total("enrolled"));
        Assert.Equal(Gsa, Total("activeUsers"));
        Assert.Equal(100, Total("activePercent"));
        Assert.Equal(Gsa, Total("questions"));
        Assert.Equal(11, Total("rated"));
        Assert.Equal(91, Total("satisfactionPercent"));          // 10 likes of 11 people's last votes
        Assert.Equal(Gsa, Total("respondents"));
        Assert.Equal(60, Total("medianMinutes"));                // 0 15 30 30 60 60 | 60 90 90 120 120 180
        Assert.Equal(71, Total("meanMinutes"));                  // 855 / 12
        Assert.Equal(75, Total("agreePercent"));                 // 27 of 36
        Assert.Equal(sentCount, Total("broadcastReached"));
        Assert.Equal(1, Total("broadcastRead"));
        Assert.Equal(Gsa, Total("nudgesDelivered"));             // the next day's lesson 1; surveys are not counted as nudges
        var agency = Assert.Single(report.GetProperty("agencies").EnumerateArray());
        Assert.Equal("gsa", agency.GetProperty("agencyId").GetString());
        Assert.Equal(1, report.GetProperty("hiddenGroups").GetInt32()); // NASA: 3 people
        Assert.Equal(95, report.GetProperty("reference").GetProperty("minutesPerDay").GetInt32());
        Assert.Equal(Gsa, report.GetProperty("trend").EnumerateArray().Last().GetProperty("activeUsers").GetInt32());

        var csv = await (await CallAsync(_bot.Http, HttpMethod.Get, $"/api/insights/export.csv?from={week}&to={week}", admin)).Content.ReadAsStringAsync();
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length); // header, GSA, the total
        Assert.StartsWith($"{surveyId},gsa,General Services Administration,12,12,100,12,", lines[1]);
        Assert.DoesNotContain("nasa", csv, StringComparison.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(_bot.Http, HttpMethod.Get, "/api/insights", _h.CoachToken())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(_bot.Http, HttpMethod.Get, "/api/insights", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(_bot.Http, HttpMethod.Get, "/api/insights?week=last-tuesday", admin)).StatusCode);

        // In Teams: the admin's card covers every agency; the coach's their own; an employee is refused.
        await SayAsync(AdminId, TenantA, "report this week", "a:admin");
        await SayAsync(CoachId, TenantA, "report this week", "a:coach");
        await SayAsync(UserId(1), TenantA, "report");
        var sends = await _h.Connector.WaitForAsync(r => r.Count(x => x.IsSend && x.ConversationId is "a:admin" or "a:coach") >= 2
                                                         && r.Any(x => x.IsSend && x.ConversationId == ChatOf(UserId(1)) && x.Body.Contains("adaptive", StringComparison.Ordinal) && x.Body.Contains("Only", StringComparison.Ordinal)));
        var adminCard = sends.Last(x => x.IsSend && x.ConversationId == "a:admin").Body;
        foreach (var chart in new[] { "Chart.Line", "Chart.HorizontalBar", "Chart.VerticalBar" }) Assert.Contains(chart, adminCard);
        Assert.Contains("General Services Administration", adminCard);
        Assert.Contains("All agencies", adminCard);
        Assert.DoesNotContain("National Aeronautics", adminCard);
        Assert.Contains("General Services Administration", sends.Last(x => x.IsSend && x.ConversationId == "a:coach").Body);
        Assert.DoesNotContain("Chart.Line", sends.Last(x => x.IsSend && x.ConversationId == ChatOf(UserId(1))).Body);

        // help lists report for the people who may use it.
        await SayAsync(CoachId, TenantA, "help", "a:coach");
        await SayAsync(UserId(2), TenantA, "help");
        var helps = await _h.Connector.WaitForAsync(r => r.Count(x => x.IsSend && x.Body.Contains("help shows this list", StringComparison.Ordinal)) >= 2);
        Assert.Contains("\"title\":\"report\"", helps.Last(x => x.IsSend && x.ConversationId == "a:coach").Body);
        Assert.DoesNotContain("\"title\":\"report\"", helps.Last(x => x.IsSend && x.ConversationId == ChatOf(UserId(2))).Body);

        // People are counted by a keyed pseudonym (HMAC with Insights:UserKeySecret), never by their id or its plain hash.
        await using var store = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync();
        var stored = await store.Set<InsightEvent>().Select(e => e.UserKey).Distinct().ToListAsync();
        var people = Enumerable.Range(1, Gsa + Nasa).Select(i => Who(i).Id).Append(CoachId).Append(AdminId).ToList();
        static string Keyed(string id) => Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(UserKeySecret), System.Text.Encoding.UTF8.GetBytes(id.ToLowerInvariant())))[..32];
        Assert.All(stored, key => Assert.Contains(key, people.Select(Keyed)));
        Assert.Contains(Keyed(UserId(1)), stored);
        Assert.DoesNotContain(stored, key => people.Any(id => key.Contains(id, StringComparison.OrdinalIgnoreCase)
            || StorageKeys.Hash("insights|" + id).StartsWith(key, StringComparison.OrdinalIgnoreCase)));
    }
}
