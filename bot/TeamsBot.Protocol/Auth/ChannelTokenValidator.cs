using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Protocol.Auth;

public enum AuthOutcome
{
    Authenticated,
    /// <summary>Local development mode: loopback, no app id, not Production.</summary>
    LocalDevelopment,
    Unauthorized,
    Forbidden,
}

public sealed record AuthResult(AuthOutcome Outcome, string? Reason = null)
{
    public bool Succeeded => Outcome is AuthOutcome.Authenticated or AuthOutcome.LocalDevelopment;
}

/// <summary>
/// Validates the channel's bearer token on an inbound activity per the Bot Framework authentication spec:
/// RS256/384/512 signature by a key from the cloud's JWKS, issuer, audience = app id, lifetime (5 min skew),
/// <c>serviceurl</c> claim = activity.serviceUrl, and the key endorsing the activity's channel (403 if not).
/// Reasons are for logs only; callers never return them to the client.
/// </summary>
public sealed class ChannelTokenValidator
{
    private static readonly string[] Algorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512];
    private readonly BotOptions _options;
    private readonly BotCloud _cloud;
    private readonly OpenIdKeyStore _keys;
    private readonly TimeProvider _time;
    private readonly string[] _audiences;
    private readonly JsonWebTokenHandler _handler = new() { MaximumTokenSizeInBytes = 16 * 1024 };

    public ChannelTokenValidator(IOptions<BotOptions> options, IHttpClientFactory httpFactory, TimeProvider time, ILogger<ChannelTokenValidator> logger)
    {
        _options = options.Value;
        _cloud = _options.ResolveCloud();
        _audiences = _options.LocalDevelopment ? [] : Audiences(_options.AppId!);
        _time = time;
        _keys = new OpenIdKeyStore(httpFactory.CreateClient(nameof(OpenIdKeyStore)), _cloud.OpenIdMetadataUrl, time, logger);
    }

    /// <param name="forwarded">The request came through a proxy or tunnel (Forwarded / X-Forwarded-* headers): in local
    /// development mode such a caller is not local, whatever its socket address.</param>
    public async Task<AuthResult> ValidateAsync(string? authorizationHeader, Activity activity, IPAddress? remoteAddress, CancellationToken cancellationToken, bool forwarded = false)
    {
        if (_options.LocalDevelopment)
        {
            return remoteAddress is not null && IPAddress.IsLoopback(remoteAddress) && !forwarded
                ? new AuthResult(AuthOutcome.LocalDevelopment)
                : new AuthResult(AuthOutcome.Unauthorized, "local development mode accepts direct loopback callers only");
        }
        if (authorizationHeader is null || !authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Fail("missing bearer token");
        var token = authorizationHeader["Bearer ".Length..].Trim();
        if (!_handler.CanReadToken(token)) return Fail("malformed token");

        JsonWebToken jwt;
        try { jwt = _handler.ReadJsonWebToken(token); }
        catch (ArgumentException) { return Fail("malformed token"); }

        if (!Algorithms.Contains(jwt.Alg)) return Fail("algorithm not allowed");
        var key = await _keys.GetKeyAsync(jwt.Kid, cancellationToken).ConfigureAwait(false);
        if (key is null) return Fail("unknown signing key");

        var parameters = new TokenValidationParameters
        {
            ValidIssuer = _cloud.Issuer,
            ValidAudiences = _audiences,
            IssuerSigningKey = key.Key,
            ValidAlgorithms = Algorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromMinutes(5),
            LifetimeValidator = ValidateLifetime,
            TryAllIssuerSigningKeys = false,
        };
        var result = await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        if (!result.IsValid) return Fail(result.Exception?.GetType().Name ?? "invalid token");

        var serviceUrlClaim = result.Claims.TryGetValue("serviceurl", out var s) ? s as string : null;
        if (string.IsNullOrEmpty(serviceUrlClaim) || !string.Equals(serviceUrlClaim.TrimEnd('/'), activity.ServiceUrl?.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            return Fail("serviceurl claim does not match the activity");

        if (string.IsNullOrEmpty(activity.ChannelId) || !key.Endorsements.Contains(activity.ChannelId))
            return new AuthResult(AuthOutcome.Forbidden, "signing key does not endorse the channel");

        if (_options.AllowedTenants.Count > 0 && !_options.AllowedTenants.Contains(activity.TenantId ?? "", StringComparer.OrdinalIgnoreCase))
            return new AuthResult(AuthOutcome.Forbidden, "tenant not allowed");

        return new AuthResult(AuthOutcome.Authenticated);
    }

    /// <summary>The app id as configured and in canonical GUID form (audience matching is case-sensitive), and api://{id}.</summary>
    internal static string[] Audiences(string appId)
    {
        var forms = new List<string> { appId.Trim() };
        if (Guid.TryParse(appId, out var id)) forms.AddRange([id.ToString("D"), $"api://{id:D}"]);
        return [.. forms.Distinct(StringComparer.Ordinal)];
    }

    // Lifetime against the injected clock (so tests can move time) with the spec's 5 minutes of skew.
    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters p)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (expires is null) return false;
        if (notBefore is { } nbf && nbf > now + p.ClockSkew) return false;
        return expires.Value.ToUniversalTime() >= now - p.ClockSkew;
    }

    private static AuthResult Fail(string reason) => new(AuthOutcome.Unauthorized, reason);
}
