using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TeamsBot.Testing;

/// <summary>What a test token should look like; defaults are a valid Teams channel token.</summary>
public sealed record ChannelTokenSpec
{
    public string Issuer { get; init; } = "https://api.botframework.com";
    public required string Audience { get; init; }
    public required string ServiceUrl { get; init; }
    public bool IncludeServiceUrl { get; init; } = true;
    public TimeSpan ExpiresIn { get; init; } = TimeSpan.FromMinutes(60);
    public TimeSpan NotBeforeOffset { get; init; } = TimeSpan.FromMinutes(-5);
    public string Algorithm { get; init; } = SecurityAlgorithms.RsaSha256;
    /// <summary>Sign with a key that is not in the JWKS.</summary>
    public bool SignWithUnknownKey { get; init; }
    /// <summary>Sign with the key that endorses no channel.</summary>
    public bool SignWithUnendorsedKey { get; init; }
    public DateTimeOffset? Now { get; init; }
}

/// <summary>
/// The channel service's identity: OpenID metadata and a JWKS (keys with <c>endorsements</c>) on 127.0.0.1, and a
/// signer of Bot Framework channel tokens for valid and invalid cases.
/// </summary>
public sealed class FakeChannelIssuer : IAsyncDisposable
{
    private readonly RsaSecurityKey _endorsed = NewKey("channel-key-1");
    private readonly RsaSecurityKey _unendorsed = NewKey("channel-key-unendorsed");
    private readonly RsaSecurityKey _unknown = NewKey("channel-key-unknown");
    private readonly List<RsaSecurityKey> _extra = [];
    private readonly JsonWebTokenHandler _handler = new();
    private LocalServer? _server;
    private int _jwksFetches;

    public string MetadataUrl => _server!.BaseUrl + "/v1/.well-known/openidconfiguration";
    public int JwksFetches => _jwksFetches;

    public static async Task<FakeChannelIssuer> StartAsync()
    {
        var fake = new FakeChannelIssuer();
        fake._server = await LocalServer.StartAsync(app =>
        {
            app.MapGet("/v1/.well-known/openidconfiguration", (HttpContext http) => Results.Json(new
            {
                issuer = "https://api.botframework.com",
                authorization_endpoint = "https://invalid.botframework.com",
                jwks_uri = $"{fake._server!.BaseUrl}/v1/.well-known/keys",
                id_token_signing_alg_values_supported = new[] { "RS256" },
                token_endpoint_auth_methods_supported = new[] { "private_key_jwt" },
            }));
            app.MapGet("/v1/.well-known/keys", () =>
            {
                Interlocked.Increment(ref fake._jwksFetches);
                var keys = new List<object> { Jwk(fake._endorsed, ["msteams", "emulator"]), Jwk(fake._unendorsed, ["skype"]) };
                lock (fake._extra) keys.AddRange(fake._extra.Select(k => Jwk(k, ["msteams"])));
                return Results.Json(new { keys });
            });
        });
        return fake;
    }

    /// <summary>Publishes a new signing key (key rotation) and returns its kid.</summary>
    public string RotateKey()
    {
        var key = NewKey($"channel-key-{Guid.NewGuid():N}");
        lock (_extra) _extra.Add(key);
        return key.KeyId;
    }

    public string CreateToken(ChannelTokenSpec spec, string? kid = null)
    {
        var key = spec.SignWithUnknownKey ? _unknown
            : spec.SignWithUnendorsedKey ? _unendorsed
            : kid is null ? _endorsed
            : _extra.Single(k => k.KeyId == kid);
        var now = (spec.Now ?? DateTimeOffset.UtcNow).UtcDateTime;
        var claims = new Dictionary<string, object>();
        if (spec.IncludeServiceUrl) claims["serviceurl"] = spec.ServiceUrl;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = spec.Issuer,
            Audience = spec.Audience,
            IssuedAt = now + spec.NotBeforeOffset,
            NotBefore = now + spec.NotBeforeOffset,
            Expires = now + spec.ExpiresIn,
            Claims = claims,
            Subject = new ClaimsIdentity(),
            SigningCredentials = new SigningCredentials(key, spec.Algorithm),
        };
        _handler.SetDefaultTimesOnTokenCreation = false;
        return _handler.CreateToken(descriptor);
    }

    /// <summary>A token signed with HS256 using the public modulus as secret: the classic algorithm-confusion forgery.</summary>
    public string CreateSymmetricForgery(string audience, string serviceUrl)
    {
        var secret = new SymmetricSecurityKey(_endorsed.Rsa.ExportParameters(false).Modulus!) { KeyId = _endorsed.KeyId };
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://api.botframework.com",
            Audience = audience,
            Expires = DateTime.UtcNow.AddHours(1),
            Claims = new Dictionary<string, object> { ["serviceurl"] = serviceUrl },
            SigningCredentials = new SigningCredentials(secret, SecurityAlgorithms.HmacSha256),
        });
    }

    private static RsaSecurityKey NewKey(string kid) => new(RSA.Create(2048)) { KeyId = kid };

    private static object Jwk(RsaSecurityKey key, string[] endorsements)
    {
        var p = key.Rsa.ExportParameters(false);
        return new
        {
            kty = "RSA",
            use = "sig",
            kid = key.KeyId,
            n = Base64UrlEncoder.Encode(p.Modulus),
            e = Base64UrlEncoder.Encode(p.Exponent),
            endorsements,
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
