using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Connector;

namespace TeamsBot.Protocol.Hosting;

/// <summary>One inbound activity being handled, and the ways to answer it.</summary>
public interface ITurnContext
{
    Activity Activity { get; }

    /// <summary>Message text with the bot's mention removed and whitespace trimmed.</summary>
    string Text { get; }

    /// <summary>An id to correlate logs of this turn; never contains user content.</summary>
    string CorrelationId { get; }

    IServiceProvider Services { get; }

    /// <summary>Sends an activity into the turn's conversation (as a reply in channel threads).</summary>
    Task<ResourceResponse> SendActivityAsync(Activity activity, CancellationToken cancellationToken = default);

    Task<ResourceResponse> UpdateActivityAsync(Activity activity, CancellationToken cancellationToken = default);

    Task DeleteActivityAsync(string activityId, CancellationToken cancellationToken = default);

    /// <summary>Starts a Teams stream for this turn (1:1 streams; other scopes get one final message).</summary>
    StreamingResponse StartStreaming();
}

public static class TurnContextExtensions
{
    public static Task<ResourceResponse> SendTextAsync(this ITurnContext context, string text, CancellationToken cancellationToken = default) =>
        context.SendActivityAsync(Activity.Message(text), cancellationToken);
}
