using Microsoft.EntityFrameworkCore;
using Quartz;

namespace TeamsBot.Storage.Jobs;

/// <summary>A recurring job a slice registered: its name (<c>slice.job</c>), its Quartz job type and its schedule.</summary>
public sealed record RecurringJobDefinition(string Name, Type JobType, string Description, Func<IServiceProvider, JobSchedule> Schedule);

/// <summary>What an admin sees of a recurring job.</summary>
public sealed record RecurringJobStatus(string Name, string Description, string Schedule, DateTimeOffset? NextRunAt, JobRunSummary? LastRun, int FailuresLast24Hours);

public sealed record JobRunSummary(DateTimeOffset ScheduledAt, DateTimeOffset FinishedAt, bool Succeeded, string? Error, string Instance);

/// <summary>
/// Work that outlives a turn, stored in the database and run once across replicas (Quartz.NET: a clustered job store on
/// PostgreSQL, a single-instance store on SQLite). Recurring jobs are declared with <see cref="DurableJobServiceCollectionExtensions.AddRecurringJob{TJob}"/>;
/// one-time jobs (a campaign at 09:00, a reminder) are scheduled here.
/// </summary>
public interface IDurableJobs
{
    /// <summary>
    /// Runs <typeparamref name="TJob"/> once at <paramref name="at"/> under <paramref name="id"/>: stored before this returns,
    /// fired by one replica, fired as soon as the bot is back if it was down at <paramref name="at"/>, re-run by another
    /// replica if the one running it dies. False when <paramref name="id"/> is already scheduled (nothing changes).
    /// Job data values are strings (they are stored as such).
    /// </summary>
    Task<bool> ScheduleOnceAsync<TJob>(string id, DateTimeOffset at, IReadOnlyDictionary<string, string>? data = null, CancellationToken cancellationToken = default)
        where TJob : IJob;

    /// <summary>Cancels a one-time job that has not run yet; false if there is none.</summary>
    Task<bool> CancelOnceAsync<TJob>(string id, CancellationToken cancellationToken = default) where TJob : IJob;

    /// <summary>Runs a recurring job now, once, besides its schedule; false for an unknown name.</summary>
    Task<bool> RunNowAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Every recurring job with its next and last run.</summary>
    Task<IReadOnlyList<RecurringJobStatus>> ListAsync(CancellationToken cancellationToken = default);
}

internal sealed class DurableJobs(ISchedulerFactory schedulers, IEnumerable<RecurringJobDefinition> definitions, IDbContextFactory<TeamsBotDbContext> db, TimeProvider time)
    : IDurableJobs
{
    public const string RecurringGroup = "recurring";

    public async Task<bool> ScheduleOnceAsync<TJob>(string id, DateTimeOffset at, IReadOnlyDictionary<string, string>? data = null, CancellationToken cancellationToken = default)
        where TJob : IJob
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = OnceKey<TJob>(id);
        var job = JobBuilder.Create<TJob>().WithIdentity(key).RequestRecovery()
            .UsingJobData(new JobDataMap((data ?? new Dictionary<string, string>()).ToDictionary(kv => kv.Key, kv => (object?)kv.Value))).Build();
        try
        {
            await scheduler.ScheduleJob(job, OnceTrigger(key, at), default, cancellationToken);
            return true;
        }
        catch (ObjectAlreadyExistsException)
        {
            return false;
        }
    }

    public async Task<bool> CancelOnceAsync<TJob>(string id, CancellationToken cancellationToken = default) where TJob : IJob =>
        await (await schedulers.GetScheduler(cancellationToken)).DeleteJob(OnceKey<TJob>(id), cancellationToken);

    public async Task<bool> RunNowAsync(string name, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = new JobKey(name, RecurringGroup);
        if (!definitions.Any(d => d.Name == name) || !await scheduler.Exists(key, cancellationToken)) return false;
        await scheduler.TriggerJob(key, null, cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<RecurringJobStatus>> ListAsync(CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var since = time.GetUtcNow().AddDays(-1);
        var result = new List<RecurringJobStatus>();
        foreach (var definition in definitions.OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            var trigger = await scheduler.GetTrigger(new TriggerKey(definition.Name, RecurringGroup), cancellationToken);
            var runs = context.Set<JobRun>().AsNoTracking().Where(r => r.Job == definition.Name);
            var last = await runs.OrderByDescending(r => r.FinishedAt).FirstOrDefaultAsync(cancellationToken);
            var failures = await runs.CountAsync(r => !r.Succeeded && r.FinishedAt >= since, cancellationToken);
            result.Add(new RecurringJobStatus(definition.Name, definition.Description, trigger?.Description ?? "not scheduled", trigger?.NextFireTimeUtc,
                last is null ? null : new JobRunSummary(last.ScheduledAt, last.FinishedAt, last.Succeeded, last.Error, last.Instance), failures));
        }
        return result;
    }

    /// <summary>One-time jobs live in a group per job type: <c>once:CampaignSendJob</c>.</summary>
    private static JobKey OnceKey<TJob>(string id) => new(id, $"once:{typeof(TJob).Name}");

    /// <summary>A one-time job's trigger: named like its job, fires once at <paramref name="at"/> (at once if that passed while no replica ran).</summary>
    internal static ITrigger OnceTrigger(JobKey job, DateTimeOffset at) =>
        TriggerBuilder.Create().WithIdentity(job.Name, job.Group).ForJob(job).StartAt(at)
            .WithSimpleSchedule(s => s.WithRepeatCount(0).WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow)).Build();
}

public static class JobRunExtensions
{
    /// <summary>
    /// From inside a one-time job's run: fires the same job again after <paramref name="delay"/>, so a job that must wait
    /// gives its thread back instead of holding it (Quartz keeps a trigger rescheduled during its own run).
    /// </summary>
    public static async Task RunAgainAsync(this IJobExecutionContext context, TimeSpan delay, CancellationToken cancellationToken) =>
        await context.Scheduler.RescheduleJob(context.Trigger.Key, DurableJobs.OnceTrigger(context.JobDetail.Key, DateTimeOffset.UtcNow + delay), cancellationToken);
}
