namespace TeamsBot.Agencies;

/// <summary>
/// "Which agency is this user in?" for every slice (answers, broadcasts, nudges, insights).
/// Never throws for an unknown, guest, disabled or deleted user: such users come back flagged, and users no rule maps
/// come back with <see cref="Agency.UnassignedId"/> (visible to admins).
/// </summary>
public interface IAgencyDirectory
{
    /// <summary>
    /// Resolves one Teams user (from the activity: <c>from.aadObjectId</c>, <c>conversation.tenantId</c>, optionally the UPN).
    /// Served from the database cache while fresh (<c>Directory:CacheTtl</c>), otherwise from the source (Graph or file).
    /// </summary>
    Task<DirectoryUser> ResolveAsync(UserKey user, CancellationToken cancellationToken);

    /// <summary>
    /// Streams the members of an audience, page by page: the whole audience is never held in memory. Agency audiences come
    /// from the database cache while the tenant's delta sync is fresh, otherwise from the source.
    /// Disabled accounts are skipped unless <see cref="AudienceSpec.IncludeDisabled"/>; guests are skipped unless
    /// <see cref="AudienceSpec.IncludeGuests"/>. A user in several of the named groups appears once (the ids already yielded
    /// are staged in the database, not in memory).
    /// In an explicit list, users the source no longer knows are yielded with <see cref="DirectoryUser.IsDeleted"/> so senders can
    /// account for them. Time zones come from the cache when the page has none (list pages carry no mailbox settings).
    /// </summary>
    IAsyncEnumerable<DirectoryUser> ResolveAudienceAsync(AudienceSpec spec, CancellationToken cancellationToken);
}

/// <summary>Identifies a Teams user: Entra object id (<c>aadObjectId</c>), tenant id, and the UPN when known.</summary>
public readonly record struct UserKey(string AadObjectId, string TenantId, string? UserPrincipalName = null)
{
    /// <summary>The sender of an activity (<c>from.aadObjectId</c> and the tenant); null when Teams did not say who.</summary>
    public static UserKey? Of(TeamsBot.Protocol.Activities.Activity activity) =>
        activity.From?.AadObjectId is { Length: > 0 } objectId && activity.TenantId is { Length: > 0 } tenant ? new UserKey(objectId, tenant) : null;
}

/// <summary>A resolved user. Carries ids and the attributes slices need; log only <see cref="ObjectId"/>.</summary>
public sealed record DirectoryUser
{
    public required string ObjectId { get; init; }
    public required string TenantId { get; init; }
    public string? UserPrincipalName { get; init; }
    public string? DisplayName { get; init; }
    /// <summary>Agency id from the registry, or <see cref="Agency.UnassignedId"/>.</summary>
    public required string AgencyId { get; init; }
    public string? Department { get; init; }
    /// <summary>Windows or IANA time zone id from the mailbox settings (Graph) or the file; null when unknown.</summary>
    public string? TimeZone { get; init; }
    /// <summary>External user (<c>userType: Guest</c> or a <c>#EXT#</c> UPN).</summary>
    public bool IsGuest { get; init; }
    /// <summary><c>accountEnabled: false</c>: do not message.</summary>
    public bool IsDisabled { get; init; }
    /// <summary>The source no longer knows the user (Graph 404 or delta <c>@removed</c>).</summary>
    public bool IsDeleted { get; init; }
    /// <summary>Which rule mapped the user: Tenant, Attribute, Domain, Group, or None.</summary>
    public string MatchedBy { get; init; } = AgencyRuleKind.None;
    public bool IsUnassigned => AgencyId == Agency.UnassignedId;
}

public enum AudienceKind
{
    /// <summary>Everyone in a tenant.</summary>
    Tenant,
    /// <summary>Everyone mapped to one of the agency ids.</summary>
    Agencies,
    /// <summary>Transitive members of Entra groups.</summary>
    Groups,
    /// <summary>Members of a team (the team's Microsoft 365 group id).</summary>
    Team,
    /// <summary>An explicit list of UPNs or object ids.</summary>
    Users,
}

/// <summary>Who an audience is. Build with the factory methods.</summary>
public sealed record AudienceSpec
{
    public required AudienceKind Kind { get; init; }
    /// <summary>Agency ids, group ids, the team's group id, or user UPNs/object ids, depending on <see cref="Kind"/>.</summary>
    public IReadOnlyList<string> Ids { get; init; } = [];
    /// <summary>The tenant to read from; null = the configured default (<c>Graph:TenantId</c> / the file's users).</summary>
    public string? TenantId { get; init; }
    public bool IncludeGuests { get; init; }
    public bool IncludeDisabled { get; init; }

    public static AudienceSpec Tenant(string? tenantId = null) => new() { Kind = AudienceKind.Tenant, TenantId = tenantId };
    public static AudienceSpec Agencies(params string[] agencyIds) => new() { Kind = AudienceKind.Agencies, Ids = agencyIds };
    public static AudienceSpec Groups(params string[] groupIds) => new() { Kind = AudienceKind.Groups, Ids = groupIds };
    public static AudienceSpec Team(string teamGroupId) => new() { Kind = AudienceKind.Team, Ids = [teamGroupId] };
    public static AudienceSpec Users(IEnumerable<string> upnsOrObjectIds, string? tenantId = null) =>
        new() { Kind = AudienceKind.Users, Ids = upnsOrObjectIds.ToArray(), TenantId = tenantId };
}
