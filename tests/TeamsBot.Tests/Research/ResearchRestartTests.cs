using TeamsBot.Testing;
using TeamsBot.Tests.Broadcasts;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;
using static TeamsBot.Tests.Events.EventHarness;

namespace TeamsBot.Tests.Research;

/// <summary>A bot process killed (SIGKILL) in the middle of a research: the next one continues from the last finished step and delivers once.</summary>
public sealed class ResearchRestartTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_research_cut_short_by_kill_9_resumes_after_restart_and_is_delivered_exactly_once()
    {
        await using var h = await BroadcastHarness.StartAsync(gsaUsers: 2);
        var database = Path.Combine(Path.GetTempPath(), $"teamsbot-research-{Guid.NewGuid():N}.db");
        var environment = ResearchTests.Environment(ResearchTests.Settings(h, stepDelay: "00:00:01"));
        environment["ConnectionStrings__TeamsBot"] = $"Data Source={database}";
        string chat = ChatOf(UserId(1));
        bool Mine(ConnectorRequest r) => r.ConversationId == chat;
        try
        {
            await using (var first = await RunningBot.StartAsync(environment))
            {
                await ResearchTests.OpenWindowAndAskAsync(first, h, user: 1);
                await h.Connector.WaitForAsync(r => r.Any(x => Mine(x) && x.Method == "PUT" && x.Body.Contains("Reading sources", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
                first.Kill();
            }
            Assert.DoesNotContain(h.Connector.Requests, r => Mine(r) && ResearchTests.IsReport(r));

            await using var second = await RunningBot.StartAsync(environment);
            var requests = await h.Connector.WaitForAsync(r => r.Any(x => Mine(x) && ResearchTests.IsConsentCard(x)), TimeSpan.FromSeconds(90));
            await Task.Delay(TimeSpan.FromSeconds(2));
            requests = h.Connector.Requests;
            foreach (var line in second.Output.TakeLast(20)) output.WriteLine(line);
            Assert.Single(requests, r => Mine(r) && ResearchTests.IsReport(r));
            Assert.Single(requests, r => Mine(r) && ResearchTests.IsConsentCard(r));
            // Resumed, not started over: it planned once, before the kill.
            Assert.Single(requests, r => Mine(r) && r.Method == "PUT" && r.Body.Contains("Planning the questions", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var file in new[] { database, database + "-wal", database + "-shm" }) if (File.Exists(file)) File.Delete(file);
        }
    }
}
