using System.Collections.Concurrent;

namespace TeamsBot.Agencies;

/// <summary>Which agencies a user coaches or administers, from the registry's <c>coachGroupIds</c>/<c>coachUserIds</c> and <c>adminGroupIds</c>/<c>adminUserIds</c>.</summary>
public interface IDirectoryRoles
{
    /// <summary>
    /// The user's coach and admin agencies by transitive group membership. Answers from memory for five minutes; never throws
    /// for a source failure (no roles then: fail closed).
    /// </summary>
    Task<DirectoryRoles> GetRolesAsync(UserKey user, CancellationToken cancellationToken);
}

/// <summary>Agency ids the user coaches and administers.</summary>
public sealed record DirectoryRoles(IReadOnlyList<string> CoachOf, IReadOnlyList<string> AdminOf)
{
    public static readonly DirectoryRoles None = new([], []);
    public bool IsCoach => CoachOf.Count > 0;
    public bool IsAdmin => AdminOf.Count > 0;
    public bool CanCoach(string agencyId) => CoachOf.Contains(agencyId, StringComparer.OrdinalIgnoreCase);
    public bool CanAdminister(string agencyId) => AdminOf.Contains(agencyId, StringComparer.OrdinalIgnoreCase);
}

internal sealed class AgencyDirectoryRoles(IDirectorySource source, IAgencySnapshotSource agencies, TimeProvider time, ILogger<AgencyDirectoryRoles> logger) : IDirectoryRoles
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private const int MaxEntries = 50_000;
    private readonly ConcurrentDictionary<string, (DirectoryRoles Roles, DateTimeOffset At)> _recent = new(StringComparer.OrdinalIgnoreCase);

    public async Task<DirectoryRoles> GetRolesAsync(UserKey user, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(user.AadObjectId)) return DirectoryRoles.None;
        var now = time.GetUtcNow();
        if (_recent.TryGetValue(user.AadObjectId, out var hit) && now - hit.At < Lifetime) return hit.Roles;
        var snapshot = await agencies.GetSnapshotAsync(cancellationToken);
        // People named directly need no directory lookup.
        var coachByName = snapshot.Agencies.Where(a => a.CoachUserIds.Contains(user.AadObjectId, StringComparer.OrdinalIgnoreCase)).Select(a => a.Id);
        var adminByName = snapshot.Agencies.Where(a => a.AdminUserIds.Contains(user.AadObjectId, StringComparer.OrdinalIgnoreCase)).Select(a => a.Id);
        var coachGroups = snapshot.Agencies.SelectMany(a => a.CoachGroupIds.Select(g => (Group: g, Agency: a.Id))).ToLookup(x => x.Group, x => x.Agency, StringComparer.OrdinalIgnoreCase);
        var adminGroups = snapshot.Agencies.SelectMany(a => a.AdminGroupIds.Select(g => (Group: g, Agency: a.Id))).ToLookup(x => x.Group, x => x.Agency, StringComparer.OrdinalIgnoreCase);
        if (coachGroups.Count == 0 && adminGroups.Count == 0)
            return Remember(user, Of(coachByName, adminByName), now);
        try
        {
            var tenant = string.IsNullOrWhiteSpace(user.TenantId) ? source.DefaultTenantId ?? "" : user.TenantId;
            var groups = (await source.GetGroupIdsAsync(tenant, [user.AadObjectId], cancellationToken)).GetValueOrDefault(user.AadObjectId) ?? new HashSet<string>();
            return Remember(user, Of(groups.SelectMany(g => coachGroups[g]).Concat(coachByName), groups.SelectMany(g => adminGroups[g]).Concat(adminByName)), now);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Fail closed for the groups; people named directly keep their roles.
            logger.LogWarning("Role lookup of user {ObjectId} failed ({Error}); only directly named roles granted", user.AadObjectId, e.GetType().Name);
            return Of(coachByName, adminByName);
        }
    }

    private static DirectoryRoles Of(IEnumerable<string> coachOf, IEnumerable<string> adminOf)
    {
        var coach = coachOf.Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        var admin = adminOf.Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        return coach.Count == 0 && admin.Count == 0 ? DirectoryRoles.None : new DirectoryRoles(coach, admin);
    }

    private DirectoryRoles Remember(UserKey user, DirectoryRoles roles, DateTimeOffset now)
    {
        if (_recent.Count >= MaxEntries) _recent.Clear();
        _recent[user.AadObjectId] = (roles, now);
        return roles;
    }
}
