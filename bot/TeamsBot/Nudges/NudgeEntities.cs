using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TeamsBot.Nudges;

/// <summary>A person's nudge settings and what the planner must know of them beyond the directory (a row once they act).</summary>
public sealed class NudgePreference
{
    public required string ObjectId { get; set; }
    public required string TenantId { get; set; }
    /// <summary><b>Stop</b>: no nudges of any kind until they say <c>nudges on</c>.</summary>
    public DateTimeOffset? StoppedAt { get; set; }
    /// <summary><b>Snooze</b>: nothing before this.</summary>
    public DateTimeOffset? SnoozedUntil { get; set; }
    /// <summary>Features (command words) they have used, space-separated: lessons for features never tried skip them.</summary>
    public string Features { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// One nudge planned for one person (a lesson; later surveys): written before its campaign starts, so a lesson is never
/// planned twice, and the weekly cap counts every kind. <see cref="CompletedAt"/>: they tried it.
/// </summary>
public sealed class NudgeDelivery
{
    public long Id { get; set; }
    public required string ObjectId { get; set; }
    public required string TenantId { get; set; }
    public required string AgencyId { get; set; }
    public required string Kind { get; set; }
    public required string ProgramId { get; set; }
    public required string ItemId { get; set; }
    public required string CampaignId { get; set; }
    public DateTimeOffset PlannedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

internal sealed class NudgeConfiguration : IEntityTypeConfiguration<NudgePreference>, IEntityTypeConfiguration<NudgeDelivery>
{
    public void Configure(EntityTypeBuilder<NudgePreference> e)
    {
        e.ToTable("nudge_preferences");
        e.HasKey(x => x.ObjectId);
        e.Property(x => x.ObjectId).HasColumnName("object_id").HasMaxLength(64);
        e.Property(x => x.TenantId).HasColumnName("tenant_id").HasMaxLength(64);
        e.Property(x => x.StoppedAt).HasColumnName("stopped_at");
        e.Property(x => x.SnoozedUntil).HasColumnName("snoozed_until");
        e.Property(x => x.Features).HasColumnName("features").HasMaxLength(500);
        e.Property(x => x.UpdatedAt).HasColumnName("updated_at");
    }

    public void Configure(EntityTypeBuilder<NudgeDelivery> e)
    {
        e.ToTable("nudge_deliveries");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").ValueGeneratedOnAdd();
        e.Property(x => x.ObjectId).HasColumnName("object_id").HasMaxLength(64);
        e.Property(x => x.TenantId).HasColumnName("tenant_id").HasMaxLength(64);
        e.Property(x => x.AgencyId).HasColumnName("agency_id").HasMaxLength(64);
        e.Property(x => x.Kind).HasColumnName("kind").HasMaxLength(16);
        e.Property(x => x.ProgramId).HasColumnName("program_id").HasMaxLength(40);
        e.Property(x => x.ItemId).HasColumnName("item_id").HasMaxLength(60);
        e.Property(x => x.CampaignId).HasColumnName("campaign_id").HasMaxLength(32);
        e.Property(x => x.PlannedAt).HasColumnName("planned_at");
        e.Property(x => x.CompletedAt).HasColumnName("completed_at");
        // A lesson goes to a person once.
        e.HasIndex(x => new { x.ObjectId, x.Kind, x.ProgramId, x.ItemId }).IsUnique();
        e.HasIndex(x => x.CampaignId);
        e.HasIndex(x => new { x.ProgramId, x.ItemId, x.AgencyId });
    }
}
