using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
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
        var trigger = TriggerBuilder.Create().WithIdentity(key.Name, key.Group).StartAt(at)
            .WithSimpleSchedule(s => s.WithRepeatCount(0).WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow)).Build();
        try
        {
            await scheduler.ScheduleJob(job, trigger, default, cancellationToken);
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
}

/// <summary>
/// Puts every recurring job's schedule into the store at startup, without disturbing a schedule the database already
/// holds: an unchanged trigger keeps its next time (replicas restarting do not make it fire again); a changed one is
/// replaced; jobs no longer declared are removed. The first replica to create a trigger wins; the others find it.
/// </summary>
internal sealed class RecurringJobsStarter(ISchedulerFactory schedulers, IEnumerable<RecurringJobDefinition> definitions, IServiceProvider services,
    ILogger<RecurringJobsStarter> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            declared.Add(definition.Name);
            var schedule = definition.Schedule(services);
            var jobKey = new JobKey(definition.Name, DurableJobs.RecurringGroup);
            var triggerKey = new TriggerKey(definition.Name, DurableJobs.RecurringGroup);
            var job = JobBuilder.Create().OfType(definition.JobType).WithIdentity(jobKey).WithDescription(definition.Description).StoreDurably().Build();
            await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);

            var existing = await scheduler.GetTrigger(triggerKey, cancellationToken);
            if (existing?.Description == schedule.Signature) continue;
            var trigger = schedule.Apply(TriggerBuilder.Create().WithIdentity(triggerKey).ForJob(jobKey).WithDescription(schedule.Signature).StartNow()).Build();
            if (existing is null)
            {
                // Keep: if another replica created it a moment ago, its schedule stands.
                await scheduler.ScheduleTrigger(trigger, TriggerConflict.Keep, cancellationToken);
                logger.LogInformation("Recurring job {Job} scheduled: {Schedule}", definition.Name, schedule.Signature);
            }
            else
            {
                await scheduler.RescheduleJob(triggerKey, trigger, cancellationToken);
                logger.LogInformation("Recurring job {Job} rescheduled: {Old} -> {Schedule}", definition.Name, existing.Description, schedule.Signature);
            }
        }
        foreach (var key in await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(DurableJobs.RecurringGroup), cancellationToken))
        {
            if (declared.Contains(key.Name)) continue;
            await scheduler.DeleteJob(key, cancellationToken);
            logger.LogInformation("Recurring job {Job} removed: no longer declared", key.Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Records every finished run in <c>job_runs</c> (which replica, when due, how it ended) and in metrics
/// (<c>teamsbot.jobs.runs</c>, <c>teamsbot.jobs.duration</c>). A run it cannot record is logged, never failed.
/// </summary>
internal sealed partial class JobRunRecorder : IJobListener, IDisposable
{
    public const string MeterName = "TeamsBot.Jobs";
    private readonly IDbContextFactory<TeamsBotDbContext> _db;
    private readonly TimeProvider _time;
    private readonly ILogger<JobRunRecorder> _logger;
    private readonly Meter _meter;
    private readonly Counter<long> _runs;
    private readonly Histogram<double> _duration;

    public JobRunRecorder(IDbContextFactory<TeamsBotDbContext> db, TimeProvider time, IMeterFactory meters, ILogger<JobRunRecorder> logger)
    {
        _db = db;
        _time = time;
        _logger = logger;
        _meter = meters.Create(MeterName);
        _runs = _meter.CreateCounter<long>("teamsbot.jobs.runs", "{run}", "Durable job runs by job and outcome");
        _duration = _meter.CreateHistogram<double>("teamsbot.jobs.duration", "s", "Durable job run time");
    }

    public string Name => nameof(JobRunRecorder);

    public async ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
    {
        var key = context.JobDetail.Key;
        var recurring = key.Group == DurableJobs.RecurringGroup;
        var name = recurring ? key.Name : $"{key.Group}/{key.Name}";
        var error = jobException is null ? null : (jobException.InnerException ?? jobException).GetType().Name;
        var outcome = error is null ? "ok" : "failed";
        var metricName = recurring ? key.Name : key.Group; // one-time ids would make unbounded series
        _runs.Add(1, new("job", metricName), new("outcome", outcome));
        _duration.Record(context.JobRunTime.TotalSeconds, new KeyValuePair<string, object?>("job", metricName));
        if (error is not null) LogFailed(_logger, name, error);
        try
        {
            await using var db = await _db.CreateDbContextAsync(CancellationToken.None);
            db.Add(new JobRun
            {
                Job = name.Length > 300 ? name[..300] : name,
                FireInstanceId = context.FireInstanceId,
                Instance = context.Scheduler.SchedulerInstanceId,
                ScheduledAt = context.ScheduledFireTimeUtc ?? context.FireTimeUtc,
                StartedAt = context.FireTimeUtc,
                FinishedAt = _time.GetUtcNow(),
                Succeeded = error is null,
                Error = error,
                Recovered = context.Recovering,
            });
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            LogNotRecorded(_logger, name, e.GetType().Name);
        }
    }

    public void Dispose() => _meter.Dispose();

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Job {Job} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string job, string error);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Run of job {Job} not recorded: {Error}")]
    private static partial void LogNotRecorded(ILogger logger, string job, string error);
}

/// <summary>Deletes job history older than <see cref="JobsOptions.RunRetention"/>.</summary>
[DisallowConcurrentExecution]
internal sealed class JobRunCleanupJob(IDbContextFactory<TeamsBotDbContext> db, IOptions<JobsOptions> options, TimeProvider time) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow() - options.Value.RunRetention;
        await using var ctx = await db.CreateDbContextAsync(cancellationToken);
        await ctx.Set<JobRun>().Where(r => r.FinishedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
    }
}
