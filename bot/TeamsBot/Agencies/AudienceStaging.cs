using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TeamsBot.Storage;

namespace TeamsBot.Agencies;

/// <summary>A member already yielded by one audience enumeration (<c>directory_audience_members</c>); rows live as long as the enumeration.</summary>
internal sealed class AudienceMemberRecord
{
    public Guid RunId { get; set; }
    public required string ObjectId { get; set; }
    public DateTimeOffset StagedAt { get; set; }
}

internal sealed class AudienceMemberRecordConfiguration : IEntityTypeConfiguration<AudienceMemberRecord>
{
    public void Configure(EntityTypeBuilder<AudienceMemberRecord> e)
    {
        e.ToTable("directory_audience_members");
        e.HasKey(m => new { m.RunId, m.ObjectId });
        e.Property(m => m.ObjectId).HasMaxLength(64);
        e.HasIndex(m => m.StagedAt);
    }
}

/// <summary>
/// De-duplicates an audience that spans several sources (e.g. overlapping Entra groups) in the database rather than in
/// memory: each page's ids are staged under the enumeration's run id and only ids not staged before come back.
/// </summary>
internal sealed class AudienceStaging(IDbContextFactory<TeamsBotDbContext> factory, TimeProvider time)
{
    /// <summary>Rows of enumerations that never finished (process stopped) are dropped after this.</summary>
    internal static readonly TimeSpan Abandoned = TimeSpan.FromDays(1);

    public async Task<Guid> StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var cutoff = time.GetUtcNow() - Abandoned;
        await db.Set<AudienceMemberRecord>().Where(m => m.StagedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        return Guid.NewGuid();
    }

    /// <summary>Stages the ids and returns those this run had not staged yet (the run is read by one enumerator at a time).</summary>
    public async Task<HashSet<string>> StageUnseenAsync(Guid runId, IReadOnlyCollection<string> objectIds, CancellationToken cancellationToken)
    {
        var ids = objectIds.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (ids.Count == 0) return [];
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var staged = await db.Set<AudienceMemberRecord>().Where(m => m.RunId == runId && ids.Contains(m.ObjectId)).Select(m => m.ObjectId).ToListAsync(cancellationToken);
        var unseen = new HashSet<string>(ids, StringComparer.OrdinalIgnoreCase);
        unseen.ExceptWith(staged);
        var now = time.GetUtcNow();
        db.AddRange(unseen.Select(id => new AudienceMemberRecord { RunId = runId, ObjectId = id, StagedAt = now }));
        await db.SaveChangesAsync(cancellationToken);
        return unseen;
    }

    public async Task FinishAsync(Guid runId)
    {
        await using var db = await factory.CreateDbContextAsync();
        await db.Set<AudienceMemberRecord>().Where(m => m.RunId == runId).ExecuteDeleteAsync();
    }
}
