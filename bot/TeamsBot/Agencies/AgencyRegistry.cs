using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TeamsBot.Storage;

namespace TeamsBot.Agencies;

/// <summary>The agency registry: seeded from <c>Directory:AgenciesFile</c> on first start, then edited here (admin UI later).</summary>
public interface IAgencyRegistry
{
    Task<IReadOnlyList<Agency>> ListAsync(CancellationToken cancellationToken);
    Task<Agency?> FindAsync(string agencyId, CancellationToken cancellationToken);
    /// <summary>Adds or replaces an agency. Throws <see cref="ArgumentException"/> with a readable reason for an invalid agency.</summary>
    Task UpsertAsync(Agency agency, CancellationToken cancellationToken);
    Task<bool> RemoveAsync(string agencyId, CancellationToken cancellationToken);
    /// <summary>Grants (or replaces) the window of one feature, e.g. 60 extra days of <c>deep-research</c>.</summary>
    Task SetEntitlementAsync(string agencyId, EntitlementWindow window, CancellationToken cancellationToken);
    /// <summary>Whether the agency has <paramref name="feature"/> now.</summary>
    Task<bool> IsEntitledAsync(string agencyId, string feature, CancellationToken cancellationToken);
}

internal sealed class AgencyRegistry(IDbContextFactory<TeamsBotDbContext> factory, TimeProvider time, DirectoryFiles files, ILogger<AgencyRegistry> logger) : IAgencyRegistry, IAgencySnapshotSource
{
    // Other replicas pick up edits within this interval; edits on this replica are visible at once.
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile AgencySnapshot? _snapshot;
    private DateTimeOffset _loadedAt;

    /// <summary>Indexed agencies for the rules. Seeds the database from the agency file on first use.</summary>
    public async ValueTask<AgencySnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && time.GetUtcNow() - _loadedAt < RefreshInterval) return snapshot;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_snapshot is not null && time.GetUtcNow() - _loadedAt < RefreshInterval) return _snapshot;
            await SeedIfEmptyAsync(cancellationToken);
            _snapshot = new AgencySnapshot(await LoadAsync(cancellationToken));
            _loadedAt = time.GetUtcNow();
            return _snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task SeedIfEmptyAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (await db.Set<AgencyRecord>().AnyAsync(cancellationToken)) return;
        var agencies = AgencyJson.Load(files.AgenciesPath);
        var now = time.GetUtcNow();
        foreach (var a in agencies)
            db.Add(new AgencyRecord { Id = a.Id.ToLowerInvariant(), Json = JsonSerializer.Serialize(a with { Id = a.Id.ToLowerInvariant() }, AgencyJson.Options), UpdatedAt = now });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Agency registry seeded with {Count} agencies", agencies.Count);
        }
        catch (DbUpdateException)
        {
            // Replicas starting together: another one seeded the registry first (one transaction: all or nothing).
            await using var check = await factory.CreateDbContextAsync(cancellationToken);
            if (!await check.Set<AgencyRecord>().AnyAsync(cancellationToken)) throw;
        }
    }

    private async Task<IReadOnlyList<Agency>> LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<AgencyRecord>().AsNoTracking().OrderBy(a => a.Id).ToListAsync(cancellationToken);
        return rows.Select(r => JsonSerializer.Deserialize<Agency>(r.Json, AgencyJson.Options)!).ToList();
    }

    public async Task<IReadOnlyList<Agency>> ListAsync(CancellationToken cancellationToken) => (await GetSnapshotAsync(cancellationToken)).Agencies;

    public async Task<Agency?> FindAsync(string agencyId, CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).ById.GetValueOrDefault(agencyId);

    public async Task UpsertAsync(Agency agency, CancellationToken cancellationToken)
    {
        var problems = AgencyJson.Validate(agency).ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(agency));
        await GetSnapshotAsync(cancellationToken); // seed first so an edit never stops the seed
        var id = agency.Id.ToLowerInvariant();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<AgencyRecord>().FindAsync([id], cancellationToken);
        var json = JsonSerializer.Serialize(agency with { Id = id }, AgencyJson.Options);
        if (row is null) db.Add(new AgencyRecord { Id = id, Json = json, UpdatedAt = time.GetUtcNow() });
        else { row.Json = json; row.UpdatedAt = time.GetUtcNow(); }
        await db.SaveChangesAsync(cancellationToken);
        await InvalidateAsync(db, cancellationToken);
        logger.LogInformation("Agency {AgencyId} saved", id);
    }

    public async Task<bool> RemoveAsync(string agencyId, CancellationToken cancellationToken)
    {
        await GetSnapshotAsync(cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var removed = await db.Set<AgencyRecord>().Where(a => a.Id == agencyId.ToLowerInvariant()).ExecuteDeleteAsync(cancellationToken) > 0;
        await InvalidateAsync(db, cancellationToken);
        return removed;
    }

    public async Task SetEntitlementAsync(string agencyId, EntitlementWindow window, CancellationToken cancellationToken)
    {
        var agency = await FindAsync(agencyId, cancellationToken) ?? throw new ArgumentException($"unknown agency '{agencyId}'", nameof(agencyId));
        var windows = agency.Entitlements.Where(w => !string.Equals(w.Feature, window.Feature, StringComparison.OrdinalIgnoreCase)).Append(window).ToList();
        await UpsertAsync(agency with { Entitlements = windows }, cancellationToken);
    }

    public async Task<bool> IsEntitledAsync(string agencyId, string feature, CancellationToken cancellationToken) =>
        (await FindAsync(agencyId, cancellationToken))?.IsEntitled(feature, time.GetUtcNow()) == true;

    /// <summary>
    /// Forgets the parsed registry and asks the next directory sync of every tenant for a full pass, so cached users are
    /// mapped again with the edited agencies (until then agency audiences read from the source, not the cache).
    /// </summary>
    private async Task InvalidateAsync(TeamsBotDbContext db, CancellationToken cancellationToken)
    {
        _snapshot = null;
        await db.Set<DirectorySyncState>().ExecuteUpdateAsync(s => s.SetProperty(x => x.DeltaLink, (string?)null), cancellationToken);
    }
}
