using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Agencies;
using TeamsBot.Testing;
using TeamsBot.Tests.Broadcasts;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;
using static TeamsBot.Tests.Events.EventHarness;

namespace TeamsBot.Tests.Research;

public sealed class ResearchConcurrencyTests
{
    [Fact]
    public Task Past_the_agencys_concurrency_a_research_waits_its_turn_then_runs() => WaitsItsTurnAsync(null);

    [Fact]
    public async Task On_PostgreSQL_the_last_place_is_claimed_once()
    {
        await using var postgres = TestPostgres.TryCreate("research_turns");
        if (postgres is null) return; // local run without a server (CI fails instead)
        await WaitsItsTurnAsync(postgres.Settings);
    }

    private static async Task WaitsItsTurnAsync(Dictionary<string, string?>? storage)
    {
        await using var h = await BroadcastHarness.StartAsync(gsaUsers: 2);
        var settings = ResearchTests.Settings(h, stepDelay: "00:00:00.5");
        foreach (var (key, value) in storage ?? []) settings[key] = value;
        settings["Research:PerAgencyConcurrency"] = "1";
        await using var bot = await BotApp.StartAsync(settings);
        await ResearchTests.OpenWindowAsync(bot.Services.GetRequiredService<IAgencyRegistry>(), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        foreach (var user in new[] { 1, 2 })
            await bot.SendAsync(Person(TestActivities.Message(h.Connector.ServiceUrl, "research " + ResearchTests.Question, conversationId: ChatOf(UserId(user))), UserId(user), TenantA));
        var requests = await h.Connector.WaitForAsync(r => r.Count(ResearchTests.IsConsentCard) == 2, TimeSpan.FromSeconds(60));
        int IndexOf(Func<ConnectorRequest, bool> match) => requests.ToList().FindIndex(r => match(r));
        bool Planning(ConnectorRequest r, int user) => r.Method == "PUT" && r.ConversationId == ChatOf(UserId(user)) && r.Body.Contains("Planning the questions", StringComparison.Ordinal);
        bool Report(ConnectorRequest r, int user) => ResearchTests.IsReport(r) && r.ConversationId == ChatOf(UserId(user));
        // Whichever started first finished before the other began.
        var (first, second) = IndexOf(r => Planning(r, 1)) < IndexOf(r => Planning(r, 2)) ? (1, 2) : (2, 1);
        Assert.True(IndexOf(r => Report(r, first)) < IndexOf(r => Planning(r, second)), "the second research started before the first finished");
    }
}
