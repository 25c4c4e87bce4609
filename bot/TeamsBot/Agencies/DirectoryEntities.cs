using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TeamsBot.Agencies;

/// <summary>One agency of the registry; the definition is stored as JSON so the registry can grow fields without migrations.</summary>
internal sealed class AgencyRecord
{
    public required string Id { get; set; }
    public required string Json { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A cached, resolved user. Refreshed by lookups past the TTL and by the delta sync.</summary>
internal sealed class DirectoryUserRecord
{
    public required string ObjectId { get; set; }
    public required string TenantId { get; set; }
    public string? UserPrincipalName { get; set; }
    public string? Mail { get; set; }
    public string? DisplayName { get; set; }
    public string? CompanyName { get; set; }
    public string? Department { get; set; }
    public string? Division { get; set; }
    public string? TimeZone { get; set; }
    public required string AgencyId { get; set; }
    public required string MatchedBy { get; set; }
    public bool IsGuest { get; set; }
    public bool IsDisabled { get; set; }
    public bool IsDeleted { get; set; }
    public DateTimeOffset ResolvedAt { get; set; }
    /// <summary>The last full delta pass that returned this user (kept when a lookup or an incremental page stores the user).</summary>
    public Guid? LastFullSyncId { get; set; }

    public DirectoryUser ToUser() => new()
    {
        ObjectId = ObjectId,
        TenantId = TenantId,
        UserPrincipalName = UserPrincipalName,
        DisplayName = DisplayName,
        AgencyId = AgencyId,
        Department = Department,
        TimeZone = TimeZone,
        IsGuest = IsGuest,
        IsDisabled = IsDisabled,
        IsDeleted = IsDeleted,
        MatchedBy = MatchedBy,
    };
}

/// <summary>Where the users delta query stopped (per tenant): the <c>@odata.deltaLink</c> of the last complete pass.</summary>
internal sealed class DirectorySyncState
{
    public required string TenantId { get; set; }
    public string? DeltaLink { get; set; }
    public DateTimeOffset? FullSyncCompletedAt { get; set; }
    public DateTimeOffset? LastSyncAt { get; set; }
}

internal sealed class AgencyRecordConfiguration : IEntityTypeConfiguration<AgencyRecord>
{
    public void Configure(EntityTypeBuilder<AgencyRecord> e)
    {
        e.ToTable("directory_agencies");
        e.HasKey(a => a.Id);
        e.Property(a => a.Id).HasMaxLength(64);
    }
}

internal sealed class DirectoryUserRecordConfiguration : IEntityTypeConfiguration<DirectoryUserRecord>
{
    public void Configure(EntityTypeBuilder<DirectoryUserRecord> e)
    {
        e.ToTable("directory_users");
        e.HasKey(u => u.ObjectId);
        e.Property(u => u.ObjectId).HasMaxLength(64);
        e.Property(u => u.TenantId).HasMaxLength(64);
        e.Property(u => u.UserPrincipalName).HasMaxLength(256);
        e.Property(u => u.Mail).HasMaxLength(256);
        e.Property(u => u.DisplayName).HasMaxLength(256);
        e.Property(u => u.CompanyName).HasMaxLength(256);
        e.Property(u => u.Department).HasMaxLength(256);
        e.Property(u => u.Division).HasMaxLength(256);
        e.Property(u => u.TimeZone).HasMaxLength(128);
        e.Property(u => u.AgencyId).HasMaxLength(64);
        e.Property(u => u.MatchedBy).HasMaxLength(16);
        e.HasIndex(u => u.UserPrincipalName);
        e.HasIndex(u => new { u.AgencyId, u.TenantId });
        e.HasIndex(u => u.TenantId);
    }
}

internal sealed class DirectorySyncStateConfiguration : IEntityTypeConfiguration<DirectorySyncState>
{
    public void Configure(EntityTypeBuilder<DirectorySyncState> e)
    {
        e.ToTable("directory_sync");
        e.HasKey(s => s.TenantId);
        e.Property(s => s.TenantId).HasMaxLength(64);
    }
}
