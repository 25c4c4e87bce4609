using Microsoft.Extensions.Options;
using Microsoft.Graph.Models.ODataErrors;
using TeamsBot.Agencies;
using TeamsBot.Conversations;
using TeamsBot.Protocol.Auth;

namespace TeamsBot.Broadcasts;

/// <summary>
/// Settles a send whose outcome is unknown (its replica died after the request left) by looking in the recipient's chat
/// with the bot through Microsoft Graph: the app's installation for the user
/// (<c>GET /users/{id}/teamwork/installedApps?$filter=teamsApp/id eq '{catalogId}'</c>), the chat of that installation
/// (<c>…/installedApps/{installationId}/chat</c>), then the chat's latest messages (<c>GET /chats/{id}/messages</c>),
/// looking for a bot message whose card carries the campaign's marker (<c>broadcast-{campaignId}</c>). Permissions:
/// <c>TeamsAppInstallation.ReadForUser.All</c> and the resource-specific <c>ChatMessage.Read.Chat</c> the app's manifest asks for.
/// </summary>
internal sealed class GraphDeliveryVerifier(GraphClients graph, ConversationStore conversations, IOptions<BroadcastsOptions> options, IOptions<BotOptions> bot) : IDeliveryVerifier
{
    /// <summary>Messages read from the chat: a fan-out sends one card per person, so the campaign's is among the latest.</summary>
    private const int RecentMessages = 50;

    public static string Marker(string campaignId) => "broadcast-" + campaignId;

    public async Task<DeliveryOutcome?> FindAsync(Campaign campaign, ClaimedDelivery recipient, CancellationToken cancellationToken)
    {
        using var lease = graph.Rent(recipient.TenantId);
        var user = lease.Client.Users[recipient.ObjectId];
        Microsoft.Graph.Models.UserScopeTeamsAppInstallationCollectionResponse? installs;
        try
        {
            installs = await user.Teamwork.InstalledApps.GetAsync(r => r.QueryParameters.Filter = $"teamsApp/id eq '{options.Value.TeamsAppCatalogId}'", cancellationToken);
        }
        catch (ODataError e) when (e.ResponseStatusCode == 404)
        {
            return new DeliveryOutcome(DeliveryState.NotFound, "user not found");
        }
        // Without the app the create call was refused: nothing reached the person, so the card is sent (again) now.
        if (installs?.Value?.FirstOrDefault()?.Id is not { } installationId) return null;
        var chat = await user.Teamwork.InstalledApps[installationId].Chat.GetAsync(cancellationToken: cancellationToken);
        if (chat?.Id is null) return null;
        var messages = await lease.Client.Chats[chat.Id].Messages.GetAsync(r =>
        {
            r.QueryParameters.Top = RecentMessages;
            r.QueryParameters.Orderby = ["createdDateTime desc"];
        }, cancellationToken);
        var marker = Marker(campaign.Id);
        var botAppId = bot.Value.AppId;
        var found = messages?.Value?.FirstOrDefault(m =>
            (string.IsNullOrEmpty(botAppId) || string.Equals(m.From?.Application?.Id, botAppId, StringComparison.OrdinalIgnoreCase))
            && m.Attachments?.Any(a => a.Content?.Contains(marker, StringComparison.Ordinal) == true) == true);
        if (found is null) return null;
        // The Teams message id is the Bot Framework activity id; the stored 1:1 conversation (if any) is where recall deletes it.
        var serviceUrl = recipient.ServiceUrl ?? options.Value.ServiceUrl
            ?? (await conversations.EndpointForTenantAsync(recipient.TenantId, cancellationToken))?.ServiceUrl ?? "";
        return DeliveryOutcome.Sent(serviceUrl, recipient.ConversationId ?? chat.Id, found.Id);
    }
}
