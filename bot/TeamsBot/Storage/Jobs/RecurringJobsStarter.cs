using Quartz;

namespace TeamsBot.Storage.Jobs;

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

