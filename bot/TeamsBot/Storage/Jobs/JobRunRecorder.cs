using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;

namespace TeamsBot.Storage.Jobs;

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
