using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TeamsBot.Agencies;
using TeamsBot.Cards;
using TeamsBot.Research;
using TeamsBot.Testing;
using TeamsBot.Tests.Broadcasts;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;

namespace TeamsBot.Tests.Research;

/// <summary>Each agency's window on a fake clock: before it, its first instant, its last, after it; an agency without one.</summary>
public sealed class ResearchWindowTests
{
    [Fact]
    public async Task The_window_opens_at_its_start_and_closes_at_its_end_per_agency()
    {
        await using var h = await BroadcastHarness.StartAsync(gsaUsers: 3, nasaUsers: 1);
        var clock = new FakeTimeProvider(new DateTimeOffset(2027, 3, 5, 12, 0, 0, TimeSpan.Zero));
        await using var bot = await BotApp.StartAsync(ResearchTests.Settings(h, "00:00:00"), b => b.Services.AddSingleton<TimeProvider>(clock));
        var start = new DateTimeOffset(2027, 3, 10, 0, 0, 0, TimeSpan.Zero);
        var end = start.AddDays(60);
        await ResearchTests.OpenWindowAsync(bot.Services.GetRequiredService<IAgencyRegistry>(), start, end);
        var research = bot.Services.GetRequiredService<ResearchService>();
        Task<ResearchStart> AskAsync(int user) => research.StartAsync(new UserKey(UserId(user), TenantA), "What changes for records?", h.Connector.ServiceUrl, "a:chat", null, default);

        var before = await AskAsync(1);
        Assert.Equal((ResearchCardState.NotYetOpen, start, end), (before.State, before.WindowStart!.Value, before.WindowEnd!.Value));
        Assert.Null(before.Id);
        clock.SetUtcNow(start);
        var first = await AskAsync(1);
        Assert.Equal(ResearchCardState.Researching, first.State);
        Assert.NotNull(first.Id);
        clock.SetUtcNow(end.AddTicks(-1));
        Assert.Equal(ResearchCardState.Researching, (await AskAsync(2)).State);
        clock.SetUtcNow(end);
        var after = await AskAsync(3);
        Assert.Equal((ResearchCardState.Closed, end), (after.State, after.WindowEnd!.Value));
        var registry = bot.Services.GetRequiredService<IAgencyRegistry>();
        await registry.UpsertAsync((await registry.FindAsync("nasa", default))! with { Entitlements = [] }, default);
        var nasa = await research.StartAsync(new UserKey(NasaUserId(1), TenantB), "What changes for records?", h.Connector.ServiceUrl, "a:chat-n", null, default);
        Assert.Equal(ResearchCardState.NoWindow, nasa.State);
        Assert.Equal("National Aeronautics and Space Administration", nasa.AgencyName);

        // These researches were only asked for; stop them, and let any wait on the fake clock (a run the minute job
        // picked up, a retry delay) elapse, so the bot can stop.
        await using (var db = await bot.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<TeamsBot.Storage.TeamsBotDbContext>>().CreateDbContextAsync())
            await db.Set<ResearchJob>().ExecuteUpdateAsync(x => x.SetProperty(j => j.Status, ResearchStatus.Cancelled));
        for (var i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(10));
            await Task.Delay(100);
        }
    }
}
