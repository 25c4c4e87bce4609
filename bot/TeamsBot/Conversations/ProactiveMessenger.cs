using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Connector;

namespace TeamsBot.Conversations;

/// <summary>Sends messages the user did not ask for (broadcasts, nudges, reminders) to people or stored conversations.</summary>
public interface IProactiveMessenger
{
    /// <summary>Sends to a stored conversation (1:1, group chat or channel).</summary>
    Task<ResourceResponse> SendToConversationAsync(ConversationRecord conversation, Activity activity, CancellationToken cancellationToken);

    /// <summary>
    /// Sends to a user's 1:1 chat with the bot, creating the conversation (with the tenant id) when the bot knows the user's
    /// Teams id but has no chat yet. Null when the user cannot be reached (bot not installed for them).
    /// </summary>
    Task<ResourceResponse?> SendToUserAsync(string tenantId, string aadObjectId, Activity activity, CancellationToken cancellationToken);

    /// <summary>
    /// Opens (or reopens) a 1:1 chat between the bot (<paramref name="botId"/>, <c>28:…</c>) and a user (their Teams id
    /// <c>29:…</c>, or their Entra object id when the app is installed for them) and posts <paramref name="activity"/> as its
    /// first message, in one request.
    /// </summary>
    Task<ConversationResourceResponse> CreatePersonalConversationAsync(string serviceUrl, string botId, string userId, string tenantId, Activity activity, CancellationToken cancellationToken);
}

internal sealed class ProactiveMessenger(ConversationStore store, IConnectorClient connector) : IProactiveMessenger
{
    public Task<ResourceResponse> SendToConversationAsync(ConversationRecord conversation, Activity activity, CancellationToken cancellationToken) =>
        connector.SendToConversationAsync(conversation.ServiceUrl, conversation.ConversationId, Address(conversation, activity), cancellationToken);

    public async Task<ResourceResponse?> SendToUserAsync(string tenantId, string aadObjectId, Activity activity, CancellationToken cancellationToken)
    {
        var personal = await store.FindPersonalAsync(tenantId, aadObjectId, cancellationToken);
        if (personal is null || !personal.Installed) return null;
        return await SendToConversationAsync(personal, activity, cancellationToken);
    }

    public async Task<ConversationResourceResponse> CreatePersonalConversationAsync(string serviceUrl, string botId, string userId, string tenantId, Activity activity, CancellationToken cancellationToken) =>
        await connector.CreateConversationAsync(serviceUrl, new ConversationParameters
        {
            IsGroup = false,
            Bot = new ChannelAccount { Id = botId },
            Members = [new ChannelAccount { Id = userId }],
            TenantId = tenantId,
            ChannelData = new TeamsChannelData { Tenant = new TenantInfo { Id = tenantId } },
            Activity = activity,
        }, cancellationToken);

    private static Activity Address(ConversationRecord c, Activity activity) => activity with
    {
        Type = activity.Type ?? ActivityTypes.Message,
        Conversation = new ConversationAccount { Id = c.ConversationId, TenantId = c.TenantId, ConversationType = c.Scope },
        From = activity.From ?? (c.BotId is null ? null : new ChannelAccount { Id = c.BotId }),
        Recipient = activity.Recipient ?? (c.UserId is null ? null : new ChannelAccount { Id = c.UserId, AadObjectId = c.AadObjectId }),
        ChannelId = activity.ChannelId ?? c.ChannelId,
        ServiceUrl = activity.ServiceUrl ?? c.ServiceUrl,
    };
}
