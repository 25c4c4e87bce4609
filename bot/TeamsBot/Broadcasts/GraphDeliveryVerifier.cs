using Microsoft.Extensions.Options;
using TeamsBot.Agencies;
using TeamsBot.Conversations;

namespace TeamsBot.Broadcasts;

/// <summary>
/// Settles a send whose outcome is unknown (its replica died after the request left) by looking in the recipient's chat
/// with the bot through Microsoft Graph (<see cref="BotChats"/>) for a bot message whose card carries the campaign's marker
/// (<c>broadcast-{campaignId}</c>).
/// </summary>
internal sealed class GraphDeliveryVerifier(BotChats chats, ConversationStore conversations, IOptions<BroadcastsOptions> options) : IDeliveryVerifier
{
    public static string Marker(string campaignId) => "broadcast-" + campaignId;

    public async Task<DeliveryOutcome?> FindAsync(Campaign campaign, ClaimedDelivery recipient, CancellationToken cancellationToken)
    {
        var marker = Marker(campaign.Id);
        var search = await chats.FindAsync(recipient.TenantId, recipient.ObjectId, options.Value.TeamsAppCatalogId, m => BotChats.CardCarries(m, marker), cancellationToken);
        if (!search.UserFound) return new DeliveryOutcome(DeliveryState.NotFound, "user not found");
        // Not in the chat (or no chat: without the app the create call was refused): nothing reached the person, so the card is sent (again) now.
        if (search is not { ChatId: { } chatId, MessageId: { } messageId }) return null;
        // The Teams message id is the Bot Framework activity id; the stored 1:1 conversation (if any) is where recall deletes it.
        var serviceUrl = recipient.ServiceUrl ?? options.Value.ServiceUrl
            ?? (await conversations.EndpointForTenantAsync(recipient.TenantId, cancellationToken))?.ServiceUrl ?? "";
        return DeliveryOutcome.Sent(serviceUrl, recipient.ConversationId ?? chatId, messageId);
    }
}
