using System.Collections.Frozen;

namespace TeamsBot.Agencies;

/// <summary>Raw directory attributes of a user, as a source (Graph or file) returns them.</summary>
internal sealed record SourceUser
{
    public required string Id { get; init; }
    public string? TenantId { get; init; }
    public string? UserPrincipalName { get; init; }
    public string? Mail { get; init; }
    public string? DisplayName { get; init; }
    public string? CompanyName { get; init; }
    public string? Department { get; init; }
    public string? Division { get; init; }
    public string? UserType { get; init; }
    public bool? AccountEnabled { get; init; }
    public string? TimeZone { get; init; }
    /// <summary>Transitive group ids when the source already knows them (file); null = ask the source.</summary>
    public IReadOnlySet<string>? GroupIds { get; init; }

    public bool IsGuest =>
        string.Equals(UserType, "Guest", StringComparison.OrdinalIgnoreCase) ||
        UserPrincipalName?.Contains("#EXT#", StringComparison.OrdinalIgnoreCase) == true;
}

/// <summary>The outcome of the rules for one user: an agency and the rule that matched, or a request for group ids.</summary>
internal readonly record struct RuleOutcome(Agency? Agency, string MatchedBy, bool NeedsGroups)
{
    public static RuleOutcome Groups => new(null, AgencyRuleKind.None, true);
}

/// <summary>The registry indexed for the rules; rebuilt when the registry changes.</summary>
internal sealed class AgencySnapshot
{
    private static readonly StringComparer Ci = StringComparer.OrdinalIgnoreCase;

    public AgencySnapshot(IReadOnlyList<Agency> agencies)
    {
        Agencies = agencies;
        ById = agencies.ToFrozenDictionary(a => a.Id, Ci);
        ByTenant = Index(agencies, a => a.TenantIds);
        ByCompany = Index(agencies, a => a.CompanyNames);
        ByDepartment = Index(agencies, a => a.Departments);
        ByDivision = Index(agencies, a => a.Divisions);
        ByDomain = Index(agencies, a => a.EmailDomains);
        ByGroup = Index(agencies, a => a.MemberGroupIds);
    }

    public IReadOnlyList<Agency> Agencies { get; }
    public FrozenDictionary<string, Agency> ById { get; }
    public FrozenDictionary<string, Agency> ByTenant { get; }
    public FrozenDictionary<string, Agency> ByCompany { get; }
    public FrozenDictionary<string, Agency> ByDepartment { get; }
    public FrozenDictionary<string, Agency> ByDivision { get; }
    public FrozenDictionary<string, Agency> ByDomain { get; }
    public FrozenDictionary<string, Agency> ByGroup { get; }

    // First agency wins when two claim the same value (registry order).
    private static FrozenDictionary<string, Agency> Index(IEnumerable<Agency> agencies, Func<Agency, IEnumerable<string>> keys)
    {
        var d = new Dictionary<string, Agency>(Ci);
        foreach (var a in agencies)
            foreach (var k in keys(a))
                if (!string.IsNullOrWhiteSpace(k)) d.TryAdd(k.Trim(), a);
        return d.ToFrozenDictionary(Ci);
    }
}

/// <summary>
/// Maps a user to an agency with the configured rules, in order: Tenant (agencies on their own tenant; not for guests),
/// Attribute (companyName, department, employeeOrgData.division), Domain (mail, then a guest's home domain from a <c>#EXT#</c> UPN, then the UPN),
/// Group (transitive membership). No match = unassigned.
/// </summary>
internal sealed class AgencyRules(IReadOnlyList<string> order)
{
    public IReadOnlyList<string> Order { get; } = order;

    public RuleOutcome Map(SourceUser user, string tenantId, AgencySnapshot agencies, IReadOnlySet<string>? groupIds)
    {
        foreach (var rule in Order)
        {
            switch (rule)
            {
                case AgencyRuleKind.Tenant:
                    if (!user.IsGuest && agencies.ByTenant.TryGetValue(tenantId, out var byTenant))
                        return new(byTenant, rule, false);
                    break;
                case AgencyRuleKind.Attribute:
                    if ((Lookup(agencies.ByCompany, user.CompanyName) ?? Lookup(agencies.ByDepartment, user.Department) ?? Lookup(agencies.ByDivision, user.Division)) is { } byAttribute)
                        return new(byAttribute, rule, false);
                    break;
                case AgencyRuleKind.Domain:
                    if ((ByDomain(agencies, user.Mail) ?? ByDomain(agencies, GuestHomeAddress(user.UserPrincipalName)) ?? ByDomain(agencies, user.UserPrincipalName)) is { } byDomain)
                        return new(byDomain, rule, false);
                    break;
                case AgencyRuleKind.Group:
                    if (agencies.ByGroup.Count == 0) break;
                    var groups = groupIds ?? user.GroupIds;
                    if (groups is null) return RuleOutcome.Groups;
                    foreach (var g in groups)
                        if (agencies.ByGroup.TryGetValue(g, out var byGroup)) return new(byGroup, rule, false);
                    break;
            }
        }
        return new(null, AgencyRuleKind.None, false);
    }

    private static Agency? Lookup(FrozenDictionary<string, Agency> index, string? value) =>
        value is { Length: > 0 } v && index.TryGetValue(v.Trim(), out var a) ? a : null;

    /// <summary>Matches the address's domain and then each parent domain (<c>rl.afrl.af.mil</c>, <c>afrl.af.mil</c>, <c>af.mil</c>).</summary>
    internal static Agency? ByDomain(AgencySnapshot agencies, string? address)
    {
        if (address is null) return null;
        var at = address.LastIndexOf('@');
        if (at < 0 || at == address.Length - 1) return null;
        var domain = address[(at + 1)..].Trim().TrimEnd('.');
        while (domain.Length > 0)
        {
            if (agencies.ByDomain.TryGetValue(domain, out var a)) return a;
            var dot = domain.IndexOf('.');
            if (dot < 0) break;
            domain = domain[(dot + 1)..];
        }
        return null;
    }

    /// <summary><c>jane.doe_nasa.gov#EXT#@gsa.onmicrosoft.com</c> → <c>jane.doe@nasa.gov</c>.</summary>
    internal static string? GuestHomeAddress(string? upn)
    {
        if (upn is null) return null;
        var ext = upn.IndexOf("#EXT#", StringComparison.OrdinalIgnoreCase);
        if (ext <= 0) return null;
        var local = upn[..ext];
        var underscore = local.LastIndexOf('_');
        return underscore <= 0 ? null : string.Concat(local.AsSpan(0, underscore), "@", local.AsSpan(underscore + 1));
    }
}
