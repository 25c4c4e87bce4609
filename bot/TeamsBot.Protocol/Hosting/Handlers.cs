using System.Text.Json;
using System.Text.Json.Serialization;

namespace TeamsBot.Protocol.Hosting;

/// <summary>Handles a routed activity (message, command, conversation update…). Resolved from a DI scope per turn.</summary>
public interface ITurnHandler
{
    Task HandleAsync(ITurnContext context, CancellationToken cancellationToken);
}

/// <summary>Handles an invoke activity by name; its result is the HTTP body of the reply to the channel.</summary>
public interface IInvokeHandler
{
    Task<InvokeResponse> HandleAsync(ITurnContext context, CancellationToken cancellationToken);
}

/// <summary>
/// Handles an invoke activity whose <c>value</c> is bound to <typeparamref name="TValue"/> by the host. A value that does
/// not bind gets HTTP 400 with the reason; the handler only ever sees a well-formed value.
/// </summary>
public interface IInvokeHandler<in TValue>
{
    Task<InvokeResponse> HandleAsync(ITurnContext context, TValue value, CancellationToken cancellationToken);
}

/// <summary>
/// Handles a Universal Action (<c>Action.Execute</c> → invoke <c>adaptiveCard/action</c>) for one or more verbs, with
/// <c>value.action.data</c> bound to <typeparamref name="TData"/> (card inputs included: Teams merges them into data).
/// Data that does not bind gets an <c>application/vnd.microsoft.error</c> response naming the field; the handler never sees it.
/// </summary>
public interface ICardActionHandler<TData>
{
    Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<TData> action, CancellationToken cancellationToken);
}

/// <summary>One click on an <c>Action.Execute</c> (or an automatic refresh), with its typed data.</summary>
/// <param name="Verb">The verb as the card sent it.</param>
/// <param name="Data">The action's data with the card's inputs.</param>
/// <param name="Trigger"><c>manual</c> (a click) or <c>automatic</c> (a <c>refresh</c> as the card is shown).</param>
public sealed record CardAction<TData>(string Verb, TData Data, string Trigger)
{
    /// <summary>Teams asks for the user's own view of the card (<c>refresh</c>), nobody clicked.</summary>
    public bool IsRefresh => string.Equals(Trigger, CardActionTriggers.Automatic, StringComparison.OrdinalIgnoreCase);
}

public static class CardActionTriggers
{
    public const string Manual = "manual";
    public const string Automatic = "automatic";
}

/// <summary>Runs around every authenticated turn, in registration order (e.g. storing conversation references).</summary>
public interface ITurnMiddleware
{
    Task OnTurnAsync(ITurnContext context, Func<Task> next, CancellationToken cancellationToken);
}

/// <summary>The HTTP status and body returned for an invoke activity.</summary>
public sealed record InvokeResponse(int Status, object? Body = null)
{
    public static InvokeResponse Ok(object? body = null) => new(200, body);

    /// <summary>The invoke's value is not what the invoke name promises (HTTP 400 with the reason).</summary>
    public static InvokeResponse BadRequest(string reason) => new(400, new { error = new { code = "BadRequest", message = reason } });

    /// <summary>Universal Actions: the body of the HTTP 200 reply (statusCode, type and value travel inside it).</summary>
    public static InvokeResponse From(AdaptiveCardInvokeResponse response) => new(200, response);
}

/// <summary>
/// The answer to an <c>adaptiveCard/action</c> invoke (Universal Actions): replace the card for the user who clicked,
/// show a short message, or report an error with a code (Teams expects 400 or 500 as the error's status code).
/// </summary>
public sealed record AdaptiveCardInvokeResponse
{
    public const string CardType = "application/vnd.microsoft.card.adaptive";
    public const string MessageType = "application/vnd.microsoft.activity.message";
    public const string ErrorType = "application/vnd.microsoft.error";

    private AdaptiveCardInvokeResponse(int statusCode, string type, object value)
    {
        StatusCode = statusCode;
        Type = type;
        Value = value;
    }

    public int StatusCode { get; }
    public string Type { get; }
    public object Value { get; }

    /// <summary>Replaces the card for the user who clicked (or who is refreshing).</summary>
    public static AdaptiveCardInvokeResponse Card(JsonElement card) => new(200, CardType, card);

    /// <summary>Shows a short message; the card stays as it is.</summary>
    public static AdaptiveCardInvokeResponse Message(string text) => new(200, MessageType, text);

    /// <summary>An error the client shows with the card: 400 for bad input, 500 when the bot failed.</summary>
    public static AdaptiveCardInvokeResponse Error(int statusCode, string code, string message)
    {
        if (statusCode is not (400 or 500)) throw new ArgumentOutOfRangeException(nameof(statusCode), "Universal Actions errors are 400 or 500.");
        return new(statusCode, ErrorType, new ErrorValue(code, message));
    }

    public sealed record ErrorValue(
        [property: JsonPropertyName("code")] string Code,
        [property: JsonPropertyName("message")] string Message);
}
