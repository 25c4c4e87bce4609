using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using TeamsBot.Storage;

namespace TeamsBot.Agencies;

/// <summary>Resolved users in the database (<c>directory_users</c>) and the delta sync state.</summary>
internal interface IDirectoryCache
{
    Task<DirectoryUserRecord?> FindAsync(string objectIdOrUpn, CancellationToken cancellationToken);
    /// <summary>Time zones known for these users (from earlier single lookups); list pages carry none.</summary>
    Task<IReadOnlyDictionary<string, string>> TimeZonesAsync(IReadOnlyCollection<string> objectIds, CancellationToken cancellationToken);
    /// <summary>Inserts or updates; a null time zone keeps the stored one (list and delta pages carry none).</summary>
    Task StoreAsync(IReadOnlyCollection<DirectoryUserRecord> users, CancellationToken cancellationToken);
    Task MarkDeletedAsync(IReadOnlyCollection<string> objectIds, DateTimeOffset at, CancellationToken cancellationToken);
    /// <summary>
    /// After a complete full pass: the tenant's users that pass did not return are deleted, except those looked up on their
    /// own since it started (a new hire found by a lookup). Returns how many were marked.
    /// </summary>
    Task<int> MarkMissingFromFullSyncDeletedAsync(string tenantId, Guid fullPassId, DateTimeOffset passStartedAt, DateTimeOffset at, CancellationToken cancellationToken);
    /// <summary>The tenant's cached users mapped to these agencies (not deleted), in pages ordered by object id.</summary>
    IAsyncEnumerable<IReadOnlyList<DirectoryUserRecord>> AgencyMembersAsync(string tenantId, IReadOnlyCollection<string> agencyIds, bool includeGuests, bool includeDisabled, CancellationToken cancellationToken);
    Task<DirectorySyncState?> GetSyncStateAsync(string tenantId, CancellationToken cancellationToken);
    Task SaveSyncStateAsync(DirectorySyncState state, CancellationToken cancellationToken);
}

internal sealed class DirectoryCache(IDbContextFactory<TeamsBotDbContext> factory) : IDirectoryCache
{
    public async Task<DirectoryUserRecord?> FindAsync(string objectIdOrUpn, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var users = db.Set<DirectoryUserRecord>().AsNoTracking();
        return await users.FirstOrDefaultAsync(u => u.ObjectId == objectIdOrUpn, cancellationToken)
            ?? (objectIdOrUpn.Contains('@') ? await users.FirstOrDefaultAsync(u => u.UserPrincipalName == objectIdOrUpn, cancellationToken) : null);
    }

    public async Task<IReadOnlyDictionary<string, string>> TimeZonesAsync(IReadOnlyCollection<string> objectIds, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Set<DirectoryUserRecord>().AsNoTracking()
            .Where(u => objectIds.Contains(u.ObjectId) && u.TimeZone != null)
            .ToDictionaryAsync(u => u.ObjectId, u => u.TimeZone!, cancellationToken);
    }

    public async Task StoreAsync(IReadOnlyCollection<DirectoryUserRecord> users, CancellationToken cancellationToken)
    {
        if (users.Count == 0) return;
        try
        {
            await UpsertAsync(users, cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another turn (or replica) inserted one of these users first: the second attempt updates it.
            await UpsertAsync(users, cancellationToken);
        }
    }

    private async Task UpsertAsync(IReadOnlyCollection<DirectoryUserRecord> users, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var ids = users.Select(u => u.ObjectId).ToList();
        var existing = await db.Set<DirectoryUserRecord>().Where(u => ids.Contains(u.ObjectId)).ToDictionaryAsync(u => u.ObjectId, cancellationToken);
        foreach (var u in users)
        {
            if (existing.TryGetValue(u.ObjectId, out var row))
            {
                var timeZone = u.TimeZone ?? row.TimeZone;
                var lastFullSyncId = u.LastFullSyncId ?? row.LastFullSyncId;
                db.Entry(row).CurrentValues.SetValues(u);
                row.TimeZone = timeZone;
                row.LastFullSyncId = lastFullSyncId;
            }
            else
            {
                db.Add(u);
                existing[u.ObjectId] = u;
            }
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task MarkDeletedAsync(IReadOnlyCollection<string> objectIds, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (objectIds.Count == 0) return;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Set<DirectoryUserRecord>().Where(u => objectIds.Contains(u.ObjectId))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.IsDeleted, true).SetProperty(u => u.ResolvedAt, at), cancellationToken);
    }

    public async Task<int> MarkMissingFromFullSyncDeletedAsync(string tenantId, Guid fullPassId, DateTimeOffset passStartedAt, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Set<DirectoryUserRecord>()
            .Where(u => u.TenantId == tenantId && !u.IsDeleted && (u.LastFullSyncId == null || u.LastFullSyncId != fullPassId) && u.ResolvedAt < passStartedAt)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.IsDeleted, true).SetProperty(u => u.ResolvedAt, at), cancellationToken);
    }

    public async IAsyncEnumerable<IReadOnlyList<DirectoryUserRecord>> AgencyMembersAsync(string tenantId, IReadOnlyCollection<string> agencyIds,
        bool includeGuests, bool includeDisabled, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = "";
        while (true)
        {
            List<DirectoryUserRecord> page;
            await using (var db = await factory.CreateDbContextAsync(cancellationToken))
            {
                var from = after;
                page = await db.Set<DirectoryUserRecord>().AsNoTracking()
                    .Where(u => u.TenantId == tenantId && agencyIds.Contains(u.AgencyId) && !u.IsDeleted
                        && (includeGuests || !u.IsGuest) && (includeDisabled || !u.IsDisabled) && string.Compare(u.ObjectId, from) > 0)
                    .OrderBy(u => u.ObjectId).Take(CachePageSize).ToListAsync(cancellationToken);
            }
            if (page.Count == 0) yield break;
            yield return page;
            if (page.Count < CachePageSize) yield break;
            after = page[^1].ObjectId;
        }
    }

    private const int CachePageSize = 999;

    public async Task<DirectorySyncState?> GetSyncStateAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Set<DirectorySyncState>().AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == tenantId, cancellationToken);
    }

    public async Task SaveSyncStateAsync(DirectorySyncState state, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<DirectorySyncState>().FindAsync([state.TenantId], cancellationToken);
        if (row is null) db.Add(state);
        else db.Entry(row).CurrentValues.SetValues(state);
        await db.SaveChangesAsync(cancellationToken);
    }
}
