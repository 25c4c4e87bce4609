using Activity = TeamsBot.Protocol.Activities.Activity;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Auth;
using TeamsBot.Protocol.Connector;
using TeamsBot.Protocol.Telemetry;
using System.Diagnostics;

namespace TeamsBot.Protocol.Hosting;

/// <summary>
/// <c>POST /api/messages</c>, behind the <see cref="BotClaims.Scheme"/> authentication scheme: size limit, parse, check the
/// token's claims against the activity, de-duplicate, route. Invokes answer in the HTTP reply; other turns run on the
/// <see cref="TurnQueue"/> and the reply waits up to <see cref="BotOptions.ReplyDeadline"/> for them.
/// Statuses: 400 bad body, 401/403 auth (no detail), 413 too large, 500 handler failure (correlation id logged),
/// 200 done or ignored, 202 still running.
/// </summary>
public sealed partial class BotEndpoint(
    IOptions<BotOptions> options,
    ChannelTokenValidator validator,
    TrustedServiceUrls trustedServiceUrls,
    IActivityDeduplicator deduplicator,
    BotRouteTable routes,
    TurnQueue queue,
    IServiceScopeFactory scopes,
    IConnectorClient connector,
    BotTelemetry telemetry,
    TimeProvider time,
    ILogger<BotEndpoint> logger)
{
    private readonly BotOptions _options = options.Value;
    private static readonly IBotRoleGuard NoRoles = new NoRolesGuard();

    public async Task<IResult> HandleAsync(HttpContext http)
    {
        var (status, result, type) = await HandleCoreAsync(http);
        telemetry.ActivitiesReceived.Add(1, new("type", type), new("status", BotTelemetry.Status(status)));
        return result;
    }

    private async Task<(int Status, IResult Result, string Type)> HandleCoreAsync(HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        // The scheme, not a policy: authorization middleware adds nothing here and would cost every activity.
        var authentication = await http.AuthenticateAsync(BotClaims.Scheme);
        if (!authentication.Succeeded) return (StatusCodes.Status401Unauthorized, Results.StatusCode(StatusCodes.Status401Unauthorized), "unauthenticated");
        var body = await ReadBodyAsync(http.Request, cancellationToken);
        if (body is null) return Problem(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {_options.MaxRequestBodyBytes} bytes.");

        var (activity, error) = Parse(body);
        if (activity is null) return Problem(StatusCodes.Status400BadRequest, error!);
        var type = TypeTag(activity);

        var auth = validator.CheckActivity(authentication.Principal, activity);
        if (!auth.Succeeded)
        {
            LogRejected(logger, auth.Reason ?? "");
            var status = auth.Outcome == AuthOutcome.Forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized;
            return (status, Results.StatusCode(status), type);
        }
        trustedServiceUrls.Trust(activity.ServiceUrl);

        if (!await TryBeginAsync(activity, cancellationToken))
        {
            LogRedelivered(logger, type);
            return (StatusCodes.Status200OK, Results.Ok(), type);
        }

        var correlationId = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;
        var text = activity.GetTextWithoutBotMention();

        if (activity.IsType(ActivityTypes.Invoke))
        {
            var (status, result) = await RunInvokeAsync(activity, type, text, routes.MatchInvoke(activity), correlationId, cancellationToken);
            return (status, result, type);
        }

        var route = routes.MatchTurn(activity, text);
        var turn = queue.Enqueue(ConversationKey(activity), () => RunTurnAsync(activity, type, text, route, correlationId));
        _ = turn.ContinueWith(t => ForgetAsync(activity), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var finished = await Task.WhenAny(turn, Task.Delay(_options.ReplyDeadline, time, CancellationToken.None));
        if (finished != turn) return (StatusCodes.Status202Accepted, Results.Accepted(), type);
        return turn.IsFaulted ? ServerError(correlationId, type) : (StatusCodes.Status200OK, Results.Ok(), type);
    }

    // A store that cannot answer must not cost the user their reply: process (a rare duplicate beats a lost message).
    private async ValueTask<bool> TryBeginAsync(Activity activity, CancellationToken cancellationToken)
    {
        try
        {
            return await deduplicator.TryBeginAsync(activity, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogDeduplicationFailed(logger, e.GetType().Name);
            return true;
        }
    }

    /// <summary>A failed turn is forgotten, so the channel's redelivery is processed (on whichever replica gets it).</summary>
    private async Task ForgetAsync(Activity activity)
    {
        try
        {
            await deduplicator.ForgetAsync(activity, CancellationToken.None);
        }
        catch (Exception e)
        {
            LogDeduplicationFailed(logger, e.GetType().Name);
        }
    }

    /// <summary>
    /// Runs an invoke and answers in the HTTP reply. A Universal Action (<c>adaptiveCard/action</c>) always gets HTTP 200 with
    /// an Adaptive Card invoke response, errors included, because that is what Teams shows: an unknown verb gets 400
    /// <c>NotSupported</c>, a failure or a reply later than the deadline 500, a refused refresh (per-user view) 400 so the
    /// card stays as it is.
    /// </summary>
    private async Task<(int, IResult)> RunInvokeAsync(Activity activity, string type, string text, InvokeRoute? route, string correlationId, CancellationToken cancellationToken)
    {
        var cardAction = string.Equals(activity.Name, InvokeNames.AdaptiveCardAction, StringComparison.OrdinalIgnoreCase);
        try
        {
            var work = queue.Track(ExecuteAsync(activity, type, text, route, correlationId,
                (services, context, ct) => route!.Run(services, context, ct),
                (guard, context, role) => Task.FromResult(!route!.IsCardAction ? new InvokeResponse(StatusCodes.Status403Forbidden)
                    : BotRouteBuilder.ReadCardAction(context.Activity).Trigger == CardActionTriggers.Automatic
                        ? InvokeResponse.From(AdaptiveCardInvokeResponse.Error(400, "Forbidden", guard.ActionRefusal(context, role)))
                        : InvokeResponse.From(AdaptiveCardInvokeResponse.Message(guard.ActionRefusal(context, role))))));
            var finished = await Task.WhenAny(work, Task.Delay(_options.ReplyDeadline, time, cancellationToken));
            if (finished != work)
            {
                LogInvokeDeadline(logger, activity.Name, correlationId);
                if (cardAction) return Reply(InvokeResponse.From(AdaptiveCardInvokeResponse.Error(500, "Timeout",
                    $"This is taking longer than expected. Please try again in a moment. (Reference: {correlationId})")));
                return (StatusCodes.Status504GatewayTimeout, Results.StatusCode(StatusCodes.Status504GatewayTimeout));
            }
            var response = await work;
            if (response is null && cardAction)
                response = InvokeResponse.From(AdaptiveCardInvokeResponse.Error(400, "NotSupported", "This button is no longer supported. Please use a newer card."));
            return response is null ? (StatusCodes.Status200OK, Results.Ok()) : Reply(response);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogInvokeFailed(logger, e, activity.Name, correlationId);
            await ForgetAsync(activity);
            if (cardAction) return Reply(InvokeResponse.From(AdaptiveCardInvokeResponse.Error(500, "InternalError",
                $"Sorry, something went wrong on my side. Please try again. (Reference: {correlationId})")));
            var (status, result, _) = ServerError(correlationId, "");
            return (status, result);
        }
    }

    private static (int, IResult) Reply(InvokeResponse response) => (response.Status, response.Body is null
        ? Results.StatusCode(response.Status)
        : Results.Json(response.Body, ProtocolJson.Options, statusCode: response.Status));

    private async Task RunTurnAsync(Activity activity, string type, string text, TurnRoute? route, string correlationId)
    {
        try
        {
            await ExecuteAsync<object?>(activity, type, text, route, correlationId,
                async (services, context, ct) => { await route!.Run(services, context, ct); return null; },
                async (guard, context, role) => { await context.SendActivityAsync(guard.MessageRefusal(context, role)); return null; });
        }
        catch (Exception e)
        {
            LogTurnFailed(logger, e, type, correlationId);
            await TellUserAsync(activity, text, correlationId);
            throw;
        }
    }

    /// <summary>
    /// Runs middleware then the routed handler in a fresh DI scope; a route that requires a role the user lacks gets the
    /// role guard's refusal instead of its handler. No route: middleware only (result default).
    /// </summary>
    private async Task<T?> ExecuteAsync<T>(Activity activity, string type, string text, BotRoute? route, string correlationId,
        Func<IServiceProvider, ITurnContext, CancellationToken, Task<T>> run, Func<IBotRoleGuard, ITurnContext, string, Task<T>> refuse)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = BotTelemetry.Source.HasListeners() ? BotTelemetry.Source.StartActivity("turn " + type) : null;
        span?.SetTag("teamsbot.activity.type", type);
        span?.SetTag("teamsbot.route", route?.Description ?? "none");
        var outcome = "ok";
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var context = new TurnContext(activity, text, correlationId, scope.ServiceProvider, connector, time);
            var middleware = scope.ServiceProvider.GetServices<ITurnMiddleware>().ToArray();
            var cancellationToken = CancellationToken.None; // turns finish even if the channel hangs up; shutdown drains them
            T? result = default;

            Task Next(int index) => index < middleware.Length
                ? middleware[index].OnTurnAsync(context, () => Next(index + 1), cancellationToken)
                : HandleAsync();

            async Task HandleAsync()
            {
                if (route is null) return;
                if (route.RequiredRole is { } role)
                {
                    var guard = scope.ServiceProvider.GetService<IBotRoleGuard>() ?? NoRoles;
                    if (!await guard.IsInRoleAsync(context, role, cancellationToken))
                    {
                        outcome = "refused";
                        LogRoleRefused(logger, route.Description, role, correlationId);
                        result = await refuse(guard, context, role);
                        return;
                    }
                }
                result = await run(scope.ServiceProvider, context, cancellationToken);
            }

            await Next(0);
            return result;
        }
        catch (Exception e)
        {
            outcome = "error";
            span?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            throw;
        }
        finally
        {
            telemetry.TurnDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new("type", type), new("outcome", outcome));
        }
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
            LogApologyFailed(logger, correlationId, e.GetType().Name);
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
            activity = activity.WithoutNullListElements();
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

    private static (int, IResult, string) Problem(int status, string detail) => (status, Results.Problem(detail: detail, statusCode: status), "invalid");

    private static (int, IResult, string) ServerError(string correlationId, string type) => (StatusCodes.Status500InternalServerError,
        Results.Problem(detail: $"The bot could not handle this activity. Correlation id: {correlationId}.", statusCode: StatusCodes.Status500InternalServerError), type);

    private static readonly string[] KnownTypes =
    [
        ActivityTypes.Message, ActivityTypes.Typing, ActivityTypes.Invoke, ActivityTypes.ConversationUpdate, ActivityTypes.InstallationUpdate,
        ActivityTypes.MessageReaction, ActivityTypes.MessageUpdate, ActivityTypes.MessageDelete, ActivityTypes.Event,
    ];

    /// <summary>The activity type as a telemetry tag: one of the schema's types, else "other" (the wire may send anything).</summary>
    private static string TypeTag(Activity activity)
    {
        foreach (var known in KnownTypes)
            if (activity.IsType(known)) return known;
        return "other";
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Rejected activity: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Redelivered activity {Type} ignored")]
    private static partial void LogRedelivered(ILogger logger, string type);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Redelivery check unavailable ({Error}); the activity is processed")]
    private static partial void LogDeduplicationFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "Invoke {Name} exceeded the reply deadline ({CorrelationId})")]
    private static partial void LogInvokeDeadline(ILogger logger, string? name, string correlationId);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Error, Message = "Invoke {Name} failed ({CorrelationId})")]
    private static partial void LogInvokeFailed(ILogger logger, Exception exception, string? name, string correlationId);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Error, Message = "Turn {Type} failed ({CorrelationId})")]
    private static partial void LogTurnFailed(ILogger logger, Exception exception, string type, string correlationId);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Information, Message = "Route {Route} requires role {Role}: refused ({CorrelationId})")]
    private static partial void LogRoleRefused(ILogger logger, string route, string role, string correlationId);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Warning, Message = "Could not tell the user about failure {CorrelationId}: {Error}")]
    private static partial void LogApologyFailed(ILogger logger, string correlationId, string error);

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();
        public object? GetService(Type serviceType) => null;
    }
}
