using System.Text.Json;
using System.Text.Json.Nodes;
using TeamsBot.Security;

namespace TeamsBot.Agencies;

/// <summary>
/// <c>/api/agencies</c>: coaches list the agencies (to target audiences); admins read, create, replace and remove an
/// agency's record and grant feature windows (the 60 extra days of Deep Research). Changes reach every replica within a minute.
/// </summary>
public static class AgenciesApi
{
    /// <summary>What a coach sees of an agency: no group or user ids.</summary>
    public sealed record AgencySummary(string Id, string Name, string? Acronym, IReadOnlyList<EntitlementSummary> Entitlements);

    public sealed record EntitlementSummary(string Feature, DateTimeOffset Start, DateTimeOffset End, bool Active);

    /// <summary>Body of <c>PUT /api/agencies/{id}/entitlements/{feature}</c>.</summary>
    public sealed record EntitlementBody(DateTimeOffset Start, DateTimeOffset End);

    public static IEndpointRouteBuilder MapAgenciesApi(this IEndpointRouteBuilder endpoints)
    {
        var coaches = endpoints.MapApiGroup("/api/agencies", ApiPolicies.Coach);
        coaches.MapGet("/", ListAsync);

        var admins = endpoints.MapApiGroup("/api/agencies", ApiPolicies.Admin);
        admins.MapGet("/{id}", GetAsync);
        admins.MapPut("/{id}", PutAsync);
        admins.MapDelete("/{id}", DeleteAsync);
        admins.MapPut("/{id}/entitlements/{feature}", PutEntitlementAsync);
        return endpoints;
    }

    private static async Task<IResult> ListAsync(IAgencyRegistry registry, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var agencies = await registry.ListAsync(cancellationToken);
        return Results.Json(agencies.Select(a => new AgencySummary(a.Id, a.Name, a.Acronym,
            a.Entitlements.Select(e => new EntitlementSummary(e.Feature, e.Start, e.End, e.Start <= now && now < e.End)).ToList())), ApiRoutes.Json);
    }

    private static async Task<IResult> GetAsync(string id, IAgencyRegistry registry, CancellationToken cancellationToken) =>
        await registry.FindAsync(id.ToLowerInvariant(), cancellationToken) is { } agency
            ? Results.Json(agency, ApiRoutes.Json)
            : NotFound(id);

    /// <summary>Creates or replaces the whole record; the id in the URL wins (it may be left out of the body).</summary>
    private static async Task<IResult> PutAsync(string id, HttpRequest request, IAgencyRegistry registry, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiRoutes.ReadJsonAsync<JsonObject>(request, cancellationToken);
        if (problem is not null) return problem;
        if (body!["id"] is JsonValue given && given.TryGetValue<string>(out var bodyId) && !string.Equals(bodyId, id, StringComparison.OrdinalIgnoreCase))
            return ApiRoutes.Invalid([("id", $"The body's id '{bodyId}' is not the id in the URL ('{id}').")]);
        body["id"] = id;
        Agency agency;
        try
        {
            agency = body.Deserialize<Agency>(ApiRoutes.Json)!;
        }
        catch (JsonException e)
        {
            return ApiRoutes.Invalid(e);
        }
        var problems = AgencyJson.Problems(agency).ToList();
        if (problems.Count > 0) return ApiRoutes.Invalid(problems);
        var existed = await registry.FindAsync(agency.Id.ToLowerInvariant(), cancellationToken) is not null;
        await registry.UpsertAsync(agency, cancellationToken);
        var saved = await registry.FindAsync(agency.Id.ToLowerInvariant(), cancellationToken);
        return existed ? Results.Json(saved, ApiRoutes.Json) : Results.Json(saved, ApiRoutes.Json, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> DeleteAsync(string id, IAgencyRegistry registry, CancellationToken cancellationToken) =>
        await registry.RemoveAsync(id, cancellationToken) ? Results.NoContent() : NotFound(id);

    private static async Task<IResult> PutEntitlementAsync(string id, string feature, HttpRequest request, IAgencyRegistry registry, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiRoutes.ReadJsonAsync<EntitlementBody>(request, cancellationToken);
        if (problem is not null) return problem;
        var problems = new List<(string, string)>();
        if (feature.Length is 0 or > 64 || feature.Any(char.IsWhiteSpace)) problems.Add(("feature", "A feature name is 1-64 characters without spaces (e.g. deep-research)."));
        if (body!.End <= body.Start) problems.Add(("end", "The window must end after it starts."));
        if (problems.Count > 0) return ApiRoutes.Invalid(problems);
        if (await registry.FindAsync(id.ToLowerInvariant(), cancellationToken) is null) return NotFound(id);
        await registry.SetEntitlementAsync(id.ToLowerInvariant(), new EntitlementWindow(feature, body.Start, body.End), cancellationToken);
        return Results.Json(await registry.FindAsync(id.ToLowerInvariant(), cancellationToken), ApiRoutes.Json);
    }

    private static IResult NotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such agency.", detail: $"There is no agency '{id}' in the registry.");
}
