using System.Text.Json;
using Azure.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TeamsBot.Agencies;
using TeamsBot.Protocol.Activities;
using TeamsBot.Research;
using TeamsBot.Storage;
using TeamsBot.Testing;
using TeamsBot.Tests.Broadcasts;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;
using static TeamsBot.Tests.Events.EventHarness;

namespace TeamsBot.Tests.Research;

/// <summary>
/// Delivery exactly once across a crash between a send and its mark (<c>Research:VerifyUnknownDeliveries</c>): a piece
/// started but not marked sent is looked for in the person's chat through Graph (the fake shows what the connector delivered)
/// and sent again only when it is not there.
/// </summary>
public sealed class ResearchDeliveryTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private BroadcastHarness _h = null!;
    private FakeGraphServer _graph = null!;
    private BotApp _bot = null!;

    public async Task InitializeAsync()
    {
        _h = await BroadcastHarness.StartAsync(gsaUsers: 3);
        _graph = await FakeGraphServer.StartAsync();
        _graph.EveryoneHasTheApp = true;
        _graph.BotMessagesFor = member => _h.Connector.Deliveries.Where(d => d.ConversationId == ChatOf(member)).ToList();
        var settings = ResearchTests.Settings(_h, stepDelay: "00:00:00");
        settings["Research:VerifyUnknownDeliveries"] = "true";
        // The app's catalog id is the broadcasts' one (Research:TeamsAppCatalogId defaults to it).
        settings["Broadcasts:TeamsAppCatalogId"] = _graph.CatalogAppId;
        settings["Graph:BaseUrl"] = _graph.BaseUrl;
        settings["Graph:TenantId"] = TenantA;
        settings["Graph:ClientId"] = "6b1e4f3a-0000-4000-8000-00000000f00d";
        settings["Graph:ClientSecret"] = "unused-by-the-fixed-token";
        _bot = await BotApp.StartAsync(settings, b => b.Services.Replace(ServiceDescriptor.Singleton<IGraphCredentialFactory>(new FixedGraphToken())));
    }

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        await _graph.DisposeAsync();
        await _h.DisposeAsync();
    }

    /// <summary>A research whose report is written and whose delivery stands at <paramref name="state"/>.</summary>
    private async Task WrittenAsync(string id, int user, ResearchState state)
    {
        var report = new ResearchReport(ResearchTests.Question, "Summary.", [new ResearchFinding("A finding.", [1])],
            [new TeamsBot.Answers.Passage("Window", "", "Text.", "advanced-features-window.md", null, 1)], Extractive: true);
        await using var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync();
        db.Add(new ResearchJob
        {
            Id = id, ObjectId = UserId(user), TenantId = TenantA, AgencyId = "gsa", ServiceUrl = _h.Connector.ServiceUrl, ConversationId = ChatOf(UserId(user)),
            Question = ResearchTests.Question, Status = ResearchStatus.Delivering, CreatedAt = DateTimeOffset.UtcNow,
            Report = JsonSerializer.Serialize(report, Web), State = JsonSerializer.Serialize(state, Web),
        });
        await db.SaveChangesAsync();
    }

    private async Task RewindAsync(string id, ResearchState state)
    {
        await using var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync();
        await db.Set<ResearchJob>().Where(j => j.Id == id).ExecuteUpdateAsync(x => x
            .SetProperty(j => j.Status, ResearchStatus.Delivering).SetProperty(j => j.FinishedAt, (DateTimeOffset?)null).SetProperty(j => j.State, JsonSerializer.Serialize(state, Web)));
    }

    /// <summary>Runs the research as a resumed run after a crash is run (one run per research at a time) until it ends as <paramref name="status"/>.</summary>
    private async Task RunUntilAsync(string id, string status)
    {
        await _bot.Services.GetRequiredService<ResearchService>().ResumeStrandedAsync(default);
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using (var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
                if ((await db.Set<ResearchJob>().SingleAsync(j => j.Id == id)).Status == status) return;
            Assert.True(DateTime.UtcNow < until, $"research {id} did not end as {status}");
            await Task.Delay(100);
        }
    }

    /// <summary>What reached the person's chat (not what was merely tried): reports and document offers.</summary>
    private (int Reports, int Offers) InChat(int user)
    {
        var delivered = _h.Connector.Deliveries.Where(d => d.ConversationId == ChatOf(UserId(user))).ToList();
        return (delivered.Count(d => d.Body.Contains("Deep Research:", StringComparison.Ordinal)),
            delivered.Count(d => d.Body.Contains(FileConsent.ConsentContentType, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_report_or_offer_that_reached_the_chat_before_a_crash_is_found_there_and_not_sent_twice()
    {
        await WrittenAsync("crashed", 1, new ResearchState { Step = 9 });
        // The first delivery: the report reaches the chat, then the run stops before the offer (here Teams refuses it).
        _h.Connector.Script(r => r.ConversationId == ChatOf(UserId(1)) && ResearchTests.IsConsentCard(r), new FakeResponse(403, new { error = new { code = "Forbidden" } }));
        await RunUntilAsync("crashed", ResearchStatus.Failed);
        Assert.Equal((1, 0), InChat(1));
        // What a crash right after the report's send leaves: started, not marked sent.
        await RewindAsync("crashed", new ResearchState { Step = 9, ReportAttempt = true });
        var reads = _graph.ChatMessageReads;

        await RunUntilAsync("crashed", ResearchStatus.Delivered);

        Assert.Equal((1, 1), InChat(1));
        Assert.True(_graph.ChatMessageReads > reads, "the chat was looked into");

        // The same for the document offer: a crash right after its send, and it is found in the chat (its card names the research).
        await RewindAsync("crashed", new ResearchState { Step = 9, ReportAttempt = true, ReportSent = true, OfferAttempt = true });
        await RunUntilAsync("crashed", ResearchStatus.Delivered);
        Assert.Equal((1, 1), InChat(1));
    }

    [Fact]
    public async Task A_report_started_but_not_in_the_chat_is_sent_once()
    {
        await WrittenAsync("never-arrived", 2, new ResearchState { Step = 9, ReportAttempt = true });

        await RunUntilAsync("never-arrived", ResearchStatus.Delivered);

        Assert.Equal((1, 1), InChat(2));
        Assert.True(_graph.ChatMessageReads >= 1, "the chat was looked into");
    }

    /// <summary>The fake Graph's token, whatever the tenant.</summary>
    private sealed class FixedGraphToken : IGraphCredentialFactory
    {
        public TokenCredential Create(string tenantId) => new FakeGraphToken();
    }
}
