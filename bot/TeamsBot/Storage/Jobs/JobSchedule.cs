using Quartz;

namespace TeamsBot.Storage.Jobs;

/// <summary>
/// When a recurring job runs: every interval, or at a wall-clock time in a time zone (DST-correct: "09:00 America/New_York"
/// stays 09:00 local across the change). <see cref="Signature"/> identifies the schedule so replicas agree on it.
/// </summary>
public abstract record JobSchedule
{
    /// <summary>Every <paramref name="interval"/>; the first run is at once when the job is new to the database.</summary>
    public static JobSchedule Every(TimeSpan interval) =>
        interval >= TimeSpan.FromSeconds(1) ? new IntervalSchedule(interval) : throw new ArgumentOutOfRangeException(nameof(interval), "A job runs at most every second.");

    /// <summary>Each day at <paramref name="at"/> in <paramref name="timeZoneId"/> (IANA or Windows id).</summary>
    public static JobSchedule Daily(TimeOnly at, string timeZoneId) =>
        Cron($"{at.Second} {at.Minute} {at.Hour} * * ?", timeZoneId);

    /// <summary>A Quartz cron expression (seconds first) in <paramref name="timeZoneId"/>.</summary>
    public static JobSchedule Cron(string expression, string timeZoneId)
    {
        if (!CronExpression.TryParse(expression, out _)) throw new ArgumentException($"'{expression}' is not a valid cron expression.", nameof(expression));
        return new CronSchedule(expression, TimeZones.FindById(timeZoneId));
    }

    /// <summary>A stable text form of the schedule, stored on the trigger.</summary>
    public abstract string Signature { get; }

    internal abstract TriggerBuilder<IJob> Apply(TriggerBuilder<IJob> trigger);

    /// <summary>When a new or replaced trigger starts: now, or one interval after the last run for an interval schedule.</summary>
    internal virtual DateTimeOffset NextStart(DateTimeOffset? lastRun, DateTimeOffset now) => now;

    private sealed record IntervalSchedule(TimeSpan Interval) : JobSchedule
    {
        public override string Signature => $"every {Interval:c}";

        internal override DateTimeOffset NextStart(DateTimeOffset? lastRun, DateTimeOffset now) =>
            lastRun is { } last && last + Interval > now ? last + Interval : now;

        // After downtime: run once now, then keep the interval (never a burst of missed runs).
        internal override TriggerBuilder<IJob> Apply(TriggerBuilder<IJob> trigger) =>
            trigger.WithSimpleSchedule(s => s.WithInterval(Interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NowWithRemainingCount));
    }

    private sealed record CronSchedule(string Expression, TimeZoneInfo TimeZone) : JobSchedule
    {
        public override string Signature => $"cron {Expression} {TimeZone.Id}";

        // After downtime: one run now for the missed time(s), then the next regular time.
        internal override TriggerBuilder<IJob> Apply(TriggerBuilder<IJob> trigger) =>
            trigger.WithCronSchedule(Expression, c => c.InTimeZone(TimeZone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed));
    }
}
