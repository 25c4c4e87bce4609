using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;

namespace TeamsBot.Agencies;

/// <summary>Supplies the indexed registry to the rules (the registry in production; fixed agencies in tests).</summary>
internal interface IAgencySnapshotSource
{
    ValueTask<AgencySnapshot> GetSnapshotAsync(CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IAgencyDirectory"/> over a source (Graph or file), the rules and the database cache. A failing source never
/// fails the caller: a stale cached entry is served, else the rules run on what the activity carries (tenant, UPN).
/// </summary>
internal sealed class AgencyDirectory(
    IDirectorySource source,
    IAgencySnapshotSource agencies,
    IDirectoryCache cache,
    AudienceStaging staging,
    IOptions<DirectoryOptions> options,
    TimeProvider time,
    ILogger<AgencyDirectory> logger) : IAgencyDirectory
{
    private const int LookupChunk = 100;

    /// <summary>How long a user Graph did not find (404) stays "deleted" in the cache before it is looked up again.</summary>
    internal static readonly TimeSpan DeletedRecheck = TimeSpan.FromMinutes(5);
    private readonly AgencyRules _rules = new(options.Value.EffectiveRules);

    public async Task<DirectoryUser> ResolveAsync(UserKey user, CancellationToken cancellationToken)
    {
        var key = !string.IsNullOrWhiteSpace(user.AadObjectId) ? user.AadObjectId : user.UserPrincipalName;
        var tenantId = !string.IsNullOrWhiteSpace(user.TenantId) ? user.TenantId : source.DefaultTenantId ?? "";
        var fallback = new SourceUser { Id = key ?? "", TenantId = tenantId, UserPrincipalName = user.UserPrincipalName };
        if (string.IsNullOrWhiteSpace(key))
            return await ToUserAsync(fallback, tenantId, deleted: false, cancellationToken);

        DirectoryUserRecord? cached = null;
        try
        {
            cached = await cache.FindAsync(key, cancellationToken);
            // A "not found" is rechecked after minutes, not hours: a new hire can be missing from Graph until replication catches up.
            var ttl = cached is { IsDeleted: true } ? DeletedRecheck : options.Value.CacheTtl;
            if (cached is not null && time.GetUtcNow() - cached.ResolvedAt < ttl) return cached.ToUser();

            if (!await ServesTenantAsync(tenantId, cancellationToken))
            {
                // A tenant the app has no access to (not Graph:TenantId, no agency's tenant): answer from what the activity
                // carries instead of asking Entra for a token it will refuse, and remember the answer like any other.
                var outside = await ToRecordAsync(fallback, tenantId, deleted: false, new HashSet<string>(), cancellationToken);
                await cache.StoreAsync([outside], cancellationToken);
                return outside.ToUser();
            }
            var found = await source.GetUserAsync(tenantId, key, cancellationToken);
            var record = found is null
                ? await ToRecordAsync(fallback, tenantId, deleted: true, null, cancellationToken)
                : await ToRecordAsync(found, tenantId, deleted: false, null, cancellationToken);
            await cache.StoreAsync([record], cancellationToken);
            return record.ToUser();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Directory lookup of user {ObjectId} failed ({Error}); serving {Fallback}", user.AadObjectId, e.GetType().Name, cached is null ? "the activity's tenant/UPN rules" : "the stale cache entry");
            if (cached is not null) return cached.ToUser();
            try
            {
                return await ToUserAsync(fallback, tenantId, deleted: false, cancellationToken);
            }
            catch (Exception inner) when (inner is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Even the registry is unreachable (database down): the user is unassigned for now, never an exception.
                logger.LogWarning("Agency registry unavailable ({Error}); user {ObjectId} is unassigned for now", inner.GetType().Name, user.AadObjectId);
                return AgencyDirectory.ToRecord(fallback, tenantId, new RuleOutcome(null, AgencyRuleKind.None, false), false, time.GetUtcNow()).ToUser();
            }
        }
    }

    /// <summary>The source can be asked about users of this tenant: always for a file; for Graph, its tenant and the agencies' tenants.</summary>
    private async ValueTask<bool> ServesTenantAsync(string tenantId, CancellationToken cancellationToken)
    {
        if (source.DefaultTenantId is not { Length: > 0 } home || string.Equals(home, tenantId, StringComparison.OrdinalIgnoreCase)) return true;
        if (source is FileDirectorySource) return true;
        return (await agencies.GetSnapshotAsync(cancellationToken)).ByTenant.ContainsKey(tenantId);
    }

    public async IAsyncEnumerable<DirectoryUser> ResolveAudienceAsync(AudienceSpec spec, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tenantId = spec.TenantId ?? source.DefaultTenantId ?? "";
        switch (spec.Kind)
        {
            case AudienceKind.Tenant:
                await foreach (var u in MapPagesAsync(source.GetTenantUsersAsync(tenantId, cancellationToken), tenantId, spec, null, cancellationToken))
                    yield return u;
                break;

            case AudienceKind.Agencies:
            {
                var snapshot = await agencies.GetSnapshotAsync(cancellationToken);
                var wanted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                // An agency on its own tenant(s) is read there; agencies sharing a tenant are found in the default tenant.
                var tenants = new List<string>();
                foreach (var id in spec.Ids)
                {
                    var agency = snapshot.ById.GetValueOrDefault(id);
                    if (agency is null) { logger.LogWarning("Audience names unknown agency {AgencyId}", id); continue; }
                    wanted.Add(agency.Id);
                    tenants.AddRange(agency.TenantIds.Count > 0 ? agency.TenantIds : [tenantId]);
                }
                foreach (var t in tenants.Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    if (await IsCacheFreshAsync(t, cancellationToken))
                    {
                        await foreach (var page in cache.AgencyMembersAsync(t, wanted, spec.IncludeGuests, spec.IncludeDisabled, cancellationToken))
                            foreach (var r in page) yield return r.ToUser();
                        continue;
                    }
                    logger.LogInformation("Directory cache of tenant {TenantId} is not fresh: agency audience reads every user from the source", t);
                    await foreach (var u in MapPagesAsync(source.GetTenantUsersAsync(t, cancellationToken), t, spec, wanted, cancellationToken))
                        yield return u;
                }
                break;
            }

            case AudienceKind.Groups or AudienceKind.Team:
            {
                var groupIds = spec.Ids.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                if (groupIds.Count <= 1)
                {
                    foreach (var groupId in groupIds)
                        await foreach (var u in MapPagesAsync(source.GetGroupMembersAsync(tenantId, groupId, cancellationToken), tenantId, spec, null, cancellationToken))
                            yield return u;
                    break;
                }
                // A user in several groups is yielded once: the ids already yielded are staged in the database, not in memory.
                var run = await staging.StartAsync(cancellationToken);
                try
                {
                    foreach (var groupId in groupIds)
                        await foreach (var page in MapPageBatchesAsync(source.GetGroupMembersAsync(tenantId, groupId, cancellationToken), tenantId, spec, null, cancellationToken))
                        {
                            var unseen = await staging.StageUnseenAsync(run, page.Select(u => u.ObjectId).ToList(), cancellationToken);
                            foreach (var u in page)
                                if (unseen.Remove(u.ObjectId)) yield return u;
                        }
                }
                finally
                {
                    await staging.FinishAsync(run);
                }
                break;
            }

            case AudienceKind.Users:
                foreach (var chunk in spec.Ids.Where(i => !string.IsNullOrWhiteSpace(i)).Distinct(StringComparer.OrdinalIgnoreCase).Chunk(LookupChunk))
                {
                    var found = await source.GetUsersAsync(tenantId, chunk, cancellationToken);
                    var page = new List<SourceUser>();
                    var missing = new List<DirectoryUserRecord>();
                    foreach (var k in chunk)
                    {
                        if (found.GetValueOrDefault(k) is { } su) page.Add(su);
                        else missing.Add(await ToRecordAsync(new SourceUser { Id = k, TenantId = tenantId, UserPrincipalName = k.Contains('@') ? k : null }, tenantId, true, null, cancellationToken));
                    }
                    var records = await MapPageAsync(page, tenantId, cancellationToken);
                    await cache.StoreAsync(records, cancellationToken); // full lookups (with time zones): worth caching
                    foreach (var r in records.Where(r => Include(r, spec, null))) yield return r.ToUser();
                    // Deleted users of an explicit list are reported (flagged) so the sender can account for them.
                    foreach (var r in missing) yield return r.ToUser();
                }
                break;

            default:
                throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "unknown audience kind");
        }
    }

    /// <summary>
    /// The tenant's cache can answer an agency audience: a full pass has completed, no agency edit has asked for a new one,
    /// and no scheduled sync was missed (the last one ended within two <c>Directory:Sync:Interval</c>s: the one due now may
    /// still be running, and the cache must not turn stale, sending audiences to Graph, in every cycle).
    /// </summary>
    private async Task<bool> IsCacheFreshAsync(string tenantId, CancellationToken cancellationToken) =>
        await cache.GetSyncStateAsync(tenantId, cancellationToken) is { DeltaLink: not null, FullSyncCompletedAt: not null, LastSyncAt: { } lastSync }
        && time.GetUtcNow() - lastSync <= 2 * options.Value.Sync.Interval;

    private async IAsyncEnumerable<DirectoryUser> MapPagesAsync(IAsyncEnumerable<IReadOnlyList<SourceUser>> pages, string tenantId, AudienceSpec spec, HashSet<string>? agencyIds, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in MapPageBatchesAsync(pages, tenantId, spec, agencyIds, cancellationToken))
            foreach (var u in page) yield return u;
    }

    private async IAsyncEnumerable<IReadOnlyList<DirectoryUser>> MapPageBatchesAsync(IAsyncEnumerable<IReadOnlyList<SourceUser>> pages, string tenantId, AudienceSpec spec, HashSet<string>? agencyIds, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in pages.WithCancellation(cancellationToken))
        {
            var records = await MapPageAsync(page, tenantId, cancellationToken);
            var timeZones = await cache.TimeZonesAsync(records.Select(r => r.ObjectId).ToList(), cancellationToken);
            var users = new List<DirectoryUser>(records.Count);
            foreach (var r in records)
            {
                if (!Include(r, spec, agencyIds)) continue;
                if (r.TimeZone is null && timeZones.TryGetValue(r.ObjectId, out var tz)) r.TimeZone = tz;
                users.Add(r.ToUser());
            }
            yield return users;
        }
    }

    private static bool Include(DirectoryUserRecord r, AudienceSpec spec, HashSet<string>? agencyIds) =>
        (spec.IncludeDisabled || !r.IsDisabled) && (spec.IncludeGuests || !r.IsGuest) && (agencyIds is null || agencyIds.Contains(r.AgencyId));

    /// <summary>Maps one page; users that reach the group rule get their groups in one batched lookup for the page.</summary>
    internal async Task<List<DirectoryUserRecord>> MapPageAsync(IReadOnlyList<SourceUser> page, string tenantId, CancellationToken cancellationToken)
    {
        var snapshot = await agencies.GetSnapshotAsync(cancellationToken);
        var outcomes = new RuleOutcome[page.Count];
        List<string>? needGroups = null;
        for (var i = 0; i < page.Count; i++)
        {
            outcomes[i] = _rules.Map(page[i], tenantId, snapshot, null);
            if (outcomes[i].NeedsGroups) (needGroups ??= []).Add(page[i].Id);
        }
        if (needGroups is not null)
        {
            var groups = await source.GetGroupIdsAsync(tenantId, needGroups, cancellationToken);
            for (var i = 0; i < page.Count; i++)
                if (outcomes[i].NeedsGroups)
                    outcomes[i] = _rules.Map(page[i], tenantId, snapshot, groups.GetValueOrDefault(page[i].Id) ?? new HashSet<string>());
        }
        var now = time.GetUtcNow();
        var records = new List<DirectoryUserRecord>(page.Count);
        for (var i = 0; i < page.Count; i++) records.Add(ToRecord(page[i], tenantId, outcomes[i], deleted: false, now));
        return records;
    }

    private async Task<DirectoryUser> ToUserAsync(SourceUser user, string tenantId, bool deleted, CancellationToken cancellationToken)
    {
        var snapshot = await agencies.GetSnapshotAsync(cancellationToken);
        var outcome = _rules.Map(user, tenantId, snapshot, user.GroupIds ?? new HashSet<string>());
        return ToRecord(user, tenantId, outcome, deleted, time.GetUtcNow()).ToUser();
    }

    private async Task<DirectoryUserRecord> ToRecordAsync(SourceUser user, string tenantId, bool deleted, IReadOnlySet<string>? groups, CancellationToken cancellationToken)
    {
        var snapshot = await agencies.GetSnapshotAsync(cancellationToken);
        // A deleted user has no groups left to ask about.
        var outcome = _rules.Map(user, tenantId, snapshot, deleted ? new HashSet<string>() : groups);
        if (outcome.NeedsGroups)
        {
            var found = await source.GetGroupIdsAsync(tenantId, [user.Id], cancellationToken);
            outcome = _rules.Map(user, tenantId, snapshot, found.GetValueOrDefault(user.Id) ?? new HashSet<string>());
        }
        return ToRecord(user, tenantId, outcome, deleted, time.GetUtcNow());
    }

    internal static DirectoryUserRecord ToRecord(SourceUser u, string tenantId, RuleOutcome outcome, bool deleted, DateTimeOffset now) => new()
    {
        ObjectId = u.Id,
        TenantId = u.TenantId ?? tenantId,
        UserPrincipalName = u.UserPrincipalName,
        Mail = u.Mail,
        DisplayName = u.DisplayName,
        CompanyName = u.CompanyName,
        Department = u.Department,
        Division = u.Division,
        TimeZone = u.TimeZone,
        AgencyId = outcome.Agency?.Id ?? Agency.UnassignedId,
        MatchedBy = outcome.MatchedBy,
        IsGuest = u.IsGuest,
        IsDisabled = u.AccountEnabled == false,
        IsDeleted = deleted,
        ResolvedAt = now,
    };
}
