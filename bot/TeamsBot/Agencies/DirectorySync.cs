using Quartz;

namespace TeamsBot.Agencies;

/// <summary>Outcome of one sync run of one tenant.</summary>
internal sealed record DirectorySyncResult(string TenantId, bool FullPass, int Changed, int Removed, int Pages);

/// <summary>
/// Keeps the user cache fresh with the users delta query: the first run (or one whose delta link expired) is a full pass;
/// later runs send the stored <c>@odata.deltaLink</c> and apply only changes, including <c>@removed</c> users.
/// The delta link is stored only once a pass has reached it, so an interrupted pass starts again cleanly.
/// </summary>
internal sealed class DirectorySyncer(IDirectorySource source, AgencyDirectory directory, IDirectoryCache cache, TimeProvider time, ILogger<DirectorySyncer> logger)
{
    public async Task<DirectorySyncResult> RunOnceAsync(string tenantId, CancellationToken cancellationToken)
    {
        var state = await cache.GetSyncStateAsync(tenantId, cancellationToken);
        try
        {
            return await RunAsync(tenantId, state?.DeltaLink, state, cancellationToken);
        }
        catch (DeltaExpiredException e) when (state?.DeltaLink is not null)
        {
            logger.LogWarning("Directory delta for tenant {TenantId} restarts with a full pass: {Reason}", tenantId, e.Message);
            return await RunAsync(tenantId, null, state, cancellationToken);
        }
    }

    /// <summary>
    /// An incremental delta page carries only the properties that changed: absent ones are taken from the cache so the rules
    /// see the whole user (a department change must not lose the mail domain); one sent as <c>null</c> was cleared.
    /// </summary>
    private async Task<IReadOnlyList<SourceUser>> MergeWithCacheAsync(IReadOnlyList<DeltaUser> changed, CancellationToken cancellationToken)
    {
        var merged = new List<SourceUser>(changed.Count);
        foreach (var (u, present) in changed)
        {
            var c = present == DeltaProperties.All ? null : await cache.FindAsync(u.Id, cancellationToken);
            merged.Add(c is null ? u : u with
            {
                UserPrincipalName = present.HasFlag(DeltaProperties.UserPrincipalName) ? u.UserPrincipalName : c.UserPrincipalName,
                Mail = present.HasFlag(DeltaProperties.Mail) ? u.Mail : c.Mail,
                DisplayName = present.HasFlag(DeltaProperties.DisplayName) ? u.DisplayName : c.DisplayName,
                CompanyName = present.HasFlag(DeltaProperties.CompanyName) ? u.CompanyName : c.CompanyName,
                Department = present.HasFlag(DeltaProperties.Department) ? u.Department : c.Department,
                Division = present.HasFlag(DeltaProperties.Division) ? u.Division : c.Division,
                UserType = present.HasFlag(DeltaProperties.UserType) ? u.UserType : c.IsGuest ? "Guest" : null,
                AccountEnabled = present.HasFlag(DeltaProperties.AccountEnabled) ? u.AccountEnabled : !c.IsDisabled,
            });
        }
        return merged;
    }

    private async Task<DirectorySyncResult> RunAsync(string tenantId, string? deltaLink, DirectorySyncState? state, CancellationToken cancellationToken)
    {
        var full = deltaLink is null;
        // A full pass tags every user it returns; once it has reached its delta link, the tenant's users it did not return are removed.
        Guid? fullPassId = full ? Guid.NewGuid() : null;
        var startedAt = time.GetUtcNow();
        string? link = deltaLink;
        int changed = 0, removed = 0, pages = 0;
        while (true)
        {
            var page = await source.GetDeltaPageAsync(tenantId, link, cancellationToken);
            pages++;
            var changedUsers = full ? page.Changed.Select(d => d.User).ToList() : await MergeWithCacheAsync(page.Changed, cancellationToken);
            var records = await directory.MapPageAsync(changedUsers, tenantId, cancellationToken);
            foreach (var r in records) r.LastFullSyncId = fullPassId;
            await cache.StoreAsync(records, cancellationToken);
            await cache.MarkDeletedAsync(page.RemovedIds, time.GetUtcNow(), cancellationToken);
            changed += records.Count;
            removed += page.RemovedIds.Count;
            if (page.NextLink is { } next) { link = next; continue; }
            var now = time.GetUtcNow();
            if (fullPassId is { } passId)
                removed += await cache.MarkMissingFromFullSyncDeletedAsync(tenantId, passId, startedAt, now, cancellationToken);
            await cache.SaveSyncStateAsync(new DirectorySyncState
            {
                TenantId = tenantId,
                DeltaLink = page.DeltaLink,
                FullSyncCompletedAt = full ? now : state?.FullSyncCompletedAt,
                LastSyncAt = now,
            }, cancellationToken);
            logger.LogInformation("Directory sync of tenant {TenantId}: {Kind} pass, {Changed} changed, {Removed} removed, {Pages} pages",
                tenantId, full ? "full" : "incremental", changed, removed, pages);
            return new DirectorySyncResult(tenantId, full, changed, removed, pages);
        }
    }
}

/// <summary>One delta sync of the default tenant and every agency tenant: a durable job every <c>Directory:Sync:Interval</c>, run by one replica.</summary>
[DisallowConcurrentExecution]
internal sealed class DirectorySyncJob(DirectorySyncer syncer, IDirectorySource source, IAgencySnapshotSource agencies, ILogger<DirectorySyncJob> logger) : IJob
{
    public const string Name = "directory.sync";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = await agencies.GetSnapshotAsync(cancellationToken);
        var tenants = snapshot.Agencies.SelectMany(a => a.TenantIds).Prepend(source.DefaultTenantId)
            .Where(t => !string.IsNullOrWhiteSpace(t)).Distinct(StringComparer.OrdinalIgnoreCase);
        var failed = 0;
        foreach (var tenant in tenants)
        {
            try
            {
                await syncer.RunOnceAsync(tenant!, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed++;
                logger.LogWarning("Directory sync of tenant {TenantId} failed: {Error}", tenant, e.GetType().Name);
            }
        }
        // One tenant failing does not stop the others; the run is marked failed so admins see it in the job history.
        if (failed > 0) throw new DirectorySyncFailedException(failed);
    }
}

internal sealed class DirectorySyncFailedException(int tenants) : Exception($"{tenants} tenant(s) could not be synced");
