using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Research;
using TeamsBot.Storage;
using TeamsBot.Storage.Jobs;
using TeamsBot.Testing;
using TeamsBot.Tests.Broadcasts;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;
using static TeamsBot.Tests.Events.EventHarness;

namespace TeamsBot.Tests.Research;

/// <summary>A research waiting on the provider's background work gives its job thread back between polls.</summary>
public sealed class ResearchJobSlotTests
{
    [Fact]
    public async Task While_a_background_response_is_worked_on_other_jobs_run_even_with_one_job_thread()
    {
        await using var h = await BroadcastHarness.StartAsync(gsaUsers: 2);
        await using var api = await FakeResponses.StartAsync();
        await using var bot = await ResearchResponsesTests.StartBotAsync(h, api, ("Jobs:MaxConcurrency", "1"));
        // Several seconds of work at the provider (polls back off from 0.2 s), then the report.
        api.Script("queued", "in_progress", "in_progress", "in_progress", "in_progress", "in_progress", "in_progress", "in_progress", "completed");
        await bot.SendAsync(Person(TestActivities.Message(h.Connector.ServiceUrl, "research How should agencies keep AI chat records?", conversationId: ChatOf(UserId(1))), UserId(1), TenantA));
        var until = DateTime.UtcNow.AddSeconds(30);
        while (api.Requests.Count(r => r.Method == "GET") < 2)
        {
            Assert.True(DateTime.UtcNow < until, "the background response was never polled");
            await Task.Delay(50);
        }

        // The one job thread is free between polls: a recurring job asked for now runs while the research is still going.
        var asked = DateTimeOffset.UtcNow;
        Assert.True(await bot.Services.GetRequiredService<IDurableJobs>().RunNowAsync("research.cleanup"));
        var factory = bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>();
        while (true)
        {
            await using var db = await factory.CreateDbContextAsync();
            if (await db.Set<JobRun>().AnyAsync(r => r.Job == "research.cleanup" && r.StartedAt >= asked)) break;
            Assert.True(DateTime.UtcNow < until, "the recurring job waited for the research to finish");
            await Task.Delay(100);
        }
        await using (var db = await factory.CreateDbContextAsync())
            Assert.Equal(ResearchStatus.Running, (await db.Set<ResearchJob>().SingleAsync()).Status);

        // And the research still ends with its one report.
        var requests = await h.Connector.WaitForAsync(r => r.Any(ResearchTests.IsConsentCard), TimeSpan.FromSeconds(60));
        Assert.Single(requests, ResearchTests.IsReport);
    }
}
