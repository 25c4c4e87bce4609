using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TeamsBot.Research;

public static class ResearchStatus
{
    public const string Queued = "queued", Running = "running", Delivering = "delivering", Delivered = "delivered", Cancelled = "cancelled",
        TimedOut = "timedOut", Failed = "failed";

    public static readonly string[] Live = [Queued, Running];
}

/// <summary>
/// One deep research (<c>research_jobs</c>): who asked, where to answer (their 1:1 chat and the acknowledgement card), the
/// question (kept only until <c>Research:Retention</c>), the provider's progress (resumed after a restart from the last
/// finished step) and the report. At most one live research per person (a filtered unique index).
/// </summary>
public sealed class ResearchJob
{
    public required string Id { get; set; }
    public required string ObjectId { get; set; }
    public required string TenantId { get; set; }
    public required string AgencyId { get; set; }
    public required string ServiceUrl { get; set; }
    public required string ConversationId { get; set; }
    public string? Locale { get; set; }
    public required string Question { get; set; }
    public required string Status { get; set; }
    public string Milestone { get; set; } = "";
    public int SourcesRead { get; set; }
    /// <summary>The provider's state after its last finished step (JSON).</summary>
    public string? State { get; set; }
    /// <summary>The finished report (JSON), until delivered and then until retention.</summary>
    public string? Report { get; set; }
    public string? AckActivityId { get; set; }
    public DateTimeOffset? WindowEnd { get; set; }
    /// <summary>Set when the Word document was accepted (uploaded) or declined (sent as Markdown).</summary>
    public string? Consent { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

internal sealed class ResearchConfiguration : IEntityTypeConfiguration<ResearchJob>
{
    public void Configure(EntityTypeBuilder<ResearchJob> e)
    {
        e.ToTable("research_jobs");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasMaxLength(32);
        e.Property(x => x.ObjectId).HasColumnName("object_id").HasMaxLength(64);
        e.Property(x => x.TenantId).HasColumnName("tenant_id").HasMaxLength(64);
        e.Property(x => x.AgencyId).HasColumnName("agency_id").HasMaxLength(64);
        e.Property(x => x.ServiceUrl).HasColumnName("service_url").HasMaxLength(2048);
        e.Property(x => x.ConversationId).HasColumnName("conversation_id").HasMaxLength(1024);
        e.Property(x => x.Locale).HasColumnName("locale").HasMaxLength(32);
        e.Property(x => x.Question).HasColumnName("question").HasMaxLength(4000);
        e.Property(x => x.Status).HasColumnName("status").HasMaxLength(16);
        e.Property(x => x.Milestone).HasColumnName("milestone").HasMaxLength(16);
        e.Property(x => x.SourcesRead).HasColumnName("sources_read");
        e.Property(x => x.State).HasColumnName("state");
        e.Property(x => x.Report).HasColumnName("report");
        e.Property(x => x.AckActivityId).HasColumnName("ack_activity_id").HasMaxLength(1024);
        e.Property(x => x.WindowEnd).HasColumnName("window_end");
        e.Property(x => x.Consent).HasColumnName("consent").HasMaxLength(16);
        e.Property(x => x.CreatedAt).HasColumnName("created_at");
        e.Property(x => x.StartedAt).HasColumnName("started_at");
        e.Property(x => x.FinishedAt).HasColumnName("finished_at");
        // One research at a time per person, enforced by the database (two clicks, two replicas).
        e.HasIndex(x => x.ObjectId).IsUnique().HasFilter("status IN ('queued', 'running')").HasDatabaseName("ix_research_jobs_live_person");
        e.HasIndex(x => new { x.ObjectId, x.CreatedAt });
        e.HasIndex(x => new { x.AgencyId, x.Status });
        e.HasIndex(x => x.FinishedAt);
    }
}
