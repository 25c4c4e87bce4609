using Microsoft.Extensions.Options;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using TeamsBot.Protocol.Auth;

namespace TeamsBot.Agencies;

/// <summary>What a look into a person's 1:1 chat with the bot found: the chat and the bot's message looked for (null: not there).</summary>
internal sealed record BotChatSearch(bool UserFound, string? ChatId = null, string? MessageId = null)
{
    public static readonly BotChatSearch UnknownUser = new(false);
    public static readonly BotChatSearch NoChat = new(true);
}

/// <summary>
/// Looks in a person's chat with the bot through Microsoft Graph for a message the bot sent, to settle a send whose outcome
/// is unknown (the process died after the request left): the app's installation for the user
/// (<c>GET /users/{id}/teamwork/installedApps?$filter=teamsApp/id eq '{catalogId}'</c>), the chat of that installation
/// (<c>…/installedApps/{installationId}/chat</c>), then the chat's latest messages (<c>GET /chats/{id}/messages</c>),
/// the first from the bot that <c>matches</c>. Permissions: <c>TeamsAppInstallation.ReadForUser.All</c> and the
/// resource-specific <c>ChatMessage.Read.Chat</c> the app's manifest asks for.
/// </summary>
internal sealed class BotChats(GraphClients graph, IOptions<BotOptions> bot)
{
    /// <summary>Messages read from the chat: the one looked for was sent just before its sender stopped, so it is among the latest.</summary>
    private const int RecentMessages = 50;

    public async Task<BotChatSearch> FindAsync(string tenantId, string objectId, string? catalogAppId, Func<ChatMessage, bool> matches, CancellationToken cancellationToken)
    {
        using var lease = graph.Rent(tenantId);
        var user = lease.Client.Users[objectId];
        UserScopeTeamsAppInstallationCollectionResponse? installs;
        try
        {
            installs = await user.Teamwork.InstalledApps.GetAsync(r => r.QueryParameters.Filter = $"teamsApp/id eq '{catalogAppId}'", cancellationToken);
        }
        catch (ODataError e) when (e.ResponseStatusCode == 404)
        {
            return BotChatSearch.UnknownUser;
        }
        // Without the app there is no chat with the bot, so nothing the bot sent reached the person.
        if (installs?.Value?.FirstOrDefault()?.Id is not { } installationId) return BotChatSearch.NoChat;
        var chat = await user.Teamwork.InstalledApps[installationId].Chat.GetAsync(cancellationToken: cancellationToken);
        if (chat?.Id is null) return BotChatSearch.NoChat;
        var messages = await lease.Client.Chats[chat.Id].Messages.GetAsync(r =>
        {
            r.QueryParameters.Top = RecentMessages;
            r.QueryParameters.Orderby = ["createdDateTime desc"];
        }, cancellationToken);
        var botAppId = bot.Value.AppId;
        var found = messages?.Value?.FirstOrDefault(m =>
            (string.IsNullOrEmpty(botAppId) || string.Equals(m.From?.Application?.Id, botAppId, StringComparison.OrdinalIgnoreCase)) && matches(m));
        return new BotChatSearch(true, chat.Id, found?.Id);
    }

    /// <summary>A message with a card (or other attachment) whose content carries <paramref name="marker"/>.</summary>
    public static bool CardCarries(ChatMessage message, string marker) =>
        message.Attachments?.Any(a => a.Content?.Contains(marker, StringComparison.Ordinal) == true) == true;

    /// <summary>A message whose text carries <paramref name="marker"/>.</summary>
    public static bool TextCarries(ChatMessage message, string marker) => message.Body?.Content?.Contains(marker, StringComparison.Ordinal) == true;
}
