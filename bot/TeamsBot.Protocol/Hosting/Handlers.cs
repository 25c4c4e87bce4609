using System.Text.Json;

namespace TeamsBot.Protocol.Hosting;

/// <summary>Handles a routed activity. Resolved from a DI scope per turn.</summary>
public interface ITurnHandler
{
    Task HandleAsync(ITurnContext context, CancellationToken cancellationToken);
}

/// <summary>Handles an invoke activity; its result is the HTTP body of the reply to the channel.</summary>
public interface IInvokeHandler
{
    Task<InvokeResponse> HandleAsync(ITurnContext context, CancellationToken cancellationToken);
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

    /// <summary>Universal Actions: replace the card for the user who clicked.</summary>
    public static InvokeResponse Card(JsonElement card) =>
        new(200, new { statusCode = 200, type = "application/vnd.microsoft.card.adaptive", value = card });

    /// <summary>Universal Actions: show a short message instead of a card.</summary>
    public static InvokeResponse Message(string text) =>
        new(200, new { statusCode = 200, type = "application/vnd.microsoft.activity.message", value = text });

    /// <summary>Universal Actions: an error the client shows to the user.</summary>
    public static InvokeResponse Error(int statusCode, string code, string message) =>
        new(200, new { statusCode, type = "application/vnd.microsoft.error", value = new { code, message } });
}
