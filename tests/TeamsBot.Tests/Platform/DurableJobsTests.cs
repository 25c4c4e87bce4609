using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using TeamsBot.Storage;
using TeamsBot.Storage.Jobs;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Platform;

/// <summary>Durable jobs on the default SQLite store (one instance): one-time jobs, restarts, schedules in local time.</summary>
public sealed class DurableJobsTests
{
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<DateTimeOffset>> Runs = new();

    /// <summary>Records each run under the run key in its job data.</summary>
    internal sealed class RecordingJob : IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
        {
            Runs.GetOrAdd((string)context.MergedJobDataMap["key"]!, _ => new()).Enqueue(DateTimeOffset.UtcNow);
            return ValueTask.CompletedTask;
        }
    }

    private static Task<BotApp> StartAsync(string? databasePath = null, bool keep = false) =>
        BotApp.StartAsync(customize: b => b.Services.AddOneTimeJob<RecordingJob>(), databasePath: databasePath, keepDatabase: keep);

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_one_time_job_fires_once_at_its_time_and_its_id_is_scheduled_once()
    {
        var key = Guid.NewGuid().ToString("N");
        await using var bot = await StartAsync();
        var jobs = bot.Services.GetRequiredService<IDurableJobs>();
        var at = DateTimeOffset.UtcNow.AddSeconds(2);
        Assert.True(await jobs.ScheduleOnceAsync<RecordingJob>("reminder-1", at, new Dictionary<string, string> { ["key"] = key }));
        Assert.False(await jobs.ScheduleOnceAsync<RecordingJob>("reminder-1", at.AddSeconds(-1), new Dictionary<string, string> { ["key"] = key }));

        await WaitUntil(() => Runs.ContainsKey(key), TimeSpan.FromSeconds(20));
        await Task.Delay(1500);
        var run = Assert.Single(Runs[key]);
        Assert.True(run >= at.AddMilliseconds(-50), $"ran at {run:O}, due {at:O}");

        await using var db = await bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync();
        var recorded = await db.Set<JobRun>().SingleAsync(r => r.Job == "once:RecordingJob/reminder-1");
        Assert.True(recorded.Succeeded);
        Assert.Equal(at.ToUnixTimeMilliseconds(), recorded.ScheduledAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task A_job_due_while_the_bot_was_stopped_fires_once_after_restart_and_a_cancelled_one_never()
    {
        var key = Guid.NewGuid().ToString("N");
        var cancelled = Guid.NewGuid().ToString("N");
        var path = Path.Combine(Path.GetTempPath(), $"teamsbot-jobs-{Guid.NewGuid():N}.db");
        try
        {
            await using (var first = await StartAsync(path, keep: true))
            {
                var jobs = first.Services.GetRequiredService<IDurableJobs>();
                await jobs.ScheduleOnceAsync<RecordingJob>("due-while-down", DateTimeOffset.UtcNow.AddSeconds(2), new Dictionary<string, string> { ["key"] = key });
                await jobs.ScheduleOnceAsync<RecordingJob>("cancel-me", DateTimeOffset.UtcNow.AddSeconds(2), new Dictionary<string, string> { ["key"] = cancelled });
                Assert.True(await jobs.CancelOnceAsync<RecordingJob>("cancel-me"));
            }
            await Task.Delay(3000); // the due time passes while no bot runs
            Assert.False(Runs.ContainsKey(key));

            await using var second = await StartAsync(path, keep: true);
            await WaitUntil(() => Runs.ContainsKey(key), TimeSpan.FromSeconds(20));
            await Task.Delay(1500);
            Assert.Single(Runs[key]);
            Assert.False(Runs.ContainsKey(cancelled));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(path + suffix);
        }
    }

    [Fact]
    public async Task Recurring_jobs_keep_their_stored_schedule_across_restarts_and_take_a_changed_one()
    {
        var path = Path.Combine(Path.GetTempPath(), $"teamsbot-jobs-{Guid.NewGuid():N}.db");
        try
        {
            DateTimeOffset? firstNext;
            await using (var first = await BotApp.StartAsync(new Dictionary<string, string?> { ["Answers:CleanupInterval"] = "01:00:00" }, databasePath: path, keepDatabase: true))
            {
                // A new job runs at once, then every hour.
                var jobs = first.Services.GetRequiredService<IDurableJobs>();
                RecurringJobStatus? current = null;
                var deadline = DateTime.UtcNow.AddSeconds(20);
                // (The run is recorded as it ends; the schedule is read until it shows the next run, not mid-update.)
                while (((current = (await jobs.ListAsync()).Single(j => j.Name == "answers.memory-cleanup")).LastRun is null || !(current.NextRunAt > DateTimeOffset.UtcNow.AddMinutes(59)))
                       && DateTime.UtcNow < deadline) await Task.Delay(100);
                Assert.NotNull(current.LastRun);
                firstNext = current.NextRunAt;
            }
            Assert.True(firstNext > DateTimeOffset.UtcNow.AddMinutes(59));

            await using (var same = await BotApp.StartAsync(new Dictionary<string, string?> { ["Answers:CleanupInterval"] = "01:00:00" }, databasePath: path, keepDatabase: true))
            {
                // A restart does not make the job run again now: the next run stays where the database had it.
                var next = (await same.Services.GetRequiredService<IDurableJobs>().ListAsync()).Single(j => j.Name == "answers.memory-cleanup").NextRunAt;
                Assert.Equal(firstNext, next);
            }

            await using var changed = await BotApp.StartAsync(new Dictionary<string, string?> { ["Answers:CleanupInterval"] = "00:05:00" }, databasePath: path, keepDatabase: true);
            var status = (await changed.Services.GetRequiredService<IDurableJobs>().ListAsync()).Single(j => j.Name == "answers.memory-cleanup");
            Assert.Equal("every 00:05:00", status.Schedule);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(path + suffix);
        }
    }

    [Theory]
    [InlineData("America/New_York")]
    [InlineData("Eastern Standard Time")]
    public void A_daily_schedule_keeps_local_time_across_daylight_saving(string timeZone)
    {
        var schedule = JobSchedule.Daily(new TimeOnly(9, 0), timeZone);
        var trigger = schedule.Apply(TriggerBuilder.Create().StartAt(new DateTimeOffset(2026, 3, 6, 0, 0, 0, TimeSpan.Zero))).Build();
        var friday = trigger.GetFireTimeAfter(new DateTimeOffset(2026, 3, 6, 0, 0, 0, TimeSpan.Zero))!.Value;
        var saturday = trigger.GetFireTimeAfter(friday)!.Value;
        var sunday = trigger.GetFireTimeAfter(saturday)!.Value; // clocks went forward at 02:00 on Sunday 8 March 2026
        Assert.Equal(new DateTimeOffset(2026, 3, 6, 14, 0, 0, TimeSpan.Zero), friday);   // 09:00 EST = 14:00 UTC
        Assert.Equal(new DateTimeOffset(2026, 3, 7, 14, 0, 0, TimeSpan.Zero), saturday);
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 13, 0, 0, TimeSpan.Zero), sunday);   // 09:00 EDT = 13:00 UTC
        Assert.StartsWith("cron 0 0 9 * * ?", schedule.Signature);
    }

    [Fact]
    public void Two_recurring_jobs_with_one_name_are_refused()
    {
        var services = new ServiceCollection();
        services.AddRecurringJob<RecordingJob>("x.job", "a", _ => JobSchedule.Every(TimeSpan.FromMinutes(1)));
        services.AddRecurringJob<RecordingJob>("x.job", "a", _ => JobSchedule.Every(TimeSpan.FromMinutes(1))); // same job again: fine
        var e = Assert.Throws<InvalidOperationException>(() => services.AddRecurringJob<JobRunCleanupJob>("x.job", "b", _ => JobSchedule.Every(TimeSpan.FromMinutes(1))));
        Assert.Contains("Two recurring jobs named 'x.job'", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => JobSchedule.Every(TimeSpan.FromMilliseconds(10)));
    }
}
