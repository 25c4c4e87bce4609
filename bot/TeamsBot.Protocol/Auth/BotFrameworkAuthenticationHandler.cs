using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TeamsBot.Protocol.Auth;

/// <summary>
/// The <see cref="BotClaims.Scheme"/> authentication scheme: the channel's bearer token, validated by
/// <see cref="ChannelTokenValidator"/>. Failures challenge with a bare 401 (no body, no detail an attacker could use);
/// the endpoint then checks the principal's <c>serviceurl</c> and endorsements against the parsed activity.
/// A plain <see cref="IAuthenticationHandler"/> rather than <c>AuthenticationHandler&lt;T&gt;</c>: it runs on every
/// activity, and the base class would create a logger and read options per request.
/// </summary>
internal sealed partial class BotFrameworkAuthenticationHandler(ChannelTokenValidator validator, ILogger<BotFrameworkAuthenticationHandler> logger)
    : IAuthenticationHandler
{
    private HttpContext _context = null!;
    private AuthenticationScheme _scheme = null!;
    private Task<AuthenticateResult>? _result;

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
    {
        _scheme = scheme;
        _context = context;
        return Task.CompletedTask;
    }

    /// <summary>Validated once per request however often it is asked.</summary>
    public Task<AuthenticateResult> AuthenticateAsync() => _result ??= ValidateAsync();

    private async Task<AuthenticateResult> ValidateAsync()
    {
        var request = _context.Request;
        var forwarded = request.Headers.ContainsKey("Forwarded") || request.Headers.Keys.Any(k => k.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase));
        var header = request.Headers.Authorization.ToString();
        var result = await validator.ValidateTokenAsync(header.Length > 0 ? header : null, _context.Connection.RemoteIpAddress, forwarded, _context.RequestAborted).ConfigureAwait(false);
        if (result.Principal is null)
        {
            LogRejected(logger, result.Reason ?? "invalid token");
            return AuthenticateResult.Fail(result.Reason ?? "invalid token");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(result.Principal, _scheme.Name));
    }

    // A bare 401: no WWW-Authenticate detail, no body.
    public Task ChallengeAsync(AuthenticationProperties? properties)
    {
        _context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }

    public Task ForbidAsync(AuthenticationProperties? properties)
    {
        _context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Rejected activity: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);
}
