using Activity = TeamsBot.Protocol.Activities.Activity;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Auth;
using TeamsBot.Protocol.Connector;

namespace TeamsBot.Protocol.Hosting;

/// <summary>
/// <c>POST /api/messages</c>: size limit, parse, authenticate, de-duplicate, route. Invokes answer in the HTTP reply;
/// other turns run on the <see cref="TurnQueue"/> and the reply waits up to <see cref="BotOptions.ReplyDeadline"/> for them.
/// Statuses: 400 bad body, 401/403 auth (no detail), 413 too large, 500 handler failure (correlation id logged),
/// 200 done or ignored, 202 still running.
/// </summary>
public sealed class BotEndpoint(
    IOptions<BotOptions> options,
    ChannelTokenValidator validator,
    TrustedServiceUrls trustedServiceUrls,
    ActivityDeduplicator deduplicator,
    BotRouteTable routes,
    TurnQueue queue,
    IServiceScopeFactory scopes,
    IConnectorClient connector,
    TimeProvider time,
    ILogger<BotEndpoint> logger)
{
    private readonly BotOptions _options = options.Value;

    public async Task<IResult> HandleAsync(HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        if (!_options.LocalDevelopment && !http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Results.StatusCode(StatusCodes.Status401Unauthorized);

        var body = await ReadBodyAsync(http.Request, cancellationToken);
        if (body is null) return Problem(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {_options.MaxRequestBodyBytes} bytes.");

        var (activity, error) = Parse(body);
        if (activity is null) return Problem(StatusCodes.Status400BadRequest, error!);

        var forwarded = http.Request.Headers.ContainsKey("Forwarded") || http.Request.Headers.Keys.Any(k => k.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase));
        var auth = await validator.ValidateAsync(http.Request.Headers.Authorization.ToString(), activity, http.Connection.RemoteIpAddress, cancellationToken, forwarded);
        if (!auth.Succeeded)
        {
            logger.LogWarning("Rejected activity: {Reason}", auth.Reason);
            return Results.StatusCode(auth.Outcome == AuthOutcome.Forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized);
        }
        trustedServiceUrls.Trust(activity.ServiceUrl);

        if (!deduplicator.TryBegin(activity))
        {
            logger.LogInformation("Redelivered activity {Type} ignored", activity.Type);
            return Results.Ok();
        }

        var correlationId = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;
        var text = activity.GetTextWithoutBotMention();
        var route = routes.Match(activity, text);

        if (activity.IsType(ActivityTypes.Invoke))
            return await RunInvokeAsync(activity, text, route, correlationId, cancellationToken);

        var turn = queue.Enqueue(ConversationKey(activity), () => RunTurnAsync(activity, text, route, correlationId));
        var finished = await Task.WhenAny(turn, Task.Delay(_options.ReplyDeadline, time, CancellationToken.None));
        if (finished != turn) return Results.Accepted();
        return turn.IsFaulted ? ServerError(correlationId) : Results.Ok();
    }

    private async Task<IResult> RunInvokeAsync(Activity activity, string text, BotRoute? route, string correlationId, CancellationToken cancellationToken)
    {
        try
        {
            InvokeResponse? response = null;
            var work = queue.Track(ExecuteAsync(activity, text, route, correlationId, async (handler, context, ct) =>
                response = await ((IInvokeHandler)handler).HandleAsync(context, ct)));
            var finished = await Task.WhenAny(work, Task.Delay(_options.ReplyDeadline, time, cancellationToken));
            if (finished != work)
            {
                logger.LogWarning("Invoke {Name} exceeded the reply deadline ({CorrelationId})", activity.Name, correlationId);
                return Results.StatusCode(StatusCodes.Status504GatewayTimeout);
            }
            await work;
            if (response is null) return Results.Ok();
            return response.Body is null ? Results.StatusCode(response.Status) : Results.Json(response.Body, ProtocolJson.Options, statusCode: response.Status);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "Invoke {Name} failed ({CorrelationId})", activity.Name, correlationId);
            return ServerError(correlationId);
        }
    }

    private async Task RunTurnAsync(Activity activity, string text, BotRoute? route, string correlationId)
    {
        try
        {
            await ExecuteAsync(activity, text, route, correlationId, (handler, context, ct) => ((ITurnHandler)handler).HandleAsync(context, ct));
        }
        catch (Exception e)
        {
            logger.LogError(e, "Turn {Type} failed ({CorrelationId})", activity.Type, correlationId);
            await TellUserAsync(activity, text, correlationId);
            throw;
        }
    }

    /// <summary>Runs middleware then the routed handler in a fresh DI scope. No route: middleware only.</summary>
    private async Task ExecuteAsync(Activity activity, string text, BotRoute? route, string correlationId, Func<object, ITurnContext, CancellationToken, Task> invoke)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = new TurnContext(activity, text, correlationId, scope.ServiceProvider, connector, time);
        var middleware = scope.ServiceProvider.GetServices<ITurnMiddleware>().ToArray();
        var cancellationToken = CancellationToken.None; // turns finish even if the channel hangs up; shutdown drains them

        Task Next(int index) => index < middleware.Length
            ? middleware[index].OnTurnAsync(context, () => Next(index + 1), cancellationToken)
            : route is null
                ? Task.CompletedTask
                : invoke(scope.ServiceProvider.GetRequiredService(route.HandlerType), context, cancellationToken);

        await Next(0);
    }

    /// <summary>A failed message turn tells the user, with a reference the admins can find in the logs.</summary>
    private async Task TellUserAsync(Activity activity, string text, string correlationId)
    {
        if (!activity.IsType(ActivityTypes.Message)) return;
        try
        {
            var context = new TurnContext(activity, text, correlationId, EmptyServices.Instance, connector, time);
            await context.SendTextAsync($"Sorry, something went wrong on my side. Please try again. (Reference: {correlationId})");
        }
        catch (Exception e)
        {
            logger.LogWarning("Could not tell the user about failure {CorrelationId}: {Error}", correlationId, e.GetType().Name);
        }
    }

    private async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = _options.MaxRequestBodyBytes;
        if (request.ContentLength > limit) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    internal static (Activity? Activity, string? Error) Parse(byte[] body)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = ProtocolJson.MaxDepth }); }
        catch (JsonException) { return (null, "The body is not valid JSON."); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, "The body is not an activity: expected a JSON object.");
            if (!root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(type.GetString()))
                return (null, "The body is not an activity: 'type' is missing.");
            Activity? activity;
            try { activity = root.Deserialize<Activity>(ProtocolJson.Options); }
            catch (JsonException e) { return (null, $"The body is not a valid activity: {Describe(e)}."); }
            catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException or FormatException)
            { return (null, "The body is not a valid activity."); }
            if (activity is null) return (null, "The body is not an activity.");
            if (TrustedServiceUrls.Normalize(activity.ServiceUrl) is null || activity.ServiceUrl!.Length > MaxUrlLength)
                return (null, "The activity has no valid 'serviceUrl'.");
            if (string.IsNullOrWhiteSpace(activity.Conversation?.Id)) return (null, "The activity has no 'conversation.id'.");
            // Ids travel in connector URLs and database keys: real Teams ids are a few hundred characters at most.
            foreach (var (name, value) in new[] { ("id", activity.Id), ("conversation.id", activity.Conversation.Id), ("from.id", activity.From?.Id),
                         ("recipient.id", activity.Recipient?.Id), ("replyToId", activity.ReplyToId), ("conversation.tenantId", activity.Conversation.TenantId),
                         ("from.aadObjectId", activity.From?.AadObjectId), ("channelId", activity.ChannelId) })
            {
                if (value is { Length: > MaxIdLength }) return (null, $"The activity's '{name}' is longer than {MaxIdLength} characters.");
                if (value is not null && value.Any(char.IsControl)) return (null, $"The activity's '{name}' contains control characters.");
            }
            return (activity, null);
        }
    }

    internal const int MaxIdLength = 1024;
    internal const int MaxUrlLength = 2048;

    private static string Describe(JsonException e) => e.Path is { Length: > 0 } path ? $"wrong value at {path}" : "wrong value";

    private static string ConversationKey(Activity activity) => $"{activity.ChannelId}|{activity.Conversation?.Id}";

    private static IResult Problem(int status, string detail) => Results.Problem(detail: detail, statusCode: status);

    private static IResult ServerError(string correlationId) =>
        Results.Problem(detail: $"The bot could not handle this activity. Correlation id: {correlationId}.", statusCode: StatusCodes.Status500InternalServerError);

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();
        public object? GetService(Type serviceType) => null;
    }
}
