using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Connector;

namespace TeamsBot.Protocol.Hosting;

internal sealed class TurnContext(Activity activity, string text, string correlationId, IServiceProvider services, IConnectorClient connector, TimeProvider time) : ITurnContext
{
    public Activity Activity { get; } = activity;
    public string Text { get; } = text;
    public string CorrelationId { get; } = correlationId;
    public IServiceProvider Services { get; } = services;

    public Task<ResourceResponse> SendActivityAsync(Activity activity, CancellationToken cancellationToken = default)
    {
        var outgoing = Address(activity);
        return connector.SendToConversationAsync(Activity.ServiceUrl!, Activity.Conversation!.Id!, outgoing, cancellationToken);
    }

    public Task<ResourceResponse> UpdateActivityAsync(Activity activity, CancellationToken cancellationToken = default) =>
        connector.UpdateActivityAsync(Activity.ServiceUrl!, Activity.Conversation!.Id!,
            activity.Id ?? throw new ArgumentException("The activity to update needs its id.", nameof(activity)), Address(activity), cancellationToken);

    public Task DeleteActivityAsync(string activityId, CancellationToken cancellationToken = default) =>
        connector.DeleteActivityAsync(Activity.ServiceUrl!, Activity.Conversation!.Id!, activityId, Activity.TenantId, cancellationToken);

    public StreamingResponse StartStreaming() => new(SendActivityAsync, Activity.IsPersonal(), time);

    /// <summary>Fills in the addressing of an outgoing activity from the inbound one (conversation, bot, user, reply).</summary>
    private Activity Address(Activity outgoing)
    {
        var reply = Activity.CreateReply();
        return outgoing with
        {
            Type = outgoing.Type ?? ActivityTypes.Message,
            From = outgoing.From ?? reply.From,
            Recipient = outgoing.Recipient ?? reply.Recipient,
            Conversation = outgoing.Conversation ?? reply.Conversation,
            ReplyToId = outgoing.ReplyToId ?? (outgoing.Type is null or ActivityTypes.Message ? reply.ReplyToId : null),
            ServiceUrl = outgoing.ServiceUrl ?? reply.ServiceUrl,
            ChannelId = outgoing.ChannelId ?? reply.ChannelId,
            Locale = outgoing.Locale ?? reply.Locale,
        };
    }
}
