using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TeamsBot.Testing;

/// <summary>One token request the managed identity endpoint answered.</summary>
public sealed record ManagedIdentityRequest(string Resource, string? ClientId, string ApiVersion, string IssuedToken);

/// <summary>
/// The managed identity endpoint of App Service and Container Apps on 127.0.0.1, as MSAL and Azure.Identity call it when
/// <c>IDENTITY_ENDPOINT</c> and <c>IDENTITY_HEADER</c> are set: <c>GET ?api-version=2019-08-01&amp;resource=…&amp;client_id=…</c>
/// with header <c>X-IDENTITY-HEADER</c>, answered with <c>{access_token, expires_on, resource, token_type, client_id}</c>.
/// The variables are process-wide: give them to a bot process (<see cref="RunningBot"/>) via <see cref="Environment"/>.
/// </summary>
public sealed class FakeManagedIdentity : IAsyncDisposable
{
    public const string Header = "fake-identity-header-secret";
    private readonly ConcurrentQueue<ManagedIdentityRequest> _requests = new();
    private LocalServer? _server;
    private int _issued;

    public string Endpoint => _server!.BaseUrl + "/msi/token";

    /// <summary>Answered token requests, in order.</summary>
    public IReadOnlyList<ManagedIdentityRequest> Requests => [.. _requests];

    /// <summary>Requests refused because the identity header was missing or wrong.</summary>
    public int Refused => _refused;
    private int _refused;

    /// <summary>The environment that points MSAL and Azure.Identity at this endpoint.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["IDENTITY_ENDPOINT"] = Endpoint,
        ["IDENTITY_HEADER"] = Header,
    };

    public static async Task<FakeManagedIdentity> StartAsync()
    {
        var fake = new FakeManagedIdentity();
        fake._server = await LocalServer.StartAsync(app => app.MapGet("/msi/token", (HttpContext http) =>
        {
            var query = http.Request.Query;
            if (http.Request.Headers["X-IDENTITY-HEADER"] != Header)
            {
                Interlocked.Increment(ref fake._refused);
                return Results.Json(new { error = "invalid_request", error_description = "X-IDENTITY-HEADER missing or wrong" }, statusCode: 400);
            }
            string resource = query["resource"].ToString();
            if (resource.Length == 0) return Results.Json(new { error = "invalid_request", error_description = "resource missing" }, statusCode: 400);
            var clientId = query["client_id"].Count > 0 ? query["client_id"].ToString() : null;
            var token = $"fake-msi-token-{Interlocked.Increment(ref fake._issued)}";
            fake._requests.Enqueue(new ManagedIdentityRequest(resource, clientId, query["api-version"].ToString(), token));
            return Results.Json(new
            {
                access_token = token,
                expires_on = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                resource,
                token_type = "Bearer",
                client_id = clientId ?? "system-assigned-client-id",
            });
        }));
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
