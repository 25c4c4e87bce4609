using System.Text.Json;
using System.Text.Json.Serialization;

namespace TeamsBot.Protocol.Activities;

/// <summary>Teams-specific <c>channelData</c>. Unknown members round-trip through <see cref="Extra"/>.</summary>
public sealed record TeamsChannelData
{
    public TenantInfo? Tenant { get; init; }
    public TeamInfo? Team { get; init; }
    public ChannelInfo? Channel { get; init; }
    public string? EventType { get; init; }
    public JsonElement? Settings { get; init; }
    public NotificationInfo? Notification { get; init; }
    /// <summary>Shows the default thumbs up/down on a bot message. Never sent together with <see cref="FeedbackLoop"/>.</summary>
    public bool? FeedbackLoopEnabled { get; init; }
    public FeedbackLoopInfo? FeedbackLoop { get; init; }
    public string? StreamId { get; init; }
    public string? StreamType { get; init; }
    public int? StreamSequence { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }
}

public sealed record TenantInfo
{
    public string? Id { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }
}

public sealed record TeamInfo
{
    public string? Id { get; init; }
    public string? Name { get; init; }
    public string? AadGroupId { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }
}

public sealed record ChannelInfo
{
    public string? Id { get; init; }
    public string? Name { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }
}

public sealed record NotificationInfo
{
    public bool? Alert { get; init; }
    public bool? AlertInMeeting { get; init; }
}

public sealed record FeedbackLoopInfo
{
    /// <summary>default or custom.</summary>
    public string? Type { get; init; }
}
