using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using TeamsBot.Agencies;
using TeamsBot.Conversations;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Auth;
using TeamsBot.Protocol.Connector;

namespace TeamsBot.Broadcasts;

/// <summary>Installs the app for a user who does not have it (Graph <c>POST /users/{id}/teamwork/installedApps</c>).</summary>
public interface IAppInstaller
{
    /// <returns>Installed (or already installed: 409), NotFound (no such user), or Failed.</returns>
    Task<InstallResult> InstallAsync(string tenantId, string objectId, CancellationToken cancellationToken);
}

public enum InstallResult { Installed, NotFound, Failed }

internal sealed class GraphAppInstaller(GraphClients graph, IOptions<GraphOptions> graphOptions, IOptions<BroadcastsOptions> options, ILogger<GraphAppInstaller> logger) : IAppInstaller
{
    public async Task<InstallResult> InstallAsync(string tenantId, string objectId, CancellationToken cancellationToken)
    {
        using var lease = graph.Rent(tenantId);
        var installation = new UserScopeTeamsAppInstallation
        {
            AdditionalData = new Dictionary<string, object>
            {
                ["teamsApp@odata.bind"] = $"{graphOptions.Value.ApiBaseUrl.TrimEnd('/')}/appCatalogs/teamsApps/{options.Value.TeamsAppCatalogId}",
            },
        };
        try
        {
            await lease.Client.Users[objectId].Teamwork.InstalledApps.PostAsync(installation, cancellationToken: cancellationToken);
            return InstallResult.Installed;
        }
        catch (ODataError e) when (e.ResponseStatusCode == 409)
        {
            return InstallResult.Installed;
        }
        catch (ODataError e) when (e.ResponseStatusCode == 404)
        {
            return InstallResult.NotFound;
        }
        catch (ODataError e)
        {
            logger.LogWarning("Installing the app for user {ObjectId} failed: {Status} {Code}", objectId, e.ResponseStatusCode, e.Error?.Code);
            return InstallResult.Failed;
        }
    }
}

/// <summary>
/// One recipient, one proactive 1:1 message (through <see cref="IProactiveMessenger"/>): into the stored conversation when
/// the bot has one, otherwise by creating the 1:1 conversation with the card inside the create call (one request). Errors
/// are classified per recipient.
/// </summary>
internal sealed class RecipientSender(
    IProactiveMessenger messenger, ConversationStore conversations, IOptions<BroadcastsOptions> options, IOptions<BotOptions> bot,
    IServiceProvider services, ILogger<RecipientSender> logger)
{
    public async Task<DeliveryOutcome> SendAsync(ClaimedDelivery recipient, Activity card, CancellationToken cancellationToken)
    {
        try
        {
            // The lane looked up the stored 1:1 chats of its whole batch (or an earlier attempt recorded the chat).
            if (recipient is { ServiceUrl: { } serviceUrl, ConversationId: { } conversationId })
            {
                try
                {
                    var chat = new ConversationRecord
                    {
                        ConversationId = conversationId, ServiceUrl = serviceUrl, ChannelId = "msteams", Scope = ConversationTypes.Personal,
                        TenantId = recipient.TenantId, AadObjectId = recipient.ObjectId,
                    };
                    var sent = await messenger.SendToConversationAsync(chat, card, cancellationToken);
                    return DeliveryOutcome.Sent(serviceUrl, conversationId, sent.Id);
                }
                catch (ConnectorException e) when (e.StatusCode == HttpStatusCode.NotFound || e.IsUserUnreachable && e.ErrorCode is not ("ConversationBlockedByUser" or "MessageWritesBlocked"))
                {
                    // The stored chat is gone (app reinstalled, conversation expired): open it again below.
                }
            }
            return await CreateAsync(recipient, card, install: options.Value.InstallForMissingUsers, cancellationToken);
        }
        catch (ConnectorException e)
        {
            return Classify(recipient, e);
        }
        catch (UntrustedServiceUrlException e)
        {
            return new DeliveryOutcome(DeliveryState.Failed, e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
                                  || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Transient(recipient, e.GetType().Name);
        }
    }

    private async Task<DeliveryOutcome> CreateAsync(ClaimedDelivery recipient, Activity card, bool install, CancellationToken cancellationToken)
    {
        var endpoint = await conversations.EndpointForTenantAsync(recipient.TenantId, cancellationToken);
        var serviceUrl = options.Value.ServiceUrl is { Length: > 0 } configured ? configured : endpoint?.ServiceUrl;
        if (serviceUrl is null) return new DeliveryOutcome(DeliveryState.NotInstalled, "no serviceUrl known for this tenant yet");
        var botId = bot.Value.AppId is { Length: > 0 } appId ? $"28:{appId}" : endpoint?.BotId ?? "28:teamsbot";
        try
        {
            var created = await messenger.CreatePersonalConversationAsync(serviceUrl, botId, recipient.ObjectId, recipient.TenantId, card, cancellationToken);
            if (created.Id is null) return new DeliveryOutcome(DeliveryState.Failed, "the connector returned no conversation id");
            return DeliveryOutcome.Sent(created.ServiceUrl ?? serviceUrl, created.Id, created.ActivityId);
        }
        catch (ConnectorException e) when (IsNotInstalled(e))
        {
            if (!install) return new DeliveryOutcome(DeliveryState.NotInstalled, e.ErrorCode ?? "app not installed");
            var installer = services.GetService<IAppInstaller>();
            var result = installer is null ? InstallResult.Failed : await installer.InstallAsync(recipient.TenantId, recipient.ObjectId, cancellationToken);
            return result switch
            {
                InstallResult.Installed => await CreateAsync(recipient, card, install: false, cancellationToken),
                InstallResult.NotFound => new DeliveryOutcome(DeliveryState.NotFound, "user not found"),
                _ => new DeliveryOutcome(DeliveryState.NotInstalled, "install failed"),
            };
        }
    }

    /// <summary>Teams refuses a 1:1 with a user who does not have the app: 403 <c>BotNotInConversationRoster</c> ("The bot is not part of the conversation roster.").</summary>
    internal static bool IsNotInstalled(ConnectorException e) =>
        e.StatusCode == HttpStatusCode.Forbidden && e.ErrorCode is "BotNotInConversationRoster" or "Forbidden" or null;

    private DeliveryOutcome Classify(ClaimedDelivery recipient, ConnectorException e)
    {
        if (e.StatusCode == HttpStatusCode.Forbidden && e.ErrorCode is "MessageWritesBlocked" or "ConversationBlockedByUser" or "BotDisabledByAdmin")
            return new DeliveryOutcome(DeliveryState.Blocked, e.ErrorCode);
        if (e.StatusCode == HttpStatusCode.NotFound) return new DeliveryOutcome(DeliveryState.NotFound, e.ErrorCode ?? "not found");
        if ((int)e.StatusCode is 429 or 412 or >= 500) return Transient(recipient, $"{(int)e.StatusCode} {e.ErrorCode}".Trim());
        return new DeliveryOutcome(DeliveryState.Failed, $"{(int)e.StatusCode} {e.ErrorCode}".Trim());
    }

    private DeliveryOutcome Transient(ClaimedDelivery recipient, string reason)
    {
        if (recipient.Attempts < options.Value.MaxAttempts) return DeliveryOutcome.Requeue;
        logger.LogInformation("Recipient {ObjectId} failed after {Attempts} attempts: {Reason}", recipient.ObjectId, recipient.Attempts, reason);
        return new DeliveryOutcome(DeliveryState.Failed, reason);
    }
}
