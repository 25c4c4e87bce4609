using System.Text.Json;
using System.Text.Json.Serialization;
using TeamsBot.Agencies;
using TeamsBot.Cards;

namespace TeamsBot.Broadcasts;

/// <summary>Body of <c>POST /api/campaigns</c> (and what the composer card produces).</summary>
public sealed record CampaignDefinition
{
    public string? Kind { get; init; }
    public string? Title { get; init; }
    public string? Body { get; init; }
    public string? ImageUrl { get; init; }
    public string? ImageAlt { get; init; }
    public IReadOnlyList<LinkDefinition>? Links { get; init; }
    public bool? Acknowledge { get; init; }
    public CampaignAudience? Audience { get; init; }
    public DateTimeOffset? SendAt { get; init; }
}

public sealed record LinkDefinition(string? Title, string? Url);

/// <summary>Who receives a campaign (<c>audience</c>).</summary>
public sealed record CampaignAudience
{
    /// <summary><c>tenant</c>, <c>agencies</c>, <c>groups</c>, <c>team</c> or <c>users</c>.</summary>
    public string? Type { get; init; }
    public string? TenantId { get; init; }
    public IReadOnlyList<string>? Agencies { get; init; }
    public IReadOnlyList<string>? Groups { get; init; }
    public string? TeamId { get; init; }
    public IReadOnlyList<string>? Users { get; init; }

    public static readonly string[] Types = ["tenant", "agencies", "groups", "team", "users"];

    public AudienceSpec ToSpec() => Type switch
    {
        "tenant" => AudienceSpec.Tenant(TenantId),
        "agencies" => AudienceSpec.Agencies([.. Agencies ?? []]) with { TenantId = TenantId },
        "groups" => AudienceSpec.Groups([.. Groups ?? []]) with { TenantId = TenantId },
        "team" => AudienceSpec.Team(TeamId!) with { TenantId = TenantId },
        "users" => AudienceSpec.Users(Users ?? [], TenantId),
        _ => throw new InvalidOperationException($"Unknown audience type '{Type}'."),
    };

    /// <summary>A short human description for cards ("Agencies: gsa, va").</summary>
    public string Describe() => Type switch
    {
        "tenant" => TenantId is null ? "Everyone in the organization" : $"Everyone in tenant {TenantId}",
        "agencies" => "Agencies: " + Shorten(Agencies),
        "groups" => "Entra groups: " + Shorten(Groups),
        "team" => $"Members of team {TeamId}",
        "users" => $"A list of {Users?.Count ?? 0} people",
        _ => "",
    };

    private static string Shorten(IReadOnlyList<string>? ids)
    {
        var list = ids ?? [];
        var text = string.Join(", ", list.Take(5));
        return list.Count > 5 ? $"{text} and {list.Count - 5} more" : text;
    }
}

internal static class CampaignValidation
{
    private const int MaxTitle = 200, MaxBody = 4000, MaxAlt = 300, MaxLinkTitle = 80, MaxIdsPerList = 500;

    /// <summary>Every problem of a definition, by API field name; none means it can be stored.</summary>
    public static List<(string Field, string Message)> Problems(CampaignDefinition d, BroadcastsOptions options, DateTimeOffset now)
    {
        var problems = new List<(string, string)>();
        if (d.Kind is null || !CampaignKinds.All.Contains(d.Kind))
            problems.Add(("kind", "Choose announcement, nudge or invite."));
        if (string.IsNullOrWhiteSpace(d.Title)) problems.Add(("title", "A title is required."));
        else if (d.Title.Length > MaxTitle) problems.Add(("title", $"At most {MaxTitle} characters."));
        if (string.IsNullOrWhiteSpace(d.Body)) problems.Add(("body", "A message is required."));
        else if (d.Body.Length > MaxBody) problems.Add(("body", $"At most {MaxBody} characters."));
        if (!string.IsNullOrWhiteSpace(d.ImageUrl))
        {
            if (!CardText.IsHttps(d.ImageUrl)) problems.Add(("imageUrl", "The image must be an https:// address."));
            if (string.IsNullOrWhiteSpace(d.ImageAlt)) problems.Add(("imageAlt", "Describe the image for people who cannot see it (alt text)."));
            else if (d.ImageAlt.Length > MaxAlt) problems.Add(("imageAlt", $"At most {MaxAlt} characters."));
        }
        var links = d.Links ?? [];
        if (links.Count > AnnouncementCardData.MaxLinks) problems.Add(("links", $"At most {AnnouncementCardData.MaxLinks} links."));
        for (var i = 0; i < links.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(links[i].Title) || links[i].Title!.Length > MaxLinkTitle)
                problems.Add(($"links[{i}].title", $"A link needs a title of 1-{MaxLinkTitle} characters."));
            if (!CardText.IsHttps(links[i].Url)) problems.Add(($"links[{i}].url", "A link must be an https:// address."));
        }
        if (d.SendAt is { } at && at < now - TimeSpan.FromMinutes(1)) problems.Add(("sendAt", "This time has passed; leave it out to send now."));
        if (d.SendAt is { } far && far > now.AddYears(1)) problems.Add(("sendAt", "At most one year ahead."));
        problems.AddRange(AudienceProblems(d.Audience, options));
        return problems;
    }

    private static IEnumerable<(string, string)> AudienceProblems(CampaignAudience? a, BroadcastsOptions options)
    {
        if (a is null)
        {
            yield return ("audience", "An audience is required.");
            yield break;
        }
        if (a.Type is null || !CampaignAudience.Types.Contains(a.Type))
        {
            yield return ("audience.type", "Choose tenant, agencies, groups, team or users.");
            yield break;
        }
        if (a.TenantId is { } tenant && !Guid.TryParse(tenant, out _)) yield return ("audience.tenantId", "A tenant id is a GUID.");
        switch (a.Type)
        {
            case "agencies" when (a.Agencies ?? []).Count == 0 || a.Agencies!.Any(string.IsNullOrWhiteSpace):
                yield return ("audience.agencies", "Name at least one agency id.");
                break;
            case "groups" when (a.Groups ?? []).Count == 0 || a.Groups!.Any(g => !Guid.TryParse(g, out _)):
                yield return ("audience.groups", "Name at least one group, by its object id (a GUID).");
                break;
            case "team" when string.IsNullOrWhiteSpace(a.TeamId) || !Guid.TryParse(a.TeamId, out _):
                yield return ("audience.teamId", "Name the team by its Microsoft 365 group id (a GUID).");
                break;
            case "users" when (a.Users ?? []).Count == 0 || a.Users!.Any(string.IsNullOrWhiteSpace):
                yield return ("audience.users", "List at least one person (UPN or Entra object id).");
                break;
            case "users" when a.Users!.Count > options.MaxListedUsers:
                yield return ("audience.users", $"At most {options.MaxListedUsers} people in a list; use a group for more.");
                break;
        }
        if ((a.Agencies?.Count ?? 0) > MaxIdsPerList || (a.Groups?.Count ?? 0) > MaxIdsPerList)
            yield return ("audience", $"At most {MaxIdsPerList} agencies or groups.");
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
}
