using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Quartz;

namespace TeamsBot.Storage.Jobs;

/// <summary><c>Jobs:*</c>: the durable job scheduler.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>The scheduler's name in the job tables: replicas with the same name on one PostgreSQL database form one cluster.</summary>
    public string SchedulerName { get; set; } = "TeamsBot";

    /// <summary>Jobs one replica runs at the same time.</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>How often an idle replica looks for due jobs another replica scheduled.</summary>
    public TimeSpan IdleWaitTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>PostgreSQL: how often a replica tells the others it is alive; one silent for about twice this is taken over.</summary>
    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(7.5);

    /// <summary>How long the history of job runs (<c>job_runs</c>) is kept.</summary>
    public TimeSpan RunRetention { get; set; } = TimeSpan.FromDays(30);
}

public static class DurableJobServiceCollectionExtensions
{
    /// <summary>
    /// Declares a recurring job. <paramref name="name"/> is its identity in the database (<c>slice.job</c>); the schedule is
    /// read at startup and a change replaces the stored one. Mark jobs that must not overlap themselves
    /// <see cref="DisallowConcurrentExecutionAttribute"/> (enforced across replicas).
    /// </summary>
    public static IServiceCollection AddRecurringJob<TJob>(this IServiceCollection services, string name, string description, Func<IServiceProvider, JobSchedule> schedule)
        where TJob : class, IJob
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var existing = services.Select(d => d.ImplementationInstance).OfType<RecurringJobDefinition>().FirstOrDefault(d => d.Name == name);
        if (existing is not null)
        {
            if (existing.JobType == typeof(TJob)) return services;
            throw new InvalidOperationException($"Two recurring jobs named '{name}': {existing.JobType.Name} and {typeof(TJob).Name}.");
        }
        services.TryAddTransient<TJob>();
        services.AddSingleton(new RecurringJobDefinition(name, typeof(TJob), description, schedule));
        return services;
    }

    /// <summary>Makes a job type available to <see cref="IDurableJobs.ScheduleOnceAsync{TJob}"/>.</summary>
    public static IServiceCollection AddOneTimeJob<TJob>(this IServiceCollection services) where TJob : class, IJob
    {
        services.TryAddTransient<TJob>();
        return services;
    }
}

public static class JobsExtensions
{
    /// <summary>
    /// Durable jobs (Quartz.NET) on the app's database: on PostgreSQL a clustered store, so a job fires once across replicas
    /// and a dead replica's running jobs are recovered; on SQLite a single-instance store (SQLite means one instance).
    /// Quartz creates its tables (<c>qrtz_*</c>) on first start. Call after <see cref="StorageExtensions.AddStorage"/>: the
    /// schema must exist before the scheduler starts.
    /// </summary>
    public static IHostApplicationBuilder AddDurableJobs(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.SchedulerName) && o.SchedulerName.Length <= 100, "Jobs:SchedulerName must be 1-100 characters.")
            .Validate(o => o.MaxConcurrency is >= 1 and <= 64, "Jobs:MaxConcurrency must be between 1 and 64.")
            .Validate(o => o.IdleWaitTime >= TimeSpan.FromSeconds(1), "Jobs:IdleWaitTime must be at least 00:00:01.")
            .Validate(o => o.ClusterCheckinInterval >= TimeSpan.FromSeconds(1), "Jobs:ClusterCheckinInterval must be at least 00:00:01.")
            .Validate(o => o.RunRetention > TimeSpan.Zero, "Jobs:RunRetention must be positive.")
            .ValidateOnStart();

        var jobs = builder.Configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        var postgres = StorageExtensions.IsPostgres(builder.Configuration);
        // The scheduler keeps its own small pool: a thread per running job and its polling.
        var connection = postgres
            ? StorageExtensions.PostgresConnectionString(builder.Configuration, jobs.MaxConcurrency + 4, overrideGiven: true)
            : StorageExtensions.ConnectionString(builder.Configuration);
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = jobs.SchedulerName;
                s.IdleWaitTime = jobs.IdleWaitTime;
            });
            q.UseDefaultThreadPool(maxConcurrency: jobs.MaxConcurrency);
            q.UsePersistentStore(store =>
            {
                if (postgres)
                {
                    store.UsePostgres(Npgsql.NpgsqlFactory.Instance, connection);
                    store.UseClustering(c =>
                    {
                        c.CheckinInterval = jobs.ClusterCheckinInterval;
                        c.CheckinMisfireThreshold = jobs.ClusterCheckinInterval;
                    });
                }
                else
                {
                    store.UseSqlite(connection);
                }
                store.ProvisionSchema();
                store.ConfigureStore(o => o.StoreJobDataAsStrings = true);
            });
            q.AddJobListener<JobRunRecorder>();
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        services.AddHostedService<RecurringJobsStarter>();
        services.AddSingleton<IDurableJobs, DurableJobs>();
        services.AddRecurringJob<JobRunCleanupJob>("storage.job-runs-cleanup", "Deletes job history older than Jobs:RunRetention",
            _ => JobSchedule.Every(TimeSpan.FromHours(6)));
        return builder;
    }
}
