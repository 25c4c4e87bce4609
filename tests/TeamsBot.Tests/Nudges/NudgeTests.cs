using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Conversations;
using TeamsBot.Nudges;
using TeamsBot.Storage;
using TeamsBot.Testing;
using TeamsBot.Tests.Broadcasts;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;
using static TeamsBot.Tests.Events.EventHarness;

namespace TeamsBot.Tests.Nudges;

/// <summary>Training nudges end to end: installed people get lessons through the fan-out, Try it, Snooze, Stop, <c>nudges</c>.</summary>
public sealed class NudgeTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const int People = 6;
    private BroadcastHarness _h = null!;
    private BotApp _bot = null!;

    public async Task InitializeAsync()
    {
        _h = await BroadcastHarness.StartAsync(gsaUsers: People);
        var settings = _h.Settings();
        foreach (var (key, value) in AnyTime) settings[key] = value;
        settings["Nudges:MinGroupSize"] = "5";
        settings["Nudges:PlanInterval"] = "01:00:00";
        _bot = await BotApp.StartAsync(settings);
    }

    /// <summary>Any day, any hour: these tests are about the flow; the planner tests cover days, hours and time zones.</summary>
    internal static readonly IReadOnlyDictionary<string, string> AnyTime = new Dictionary<string, string>
    {
        ["Nudges:WorkingDays"] = "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday",
        ["Nudges:WorkingHoursStart"] = "00:00",
        ["Nudges:WorkingHoursEnd"] = "23:59:59",
        ["Nudges:QuietHours"] = "",
        ["Nudges:DefaultTimeZone"] = "UTC",
        // The weekly survey depends on the day of the week; its own tests set it.
        ["Nudges:Survey"] = "false",
    };

    public async Task DisposeAsync()
    {
        foreach (var line in TestLogs.All.Where(l => l.Contains("Nudge", StringComparison.Ordinal) || l.Contains("Campaign", StringComparison.Ordinal) || l.StartsWith("Warn", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal)).TakeLast(60))
            output.WriteLine(line);
        await _bot.DisposeAsync();
        await _h.DisposeAsync();
    }

    private NudgeService Nudges => _bot.Services.GetRequiredService<NudgeService>();

    private async Task ShiftAsync(Func<TeamsBotDbContext, Task> change)
    {
        await using var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync();
        await change(db);
    }

    private Task<HttpResponseMessage> SayAsync(int user, string text) =>
        _bot.SendAsync(Person(TestActivities.Message(_h.Connector.ServiceUrl, text, conversationId: ChatOf(UserId(user))), UserId(user), TenantA));

    private Task<HttpResponseMessage> PressAsync(int user, string verb) =>
        _bot.SendAsync(Person(TestActivities.Invoke(_h.Connector.ServiceUrl, "adaptiveCard/action",
            new { action = new { type = "Action.Execute", verb, data = new { nudgeId = "summarise-memo", programId = "ai-at-work" } }, trigger = "manual" },
            conversationId: ChatOf(UserId(user))), UserId(user), TenantA));

    private async Task<IReadOnlyList<FakeDelivery>> LessonsSentAsync(PlanRun run)
    {
        foreach (var id in run.Campaigns) await _h.WaitForStatusAsync(_bot.Http, id, "completed");
        return _h.Connector.Deliveries.Where(d => d.Body.Contains("Tip ", StringComparison.Ordinal) && d.Body.Contains("AI at work", StringComparison.Ordinal)).ToList();
    }

    [Fact]
    public async Task Installed_people_get_lessons_in_order_and_Stop_Snooze_and_Try_it_are_honoured()
    {
        for (var i = 1; i <= People; i++)
            await _bot.SendAsync(Person(TestActivities.BotAdded(_h.Connector.ServiceUrl, ChatOf(UserId(i))), UserId(i), TenantA));
        // Installed today: nothing yet (the first lesson comes the day after).
        var today = await Nudges.PlanAsync(default);
        Assert.Equal(0, today.Planned);
        Assert.Equal(People, today.Skipped[NudgeSkip.NewUser]);
        await ShiftAsync(async db =>
        {
            foreach (var c in await db.Set<ConversationRecord>().ToListAsync()) c.FirstSeenAt = c.FirstSeenAt.AddDays(-2);
            await db.SaveChangesAsync();
        });

        var first = await Nudges.PlanAsync(default);
        Assert.Equal(People, first.Planned);
        var sent = await LessonsSentAsync(first);
        Assert.Equal(Enumerable.Range(1, People).Select(i => ChatOf(UserId(i))).Order(), sent.Select(d => d.ConversationId).Order());
        var card = JsonDocument.Parse(sent[0].Body).RootElement.GetProperty("attachments")[0].GetProperty("content");
        var text = Strings(card);
        Assert.Contains("Summarise a long memo", text);
        Assert.Contains("imBack", text);
        Assert.Contains("nudge.stop", text);
        Assert.Equal(0, (await Nudges.PlanAsync(default)).Planned); // never two on one day

        // Stop and Snooze answer with the card saying so.
        var stopped = await CardOfAsync(await PressAsync(2, "nudge.stop"));
        Assert.Contains("Tips are off", stopped);
        Assert.DoesNotContain("nudge.snooze", stopped);
        Assert.Contains("Snoozed", await CardOfAsync(await PressAsync(3, "nudge.snooze")));
        // Try it: the lesson's question arrives as the person's message (Teams imBack) and is answered; the lesson counts as tried.
        await SayAsync(1, "Summarise this memo in five lines for a busy manager: decision, deadline, who must act.");
        await _h.Connector.WaitForAsync(r => r.Count(x => x.ConversationId == ChatOf(UserId(1)) && x.Method is "POST" or "PUT") >= 2);

        // Two days later: only person 1 tried lesson 1, so only they get lesson 2; 2 stopped, 3 snoozed, the rest wait.
        await ShiftAsync(async db =>
        {
            foreach (var d in await db.Set<NudgeDelivery>().ToListAsync()) d.PlannedAt = d.PlannedAt.AddDays(-2);
            await db.SaveChangesAsync();
        });
        var second = await Nudges.PlanAsync(default);
        Assert.Equal(1, second.Planned);
        Assert.Equal(1, second.Skipped[NudgeSkip.Stopped]);
        Assert.Equal(1, second.Skipped[NudgeSkip.Snoozed]);
        var lesson2 = (await LessonsSentAsync(second)).Where(d => d.Body.Contains("plain-language notice", StringComparison.Ordinal)).ToList();
        Assert.Equal([ChatOf(UserId(1))], lesson2.Select(d => d.ConversationId));

        // nudges: settings and progress; nudges on brings them back.
        await SayAsync(2, "nudges");
        var settings = (await _h.Connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == ChatOf(UserId(2)) && x.Body.Contains("Your training tips", StringComparison.Ordinal))))
            .Last(x => x.IsSend && x.ConversationId == ChatOf(UserId(2))).VisibleText;
        Assert.Contains("Status: off", settings);
        Assert.Contains("0 of 9 lessons tried (1 received)", settings);
        await SayAsync(2, "nudges on");
        var back = (await _h.Connector.WaitForAsync(r => r.Any(x => x.IsSend && x.Body.Contains("Tips are on again", StringComparison.Ordinal))))
            .Last(x => x.IsSend && x.ConversationId == ChatOf(UserId(2))).VisibleText;
        Assert.Contains("Status: on", back);

        // Coaches see reach and tries per agency; a lesson only one person got is not shown.
        var reach = await (await CallAsync(_bot.Http, HttpMethod.Get, "/api/nudges/lessons", _h.CoachToken())).Content.ReadFromJsonAsync<JsonElement>();
        var row = Assert.Single(reach.EnumerateArray());
        Assert.Equal("summarise-memo", row.GetProperty("lessonId").GetString());
        Assert.Equal("gsa", row.GetProperty("agencyId").GetString());
        Assert.Equal(People, row.GetProperty("sent").GetInt32());
        Assert.Equal(1, row.GetProperty("tried").GetInt32());
    }

    [Fact]
    public async Task A_coachs_training_nudge_broadcast_skips_people_who_stopped_or_snoozed_tips_and_an_announcement_still_reaches_them()
    {
        for (var i = 1; i <= People; i++)
            await _bot.SendAsync(Person(TestActivities.BotAdded(_h.Connector.ServiceUrl, ChatOf(UserId(i))), UserId(i), TenantA));
        Assert.Contains("Tips are off", await CardOfAsync(await PressAsync(2, "nudge.stop")));
        Assert.Contains("Snoozed", await CardOfAsync(await PressAsync(3, "nudge.snooze")));

        async Task<IReadOnlyList<string>> ReachedAsync(string kind, string title, int optedOut = 2)
        {
            var id = await _h.CreateAsync(_bot.Http, Body(new { type = "tenant", tenantId = TenantA }, title: title, kind: kind));
            Assert.True((await CallAsync(_bot.Http, HttpMethod.Post, $"/api/campaigns/{id}/send", _h.CoachToken())).IsSuccessStatusCode);
            var done = await _h.WaitForStatusAsync(_bot.Http, id, "completed");
            // The six people and the two coaches of the tenant; a nudge leaves out those who stopped or snoozed tips.
            Assert.Equal(kind == "nudge" ? People + 2 - optedOut : People + 2, Count(done, "recipients"));
            return _h.Connector.Deliveries.Where(d => d.Body.Contains(title, StringComparison.Ordinal)).Select(d => d.ConversationId).ToList();
        }

        // "Tips are off: you won't get more" holds for coaches' training nudges too; Snooze pauses them.
        var nudged = await ReachedAsync("nudge", "Try the meeting-notes prompt this week");
        Assert.DoesNotContain(ChatOf(UserId(2)), nudged);
        Assert.DoesNotContain(ChatOf(UserId(3)), nudged);
        Assert.Contains(ChatOf(UserId(1)), nudged);
        // Once the snooze is over, nudges reach that person again; Stop still holds.
        await ShiftAsync(async db =>
        {
            foreach (var p in await db.Set<NudgePreference>().Where(p => p.SnoozedUntil != null).ToListAsync()) p.SnoozedUntil = DateTimeOffset.UtcNow.AddMinutes(-1);
            await db.SaveChangesAsync();
        });
        var afterSnooze = await ReachedAsync("nudge", "Draft a plain-language notice this week", optedOut: 1);
        Assert.Contains(ChatOf(UserId(3)), afterSnooze);
        Assert.DoesNotContain(ChatOf(UserId(2)), afterSnooze);
        // Announcements are not tips: everyone in the audience gets them.
        var announced = await ReachedAsync("announcement", "The assistant is down for maintenance on Saturday");
        Assert.Contains(ChatOf(UserId(2)), announced);
        Assert.Contains(ChatOf(UserId(3)), announced);
    }

    [Fact]
    public async Task A_lesson_campaign_a_stopped_run_left_unstarted_is_started_by_the_next_run()
    {
        await _bot.SendAsync(Person(TestActivities.BotAdded(_h.Connector.ServiceUrl, ChatOf(UserId(1))), UserId(1), TenantA));
        // What a run leaves when its replica stops between storing the recipients and starting the campaign.
        var campaigns = _bot.Services.GetRequiredService<TeamsBot.Broadcasts.CampaignService>();
        var stranded = await campaigns.CreatePlannedAsync(new TeamsBot.Broadcasts.CampaignDefinition
        {
            Kind = "nudge", Title = "Summarise a long memo in one minute", Body = "Lesson body.",
            Audience = new TeamsBot.Broadcasts.CampaignAudience { Type = "users", Users = [] },
        }, "nudge:ai-at-work/summarise-memo", "Training program", default);
        await ShiftAsync(async db =>
        {
            db.Add(new NudgeDelivery
            {
                ObjectId = UserId(1), TenantId = TenantA, AgencyId = "gsa", Kind = NudgePlanner.LessonKind, ProgramId = "ai-at-work", ItemId = "summarise-memo",
                CampaignId = stranded.Id, PlannedAt = DateTimeOffset.UtcNow,
            });
            var campaign = await db.Set<TeamsBot.Broadcasts.Campaign>().SingleAsync(c => c.Id == stranded.Id);
            campaign.CreatedAt = campaign.CreatedAt.AddMinutes(-2);
            await db.SaveChangesAsync();
        });

        var run = await Nudges.PlanAsync(default);
        Assert.Equal([stranded.Id], run.Campaigns);
        var sent = await LessonsSentAsync(run);
        Assert.Equal([ChatOf(UserId(1))], sent.Select(d => d.ConversationId));
        Assert.Empty((await Nudges.PlanAsync(default)).Campaigns); // started once
    }
}
