using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TeamsBot.Protocol.Auth;

/// <summary>
/// The <see cref="BotClaims.Scheme"/> authentication scheme: the channel's bearer token, validated by
/// <see cref="ChannelTokenValidator"/>. Failures challenge with a bare 401 (no body, no detail an attacker could use);
/// the endpoint then checks the principal's <c>serviceurl</c> and endorsements against the parsed activity.
/// </summary>
internal sealed partial class BotFrameworkAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder, ChannelTokenValidator validator)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var request = Context.Request;
        var forwarded = request.Headers.ContainsKey("Forwarded") || request.Headers.Keys.Any(k => k.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase));
        var result = await validator.ValidateTokenAsync(request.Headers.Authorization.ToString() is { Length: > 0 } h ? h : null,
            Context.Connection.RemoteIpAddress, forwarded, Context.RequestAborted).ConfigureAwait(false);
        if (result.Principal is null)
        {
            LogRejected(Logger, result.Reason ?? "invalid token");
            return AuthenticateResult.Fail(result.Reason ?? "invalid token");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(result.Principal, Scheme.Name));
    }

    // A bare 401: the default challenge would add a WWW-Authenticate header naming the scheme; Teams needs none.
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Rejected activity: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);
}
