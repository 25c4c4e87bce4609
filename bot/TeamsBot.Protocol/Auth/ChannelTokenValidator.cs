using System.Net;
using System.Security.Claims;
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
/// Validates the channel's bearer token on an inbound activity per the Bot Framework authentication spec, in two steps:
/// <see cref="ValidateTokenAsync"/> (RS256/384/512 signature by a key from the cloud's JWKS, issuer, audience = app id,
/// lifetime with 5 min skew) yields a principal carrying the <c>serviceurl</c> claim and the signing key's endorsements;
/// <see cref="CheckActivity"/> then holds them against the parsed activity (<c>serviceurl</c> = activity.serviceUrl, the key
/// endorses the activity's channel, tenant allowed). Reasons are for logs only; callers never return them to the client.
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

    /// <summary>
    /// Step 1, before the body is read: the token itself. Success carries a principal with the <c>serviceurl</c> claim and
    /// the key's <see cref="BotClaims.Endorsement"/> claims; in local development mode, a loopback caller gets a principal
    /// marked <see cref="BotClaims.LocalDevelopment"/>.
    /// </summary>
    /// <param name="forwarded">The request came through a proxy or tunnel (Forwarded / X-Forwarded-* headers): in local
    /// development mode such a caller is not local, whatever its socket address.</param>
    public async Task<ChannelAuthentication> ValidateTokenAsync(string? authorizationHeader, IPAddress? remoteAddress, bool forwarded, CancellationToken cancellationToken)
    {
        if (_options.LocalDevelopment)
        {
            return remoteAddress is not null && IPAddress.IsLoopback(remoteAddress) && !forwarded
                ? new ChannelAuthentication(AuthOutcome.LocalDevelopment, null, LocalPrincipal)
                : Fail("local development mode accepts direct loopback callers only");
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

        var serviceUrl = result.Claims.TryGetValue(BotClaims.ServiceUrl, out var s) ? s as string : null;
        if (string.IsNullOrEmpty(serviceUrl)) return Fail("no serviceurl claim");

        var claims = new List<Claim>(key.Endorsements.Count + 2) { new(BotClaims.ServiceUrl, serviceUrl) };
        if (result.Claims.TryGetValue("appid", out var appId) && appId is string a) claims.Add(new Claim("appid", a));
        foreach (var endorsement in key.Endorsements) claims.Add(new Claim(BotClaims.Endorsement, endorsement));
        return new ChannelAuthentication(AuthOutcome.Authenticated, null, new ClaimsPrincipal(new ClaimsIdentity(claims, BotClaims.Scheme)));
    }

    /// <summary>
    /// Step 2, once the activity is parsed: its <c>serviceUrl</c> must be the token's (else 401), the signing key must endorse
    /// its channel and its tenant must be allowed (else 403). Local development principals pass.
    /// </summary>
    public AuthResult CheckActivity(ClaimsPrincipal principal, Activity activity)
    {
        if (principal.HasClaim(c => c.Type == BotClaims.LocalDevelopment)) return new AuthResult(AuthOutcome.LocalDevelopment);
        var serviceUrlClaim = principal.FindFirst(BotClaims.ServiceUrl)?.Value;
        if (string.IsNullOrEmpty(serviceUrlClaim) || !string.Equals(serviceUrlClaim.TrimEnd('/'), activity.ServiceUrl?.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            return new AuthResult(AuthOutcome.Unauthorized, "serviceurl claim does not match the activity");

        if (string.IsNullOrEmpty(activity.ChannelId) || !principal.HasClaim(c => c.Type == BotClaims.Endorsement && string.Equals(c.Value, activity.ChannelId, StringComparison.OrdinalIgnoreCase)))
            return new AuthResult(AuthOutcome.Forbidden, "signing key does not endorse the channel");

        if (_options.AllowedTenants.Count > 0 && !_options.AllowedTenants.Contains(activity.TenantId ?? "", StringComparer.OrdinalIgnoreCase))
            return new AuthResult(AuthOutcome.Forbidden, "tenant not allowed");

        return new AuthResult(AuthOutcome.Authenticated);
    }

    /// <summary>Both steps at once (benchmarks and tests that hold an activity already).</summary>
    public async Task<AuthResult> ValidateAsync(string? authorizationHeader, Activity activity, IPAddress? remoteAddress, CancellationToken cancellationToken, bool forwarded = false)
    {
        var token = await ValidateTokenAsync(authorizationHeader, remoteAddress, forwarded, cancellationToken).ConfigureAwait(false);
        return token.Principal is null ? new AuthResult(token.Outcome, token.Reason) : CheckActivity(token.Principal, activity);
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

    private static readonly ClaimsPrincipal LocalPrincipal = new(new ClaimsIdentity([new Claim(BotClaims.LocalDevelopment, "true")], BotClaims.Scheme));

    private static ChannelAuthentication Fail(string reason) => new(AuthOutcome.Unauthorized, reason, null);
}

/// <summary>Outcome of the token step: a principal on success, a reason for the logs otherwise.</summary>
public sealed record ChannelAuthentication(AuthOutcome Outcome, string? Reason, ClaimsPrincipal? Principal);

/// <summary>The Bot Framework channel authentication scheme and the claims it puts on the principal.</summary>
public static class BotClaims
{
    /// <summary>The ASP.NET Core authentication scheme (and authorization policy) of <c>/api/messages</c>.</summary>
    public const string Scheme = "BotFramework";
    /// <summary>The connector URL the channel service signed the token for.</summary>
    public const string ServiceUrl = "serviceurl";
    /// <summary>A channel the signing key endorses (e.g. msteams); one claim per channel.</summary>
    public const string Endorsement = "teamsbot/endorsement";
    /// <summary>Present on the principal of a local development (unauthenticated loopback) caller.</summary>
    public const string LocalDevelopment = "teamsbot/local-development";
}
