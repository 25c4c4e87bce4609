using Moq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TeamsBot.Storage;
using TeamsBot.Testing;

namespace TeamsBot.Answers.Tests;

public class MemoryAndFairUseTests
{
    // Now, not a date in the past: the bot's own scheduled memory cleanup runs on the real clock and would delete turns
    // remembered "months ago" while a test reads them.
    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow;

    [Fact]
    public async Task Recall_keeps_the_latest_turns_within_the_token_budget_starting_with_a_question()
    {
        await using var bot = await BotApp.StartAsync();
        var time = new FakeTimeProvider(Start);
        var memory = new ConversationMemory(bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>(),
            Options.Create(new AnswersOptions { MemoryTokenBudget = 60 }), time);
        await memory.RememberAsync("c1", "first question", new string('a', 200), default); // 50 tokens answer
        await memory.RememberAsync("c1", "second question", "short answer", default);
        await memory.RememberAsync("other", "elsewhere", "not mine", default);

        var recalled = await memory.RecallAsync("c1", default);
        // budget 60 tokens: the second pair (4+3) and the 50-token answer fit, "first question" does not -> orphan answer dropped
        Assert.Equal(["second question", "short answer"], recalled.Select(m => m.Text));

        Assert.Equal(4, await memory.ForgetAsync("c1", default));
        Assert.Empty(await memory.RecallAsync("c1", default));
        Assert.Equal(2, (await memory.RecallAsync("other", default)).Count);
    }

    [Fact]
    public async Task Cleanup_job_deletes_memory_older_than_the_retention_and_is_scheduled_every_interval()
    {
        await using var bot = await BotApp.StartAsync(new Dictionary<string, string?> { ["Answers:CleanupInterval"] = "02:00:00" });
        var time = new FakeTimeProvider(Start);
        var options = Options.Create(new AnswersOptions { MemoryRetention = TimeSpan.FromDays(30), CleanupInterval = TimeSpan.FromHours(1) });
        var db = bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>();
        var memory = new ConversationMemory(db, options, time);
        await memory.RememberAsync("old", "q", "a", default);
        time.Advance(TimeSpan.FromDays(29));
        await memory.RememberAsync("recent", "q", "a", default);
        var job = new MemoryCleanupJob(memory, NullLogger<MemoryCleanupJob>.Instance);

        await job.Execute(Mock.Of<Quartz.IJobExecutionContext>(), default);
        Assert.Equal((2, 2), (await Count(db, "old"), await Count(db, "recent"))); // nothing expired yet
        time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromHours(1)); // "old" is now 30 days + 1 h old
        await job.Execute(Mock.Of<Quartz.IJobExecutionContext>(), default);
        Assert.Equal((0, 2), (await Count(db, "old"), await Count(db, "recent")));
        Assert.Empty(await memory.RecallAsync("old", default));

        var status = (await bot.Services.GetRequiredService<TeamsBot.Storage.Jobs.IDurableJobs>().ListAsync()).Single(j => j.Name == MemoryCleanupJob.Name);
        Assert.Equal("every 02:00:00", status.Schedule);
        Assert.NotNull(status.NextRunAt);
    }

    [Fact]
    public void Rate_limiter_allows_N_per_sliding_window_per_user()
    {
        var time = new FakeTimeProvider(Start);
        var limiter = new UserRateLimiter(Options.Create(new AnswersOptions { QuestionsPerWindow = 3, RateLimitWindow = TimeSpan.FromMinutes(10) }), time);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(limiter.TryAcquire("u1", out _));
            time.Advance(TimeSpan.FromMinutes(1));
        }
        Assert.False(limiter.TryAcquire("u1", out var wait));
        Assert.Equal(TimeSpan.FromMinutes(7), wait);
        Assert.True(limiter.TryAcquire("u2", out _));
        time.Advance(TimeSpan.FromMinutes(7));
        Assert.True(limiter.TryAcquire("u1", out _));
        Assert.False(limiter.TryAcquire("u1", out _));
    }

    [Fact]
    public void Rate_limiter_forgets_idle_users_so_memory_follows_active_users_only()
    {
        var time = new FakeTimeProvider(Start);
        var limiter = new UserRateLimiter(Options.Create(new AnswersOptions { QuestionsPerWindow = 3, RateLimitWindow = TimeSpan.FromMinutes(10) }), time);
        for (var i = 0; i < 50_000; i++) Assert.True(limiter.TryAcquire($"user-{i}", out _));
        Assert.Equal(50_000, limiter.TrackedUsers);
        time.Advance(TimeSpan.FromMinutes(11));
        Assert.True(limiter.TryAcquire("late-user", out _));
        Assert.Equal(1, limiter.TrackedUsers);
    }

    private static async Task<int> Count(IDbContextFactory<TeamsBotDbContext> db, string conversation)
    {
        await using var ctx = await db.CreateDbContextAsync();
        return await ctx.Set<MemoryTurn>().CountAsync(t => t.ConversationId == conversation);
    }

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail("condition not reached");
    }
}
