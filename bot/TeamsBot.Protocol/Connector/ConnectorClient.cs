using System.Net;
using System.Text.Json;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Protocol.Connector;

/// <summary>
/// Bot Connector REST client over a resilient <see cref="HttpClient"/> (token, per-conversation pacing, retries are
/// handlers in its pipeline). Only trusted serviceUrls are called.
/// </summary>
internal sealed class ConnectorClient(HttpClient http, TrustedServiceUrls trusted) : IConnectorClient
{
    public Task<ResourceResponse> SendToConversationAsync(string serviceUrl, string conversationId, Activity activity, CancellationToken cancellationToken = default) =>
        SendAsync<ResourceResponse>(HttpMethod.Post, serviceUrl, $"v3/conversations/{Esc(conversationId)}/activities", "send", activity.TenantId, activity, cancellationToken);

    public Task<ResourceResponse> ReplyToActivityAsync(string serviceUrl, string conversationId, string replyToId, Activity activity, CancellationToken cancellationToken = default) =>
        SendAsync<ResourceResponse>(HttpMethod.Post, serviceUrl, $"v3/conversations/{Esc(conversationId)}/activities/{Esc(replyToId)}", "reply", activity.TenantId, activity with { ReplyToId = replyToId }, cancellationToken);

    public Task<ResourceResponse> UpdateActivityAsync(string serviceUrl, string conversationId, string activityId, Activity activity, CancellationToken cancellationToken = default) =>
        SendAsync<ResourceResponse>(HttpMethod.Put, serviceUrl, $"v3/conversations/{Esc(conversationId)}/activities/{Esc(activityId)}", "update", activity.TenantId, activity with { Id = activityId }, cancellationToken);

    public async Task DeleteActivityAsync(string serviceUrl, string conversationId, string activityId, string? tenantId = null, CancellationToken cancellationToken = default) =>
        await SendAsync<JsonElement?>(HttpMethod.Delete, serviceUrl, $"v3/conversations/{Esc(conversationId)}/activities/{Esc(activityId)}", "delete", tenantId, null, cancellationToken).ConfigureAwait(false);

    public Task<ConversationResourceResponse> CreateConversationAsync(string serviceUrl, ConversationParameters parameters, CancellationToken cancellationToken = default) =>
        SendAsync<ConversationResourceResponse>(HttpMethod.Post, serviceUrl, "v3/conversations", "create", parameters.TenantId ?? parameters.ChannelData?.Tenant?.Id, parameters, cancellationToken);

    public async Task<TeamsChannelAccount?> GetMemberAsync(string serviceUrl, string conversationId, string memberId, string? tenantId = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendAsync<TeamsChannelAccount>(HttpMethod.Get, serviceUrl, $"v3/conversations/{Esc(conversationId)}/members/{Esc(memberId)}", "member", tenantId, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectorException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task<PagedMembersResult> GetPagedMembersAsync(string serviceUrl, string conversationId, int? pageSize = null, string? continuationToken = null, string? tenantId = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (pageSize is { } size) query.Add($"pageSize={size}");
        if (!string.IsNullOrEmpty(continuationToken)) query.Add($"continuationToken={Uri.EscapeDataString(continuationToken)}");
        var path = $"v3/conversations/{Esc(conversationId)}/pagedmembers" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        return SendAsync<PagedMembersResult>(HttpMethod.Get, serviceUrl, path, "members", tenantId, null, cancellationToken);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string serviceUrl, string path, string operation, string? tenantId, object? body, CancellationToken cancellationToken) =>
        ConnectorHttp.Deserialize<T>(await ConnectorHttp.SendAsync(http, trusted, method, serviceUrl, path, operation, tenantId, body, cancellationToken).ConfigureAwait(false));

    private static string Esc(string value) => ConnectorHttp.Esc(value);
}
