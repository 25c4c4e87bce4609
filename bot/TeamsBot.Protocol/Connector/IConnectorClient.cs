using TeamsBot.Protocol.Activities;

namespace TeamsBot.Protocol.Connector;

/// <summary>The Bot Connector REST API (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference).</summary>
public interface IConnectorClient
{
    Task<ResourceResponse> SendToConversationAsync(string serviceUrl, string conversationId, Activity activity, CancellationToken cancellationToken = default);

    Task<ResourceResponse> ReplyToActivityAsync(string serviceUrl, string conversationId, string replyToId, Activity activity, CancellationToken cancellationToken = default);

    Task<ResourceResponse> UpdateActivityAsync(string serviceUrl, string conversationId, string activityId, Activity activity, CancellationToken cancellationToken = default);

    /// <param name="tenantId">The tenant the conversation is in (its send budget); null when unknown.</param>
    Task DeleteActivityAsync(string serviceUrl, string conversationId, string activityId, string? tenantId = null, CancellationToken cancellationToken = default);

    Task<ConversationResourceResponse> CreateConversationAsync(string serviceUrl, ConversationParameters parameters, CancellationToken cancellationToken = default);

    /// <summary>One member, or null when the member is not in the conversation (404).</summary>
    Task<TeamsChannelAccount?> GetMemberAsync(string serviceUrl, string conversationId, string memberId, string? tenantId = null, CancellationToken cancellationToken = default);

    Task<PagedMembersResult> GetPagedMembersAsync(string serviceUrl, string conversationId, int? pageSize = null, string? continuationToken = null, string? tenantId = null, CancellationToken cancellationToken = default);
}
