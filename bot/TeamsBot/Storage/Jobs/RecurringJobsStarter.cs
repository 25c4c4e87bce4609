using Quartz;

namespace TeamsBot.Storage.Jobs;

/// <summary>
/// Puts every recurring job's schedule into the store at startup, without disturbing a schedule the database already
/// holds: an unchanged trigger keeps its next time (replicas restarting do not make it fire again); a changed one is
/// replaced, continuing from the last run (replicas replacing it together agree on the time); one in error is repaired.
/// A job this version knows but no longer declares is removed; a job of a type it does not know (a newer replica's,
/// during a rolling deployment) is left alone. The first replica to create a trigger wins; the others find it.
/// </summary>
internal sealed class RecurringJobsStarter(ISchedulerFactory schedulers, IEnumerable<RecurringJobDefinition> definitions, IServiceProvider services,
    TimeProvider time, ILogger<RecurringJobsStarter> logger) : IHostedService
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
            // RequestRecovery: a run cut short by a replica's death is run again by another one (jobs are idempotent).
            var job = JobBuilder.Create().OfType(definition.JobType).WithIdentity(jobKey).WithDescription(definition.Description)
                .StoreDurably().RequestRecovery().Build();
            await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);

            var existing = await scheduler.GetTrigger(triggerKey, cancellationToken);
            if (existing?.Description == schedule.Signature && await scheduler.GetTriggerState(triggerKey, cancellationToken) != TriggerState.Error) continue;
            var startAt = schedule.NextStart(existing?.PreviousFireTimeUtc, time.GetUtcNow());
            var trigger = schedule.Apply(TriggerBuilder.Create().WithIdentity(triggerKey).ForJob(jobKey).WithDescription(schedule.Signature).StartAt(startAt)).Build();
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
            var detail = await scheduler.GetJobDetail(key, cancellationToken);
            if (detail is null || !detail.JobType.TryResolve(out var type) || type.Assembly != typeof(RecurringJobsStarter).Assembly) continue;
            await scheduler.DeleteJob(key, cancellationToken);
            logger.LogInformation("Recurring job {Job} removed: no longer declared", key.Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

