using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Security;

/// <summary>Route groups of the automation APIs, and their RFC 7807 errors.</summary>
public static class ApiRoutes
{
    /// <summary>
    /// A slice's API group under <paramref name="prefix"/> (e.g. <c>/api/agencies</c>) requiring <paramref name="policy"/>.
    /// While <c>Api:Authority</c> is empty the group is built but never served, so its routes answer 404.
    /// </summary>
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder endpoints, string prefix, string policy)
    {
        if (!prefix.StartsWith("/api/", StringComparison.Ordinal)) throw new ArgumentException("API routes live under /api/.", nameof(prefix));
        var api = endpoints.ServiceProvider.GetRequiredService<IOptions<ApiOptions>>().Value;
        if (!api.Enabled) return new DetachedEndpoints(endpoints.ServiceProvider).MapGroup(prefix);
        return endpoints.MapGroup(prefix).RequireAuthorization(policy);
    }

    /// <summary>JSON conventions of the APIs: camelCase, enums as strings, <c>required</c> and non-nullable members enforced.</summary>
    public static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            MaxDepth = 32,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Reads a JSON body into <typeparamref name="T"/>; a body that does not fit gets a problem naming the field.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken) where T : class
    {
        if (!request.HasJsonContentType())
            return (null, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The body must be JSON (Content-Type: application/json)."));
        try
        {
            var value = await request.ReadFromJsonAsync<T>(Json, cancellationToken);
            return value is null ? (null, Invalid([("$", "A JSON object is required.")])) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, Invalid(e));
        }
    }

    /// <summary>400 with <c>errors: {field: [message]}</c> (RFC 7807 validation problem).</summary>
    public static IResult Invalid(IEnumerable<(string Field, string Message)> problems) =>
        Results.ValidationProblem(
            problems.GroupBy(p => p.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray(), StringComparer.Ordinal),
            title: "The request is not valid.");

    /// <summary>400 naming the fields a JSON body got wrong (never their values).</summary>
    public static IResult Invalid(JsonException e)
    {
        var fields = InvokeBinding.BadFields(e);
        return Invalid(fields.Count == 0
            ? [("$", "The body is not valid JSON of the expected shape.")]
            : fields.Select(f => (f.Field, f.Missing ? "This field is required." : "This field is missing or has the wrong type.")));
    }

    /// <summary>Endpoints mapped here are never added to the app: the routes of switched-off APIs.</summary>
    private sealed class DetachedEndpoints(IServiceProvider services) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider { get; } = services;
        public ICollection<EndpointDataSource> DataSources { get; } = [];
        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(ServiceProvider);
    }
}

/// <summary><c>GET /api/me</c>: who the token says the caller is and which roles it holds (any valid API token).</summary>
public static class CallerApi
{
    public sealed record Caller(string? Name, string? ObjectId, string? TenantId, IReadOnlyList<string> Roles);

    public static IEndpointRouteBuilder MapCallerApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapApiGroup("/api/me", ApiPolicies.Caller).MapGet("/", (HttpContext http) => Results.Json(new Caller(
            http.User.FindFirst("name")?.Value, http.User.FindFirst("oid")?.Value, http.User.FindFirst("tid")?.Value,
            http.User.FindAll("roles").Select(r => r.Value).Where(r => r is Roles.Coach or Roles.Admin).ToList()), ApiRoutes.Json));
        return endpoints;
    }
}
