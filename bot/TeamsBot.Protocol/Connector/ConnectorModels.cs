using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Protocol.Connector;

public sealed record ResourceResponse(string? Id);

public sealed record ConversationResourceResponse
{
    public string? Id { get; init; }
    public string? ActivityId { get; init; }
    public string? ServiceUrl { get; init; }
}

/// <summary>Body of <c>POST /v3/conversations</c> (proactive 1:1: one member, isGroup false, tenantId).</summary>
public sealed record ConversationParameters
{
    public bool IsGroup { get; init; }
    public ChannelAccount? Bot { get; init; }
    public IReadOnlyList<ChannelAccount>? Members { get; init; }
    public string? TopicName { get; init; }
    public string? TenantId { get; init; }
    public Activity? Activity { get; init; }
    public TeamsChannelData? ChannelData { get; init; }
}

public sealed record PagedMembersResult
{
    public string? ContinuationToken { get; init; }
    public IReadOnlyList<TeamsChannelAccount> Members { get; init; } = [];
}

/// <summary>A connector call that failed for good (after retries), with the Teams error code when one was given.</summary>
public sealed class ConnectorException(HttpStatusCode status, string? code, string message) : Exception(message)
{
    public HttpStatusCode StatusCode { get; } = status;

    /// <summary>e.g. <c>ContentStreamNotAllowed</c>, <c>MessageWritesBlocked</c>, <c>ConversationBlockedByUser</c>.</summary>
    public string? ErrorCode { get; } = code;

    /// <summary>The user blocked or removed the bot: final for that user.</summary>
    public bool IsUserUnreachable => StatusCode == HttpStatusCode.Forbidden
        && ErrorCode is "MessageWritesBlocked" or "ConversationBlockedByUser" or "BotDisabledByAdmin"
        || StatusCode == HttpStatusCode.NotFound && ErrorCode is "ConversationNotFound";
}

/// <summary>The serviceUrl is not one the bot has seen on an authenticated activity nor configured.</summary>
public sealed class UntrustedServiceUrlException(string serviceUrl)
    : Exception($"Refusing to call an untrusted serviceUrl ({SafeHost(serviceUrl)}).")
{
    private static string SafeHost(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.Host : "invalid url";
}

internal sealed record ErrorResponse
{
    public ErrorBody? Error { get; init; }
    internal sealed record ErrorBody
    {
        public string? Code { get; init; }
        public string? Message { get; init; }
    }
}
