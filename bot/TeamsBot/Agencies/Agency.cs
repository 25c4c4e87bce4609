using System.Text.Json.Serialization;

namespace TeamsBot.Agencies;

/// <summary>A federal agency (or sub-agency) in the registry: how its people are recognised and what it is entitled to.</summary>
public sealed record Agency
{
    /// <summary>The agency id users of no agency get.</summary>
    public const string UnassignedId = "unassigned";

    /// <summary>Stable id, lower-case (e.g. <c>gsa</c>).</summary>
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string? Acronym { get; init; }
    /// <summary>Entra tenants that belong to this agency alone (tenant rule).</summary>
    public IReadOnlyList<string> TenantIds { get; init; } = [];
    /// <summary>Mail/UPN domains; subdomains match too (<c>afrl.af.mil</c> matches <c>x@rl.afrl.af.mil</c>).</summary>
    public IReadOnlyList<string> EmailDomains { get; init; } = [];
    /// <summary>Graph <c>companyName</c> values (case-insensitive) that mean this agency.</summary>
    public IReadOnlyList<string> CompanyNames { get; init; } = [];
    /// <summary>Graph <c>department</c> values that mean this agency.</summary>
    public IReadOnlyList<string> Departments { get; init; } = [];
    /// <summary>Graph <c>employeeOrgData.division</c> values that mean this agency.</summary>
    public IReadOnlyList<string> Divisions { get; init; } = [];
    /// <summary>Entra groups whose (transitive) members belong to this agency (group rule).</summary>
    public IReadOnlyList<string> MemberGroupIds { get; init; } = [];
    /// <summary>Entra groups whose (transitive) members coach this agency.</summary>
    public IReadOnlyList<string> CoachGroupIds { get; init; } = [];
    /// <summary>Entra object ids of people who coach this agency (besides the groups).</summary>
    public IReadOnlyList<string> CoachUserIds { get; init; } = [];
    /// <summary>Entra groups whose (transitive) members administer this agency.</summary>
    public IReadOnlyList<string> AdminGroupIds { get; init; } = [];
    /// <summary>Entra object ids of people who administer this agency (besides the groups).</summary>
    public IReadOnlyList<string> AdminUserIds { get; init; } = [];
    /// <summary>Time-boxed features, e.g. <c>deep-research</c>, <c>advanced-voice</c>.</summary>
    public IReadOnlyList<EntitlementWindow> Entitlements { get; init; } = [];
    /// <summary>The agency's rules for the assistant, added to the system prompt of its users' questions (set by admins).</summary>
    public string? PromptRules { get; init; }
    /// <summary>Deep Research may search the public web besides the approved documents (Responses provider). Off unless an admin turns it on.</summary>
    public bool AllowWebResearch { get; init; }

    /// <summary>True when a window for <paramref name="feature"/> contains <paramref name="at"/> (start inclusive, end exclusive).</summary>
    public bool IsEntitled(string feature, DateTimeOffset at) =>
        Entitlements.Any(e => string.Equals(e.Feature, feature, StringComparison.OrdinalIgnoreCase) && e.Start <= at && at < e.End);
}

/// <summary>A feature granted to an agency between two instants.</summary>
public sealed record EntitlementWindow(
    [property: JsonPropertyName("feature")] string Feature,
    [property: JsonPropertyName("start")] DateTimeOffset Start,
    [property: JsonPropertyName("end")] DateTimeOffset End);

/// <summary>Names of the mapping rules (<c>Directory:Rules</c> order).</summary>
public static class AgencyRuleKind
{
    public const string Tenant = "Tenant";
    public const string Attribute = "Attribute";
    public const string Domain = "Domain";
    public const string Group = "Group";
    public const string None = "None";
    public static readonly IReadOnlyList<string> All = [Tenant, Attribute, Domain, Group];
}
