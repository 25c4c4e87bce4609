using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TeamsBot.Testing;

/// <summary>
/// A Microsoft Entra ID tenant on 127.0.0.1 as an API sees it: v2.0 OpenID metadata at
/// <c>{Authority}/.well-known/openid-configuration</c>, a JWKS, and access tokens with app roles in <c>roles</c>.
/// </summary>
public sealed class FakeEntraIssuer : IAsyncDisposable
{
    public const string TenantId = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
    public const string ApiClientId = "4b7e2c1a-9d3f-4e8a-b6c5-0f1e2d3c4b5a";
    public const string ApiAudience = "api://" + ApiClientId;

    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "entra-key-1" };
    private readonly RsaSecurityKey _stranger = new(RSA.Create(2048)) { KeyId = "entra-key-unknown" };
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private LocalServer? _server;

    /// <summary>e.g. <c>http://127.0.0.1:5123/{tenant}/v2.0</c>: what <c>Api:Authority</c> is set to.</summary>
    public string Authority => $"{_server!.BaseUrl}/{TenantId}/v2.0";

    public int MetadataFetches { get; private set; }

    public static async Task<FakeEntraIssuer> StartAsync()
    {
        var fake = new FakeEntraIssuer();
        fake._server = await LocalServer.StartAsync(app =>
        {
            app.MapGet($"/{TenantId}/v2.0/.well-known/openid-configuration", () =>
            {
                fake.MetadataFetches++;
                return Results.Json(new
                {
                    issuer = fake.Authority,
                    authorization_endpoint = $"{fake.Authority}/oauth2/v2.0/authorize",
                    token_endpoint = $"{fake._server!.BaseUrl}/{TenantId}/oauth2/v2.0/token",
                    jwks_uri = $"{fake._server.BaseUrl}/{TenantId}/discovery/v2.0/keys",
                    id_token_signing_alg_values_supported = new[] { "RS256" },
                    response_types_supported = new[] { "code", "id_token" },
                    subject_types_supported = new[] { "pairwise" },
                });
            });
            app.MapGet($"/{TenantId}/discovery/v2.0/keys", () =>
            {
                var p = fake._key.Rsa.ExportParameters(false);
                return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", kid = fake._key.KeyId, n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) } } });
            });
        });
        return fake;
    }

    /// <summary>An access token for the API as Entra issues it (v2: <c>aud</c> = client id), with these app roles.</summary>
    public string CreateToken(params string[] roles) => CreateToken(new EntraTokenSpec { Roles = roles });

    public string CreateToken(EntraTokenSpec spec)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["tid"] = TenantId,
            ["oid"] = spec.ObjectId,
            ["name"] = spec.Name,
            ["ver"] = "2.0",
        };
        if (!spec.IdToken) claims["azp"] = spec.ClientAppId; // access tokens name the client they were issued to
        if (spec.Roles.Count > 0) claims["roles"] = spec.Roles.ToArray();
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = spec.Issuer ?? Authority,
            Audience = spec.Audience ?? ApiClientId,
            IssuedAt = now.AddMinutes(-10),
            NotBefore = now.AddMinutes(-10),
            Expires = now + spec.ExpiresIn,
            Claims = claims,
            Subject = new ClaimsIdentity(),
            SigningCredentials = new SigningCredentials(spec.SignWithUnknownKey ? _stranger : _key, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>What an Entra access token should look like; the defaults are a valid token for the fake API.</summary>
public sealed record EntraTokenSpec
{
    public IReadOnlyList<string> Roles { get; init; } = [];
    public string? Audience { get; init; }
    public string? Issuer { get; init; }
    public TimeSpan ExpiresIn { get; init; } = TimeSpan.FromHours(1);
    public bool SignWithUnknownKey { get; init; }
    public string ObjectId { get; init; } = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
    public string Name { get; init; } = "Casey Coach";
    /// <summary>The calling client (a script's or tool's app registration).</summary>
    public string ClientAppId { get; init; } = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
    /// <summary>Shape it as an ID token (no <c>azp</c>): what a tab's sign-in yields, not an API access token.</summary>
    public bool IdToken { get; init; }
}
