using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TeamsBot.Testing;

/// <summary>An OAuth 2.0 token endpoint (client credentials) on 127.0.0.1 that hands out opaque bearer tokens.</summary>
public sealed class FakeTokenEndpoint : IAsyncDisposable
{
    private readonly ConcurrentQueue<IReadOnlyDictionary<string, string>> _requests = new();
    private LocalServer? _server;
    private int _issued;

    public string TokenUrl => _server!.BaseUrl + "/botframework.com/oauth2/v2.0/token";

    /// <summary>Form fields of each token request (grant_type, client_id, scope, client_secret or client_assertion…).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Requests => [.. _requests];

    public string LastToken => $"fake-connector-token-{_issued}";

    public int ExpiresInSeconds { get; set; } = 3600;

    public static async Task<FakeTokenEndpoint> StartAsync()
    {
        var fake = new FakeTokenEndpoint();
        fake._server = await LocalServer.StartAsync(app => app.MapPost("/{tenant}/oauth2/v2.0/token", async (HttpContext http) =>
        {
            var form = await http.Request.ReadFormAsync();
            fake._requests.Enqueue(form.ToDictionary(f => f.Key, f => f.Value.ToString()));
            var n = Interlocked.Increment(ref fake._issued);
            return Results.Json(new
            {
                token_type = "Bearer",
                expires_in = fake.ExpiresInSeconds,
                ext_expires_in = fake.ExpiresInSeconds,
                access_token = $"fake-connector-token-{n}",
            });
        }));
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
