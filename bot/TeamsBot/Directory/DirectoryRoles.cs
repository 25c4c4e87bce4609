using System.Collections.Concurrent;

namespace TeamsBot.Agencies;

/// <summary>Which agencies a user coaches or administers, from the registry's <c>coachGroupIds</c> / <c>adminGroupIds</c>.</summary>
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
        var coachGroups = snapshot.Agencies.SelectMany(a => a.CoachGroupIds.Select(g => (Group: g, Agency: a.Id))).ToLookup(x => x.Group, x => x.Agency, StringComparer.OrdinalIgnoreCase);
        var adminGroups = snapshot.Agencies.SelectMany(a => a.AdminGroupIds.Select(g => (Group: g, Agency: a.Id))).ToLookup(x => x.Group, x => x.Agency, StringComparer.OrdinalIgnoreCase);
        if (coachGroups.Count == 0 && adminGroups.Count == 0) return DirectoryRoles.None;
        try
        {
            var tenant = string.IsNullOrWhiteSpace(user.TenantId) ? source.DefaultTenantId ?? "" : user.TenantId;
            var groups = (await source.GetGroupIdsAsync(tenant, [user.AadObjectId], cancellationToken)).GetValueOrDefault(user.AadObjectId) ?? new HashSet<string>();
            var roles = new DirectoryRoles(
                groups.SelectMany(g => coachGroups[g]).Distinct().Order().ToList(),
                groups.SelectMany(g => adminGroups[g]).Distinct().Order().ToList());
            if (_recent.Count >= MaxEntries) _recent.Clear();
            _recent[user.AadObjectId] = (roles, now);
            return roles;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Role lookup of user {ObjectId} failed ({Error}); no roles granted", user.AadObjectId, e.GetType().Name);
            return DirectoryRoles.None;
        }
    }
}
