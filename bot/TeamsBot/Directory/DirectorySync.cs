using Microsoft.Extensions.Options;

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
    /// An incremental delta page may carry only the properties that changed: the others are taken from the cache so the
    /// rules see the whole user (a department change must not lose the mail domain).
    /// </summary>
    private async Task<IReadOnlyList<SourceUser>> MergeWithCacheAsync(IReadOnlyList<SourceUser> changed, CancellationToken cancellationToken)
    {
        var merged = new List<SourceUser>(changed.Count);
        foreach (var u in changed)
        {
            var c = await cache.FindAsync(u.Id, cancellationToken);
            merged.Add(c is null ? u : u with
            {
                UserPrincipalName = u.UserPrincipalName ?? c.UserPrincipalName,
                Mail = u.Mail ?? c.Mail,
                DisplayName = u.DisplayName ?? c.DisplayName,
                CompanyName = u.CompanyName ?? c.CompanyName,
                Department = u.Department ?? c.Department,
                Division = u.Division ?? c.Division,
                UserType = u.UserType ?? (c.IsGuest ? "Guest" : null),
                AccountEnabled = u.AccountEnabled ?? !c.IsDisabled,
            });
        }
        return merged;
    }

    private async Task<DirectorySyncResult> RunAsync(string tenantId, string? deltaLink, DirectorySyncState? state, CancellationToken cancellationToken)
    {
        var full = deltaLink is null;
        string? link = deltaLink;
        int changed = 0, removed = 0, pages = 0;
        while (true)
        {
            var page = await source.GetDeltaPageAsync(tenantId, link, cancellationToken);
            pages++;
            var changedUsers = full ? page.Changed : await MergeWithCacheAsync(page.Changed, cancellationToken);
            var records = await directory.MapPageAsync(changedUsers, tenantId, cancellationToken);
            await cache.StoreAsync(records, cancellationToken);
            await cache.MarkDeletedAsync(page.RemovedIds, time.GetUtcNow(), cancellationToken);
            changed += records.Count;
            removed += page.RemovedIds.Count;
            if (page.NextLink is { } next) { link = next; continue; }
            var now = time.GetUtcNow();
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

/// <summary>Runs the delta sync for the default tenant and every agency tenant, every <c>Directory:Sync:Interval</c>.</summary>
internal sealed class DirectorySyncService(DirectorySyncer syncer, IDirectorySource source, IAgencySnapshotSource agencies, IOptions<DirectoryOptions> options, TimeProvider time, ILogger<DirectorySyncService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var snapshot = await agencies.GetSnapshotAsync(stoppingToken);
                var tenants = snapshot.Agencies.SelectMany(a => a.TenantIds).Prepend(source.DefaultTenantId)
                    .Where(t => !string.IsNullOrWhiteSpace(t)).Distinct(StringComparer.OrdinalIgnoreCase);
                foreach (var tenant in tenants)
                {
                    try
                    {
                        await syncer.RunOnceAsync(tenant!, stoppingToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        logger.LogWarning("Directory sync of tenant {TenantId} failed: {Error}", tenant, e.GetType().Name);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Directory sync failed: {Error}", e.GetType().Name);
            }
            try
            {
                await Task.Delay(options.Value.Sync.Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
