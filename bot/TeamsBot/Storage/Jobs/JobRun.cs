using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TeamsBot.Storage.Jobs;

/// <summary>One finished run of a durable job: which job, which replica, when it was due, how it ended. Never job data.</summary>
public sealed class JobRun
{
    public long Id { get; set; }
    /// <summary>The job's name (e.g. <c>answers.memory-cleanup</c>) or, for a one-time job, its group and id.</summary>
    public required string Job { get; set; }
    /// <summary>Quartz's id of this firing: one row per firing even if the listener is called twice.</summary>
    public required string FireInstanceId { get; set; }
    /// <summary>The replica (scheduler instance id) that ran it.</summary>
    public required string Instance { get; set; }
    /// <summary>When the run was due (the trigger's time, also for a run made late by downtime).</summary>
    public DateTimeOffset ScheduledAt { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset FinishedAt { get; set; }
    public bool Succeeded { get; set; }
    /// <summary>The exception type of a failed run (never its message: it may quote data).</summary>
    public string? Error { get; set; }
    /// <summary>Re-run by another replica after the one running it died.</summary>
    public bool Recovered { get; set; }
}

internal sealed class JobRunConfiguration : IEntityTypeConfiguration<JobRun>
{
    public void Configure(EntityTypeBuilder<JobRun> e)
    {
        e.ToTable("job_runs");
        e.HasKey(r => r.Id);
        e.Property(r => r.Job).HasMaxLength(300);
        e.Property(r => r.FireInstanceId).HasMaxLength(200);
        e.Property(r => r.Instance).HasMaxLength(200);
        e.Property(r => r.Error).HasMaxLength(200);
        e.HasIndex(r => r.FireInstanceId).IsUnique();
        e.HasIndex(r => new { r.Job, r.ScheduledAt });
        e.HasIndex(r => r.FinishedAt);
    }
}
