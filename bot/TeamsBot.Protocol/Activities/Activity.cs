using System.Text.Json;
using System.Text.Json.Serialization;

namespace TeamsBot.Protocol.Activities;

/// <summary>Activity types of the Bot Framework schema that this host understands.</summary>
public static class ActivityTypes
{
    public const string Message = "message";
    public const string Typing = "typing";
    public const string Invoke = "invoke";
    public const string ConversationUpdate = "conversationUpdate";
    public const string InstallationUpdate = "installationUpdate";
    public const string MessageReaction = "messageReaction";
    public const string MessageUpdate = "messageUpdate";
    public const string MessageDelete = "messageDelete";
    public const string Event = "event";
}

/// <summary>
/// A Bot Framework activity (https://github.com/microsoft/botframework-sdk/blob/main/specs/botframework-activity/botframework-activity.md).
/// Unknown properties are kept in <see cref="Extra"/> so an activity round-trips unchanged.
/// </summary>
public sealed record Activity
{
    public string? Type { get; init; }
    public string? Id { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
    public DateTimeOffset? LocalTimestamp { get; init; }
    public string? LocalTimezone { get; init; }
    public string? ServiceUrl { get; init; }
    public string? ChannelId { get; init; }
    public ChannelAccount? From { get; init; }
    public ConversationAccount? Conversation { get; init; }
    public ChannelAccount? Recipient { get; init; }
    public string? TextFormat { get; init; }
    public string? AttachmentLayout { get; init; }
    public string? Text { get; init; }
    public string? Summary { get; init; }
    public string? Locale { get; init; }
    public string? InputHint { get; init; }
    public IReadOnlyList<Attachment>? Attachments { get; init; }
    public IReadOnlyList<Entity>? Entities { get; init; }
    /// <summary>Buttons shown under a message until the user answers (Teams: 1:1 chats; <c>imBack</c> posts the value as the user's message).</summary>
    public SuggestedActions? SuggestedActions { get; init; }
    public TeamsChannelData? ChannelData { get; init; }
    public string? Action { get; init; }
    public string? ReplyToId { get; init; }
    public string? Name { get; init; }
    public JsonElement? Value { get; init; }
    public string? ValueType { get; init; }
    public IReadOnlyList<ChannelAccount>? MembersAdded { get; init; }
    public IReadOnlyList<ChannelAccount>? MembersRemoved { get; init; }
    public IReadOnlyList<MessageReaction>? ReactionsAdded { get; init; }
    public IReadOnlyList<MessageReaction>? ReactionsRemoved { get; init; }
    public ConversationReference? RelatesTo { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }

    public bool IsType(string type) => string.Equals(Type, type, StringComparison.OrdinalIgnoreCase);

    /// <summary>Tenant id from the conversation, falling back to Teams channelData.</summary>
    [JsonIgnore]
    public string? TenantId => Conversation?.TenantId ?? ChannelData?.Tenant?.Id;

    /// <summary>
    /// This activity without <c>null</c> elements in its lists (<c>"membersAdded": [null, {…}]</c> arrives from buggy or hostile
    /// callers). The endpoint applies it once at parse time, so no handler ever meets a null inside a list; an activity
    /// without such nulls is returned as is (no copy).
    /// </summary>
    public Activity WithoutNullListElements()
    {
        var (attachments, entities, membersAdded, membersRemoved, reactionsAdded, reactionsRemoved) = (WithoutNulls(Attachments),
            WithoutNulls(Entities), WithoutNulls(MembersAdded), WithoutNulls(MembersRemoved), WithoutNulls(ReactionsAdded), WithoutNulls(ReactionsRemoved));
        if (attachments == Attachments && entities == Entities && membersAdded == MembersAdded && membersRemoved == MembersRemoved
            && reactionsAdded == ReactionsAdded && reactionsRemoved == ReactionsRemoved) return this;
        return this with
        {
            Attachments = attachments, Entities = entities, MembersAdded = membersAdded, MembersRemoved = membersRemoved,
            ReactionsAdded = reactionsAdded, ReactionsRemoved = reactionsRemoved,
        };

        // The same list when it holds no null.
        static IReadOnlyList<T>? WithoutNulls<T>(IReadOnlyList<T>? list) where T : class
        {
            if (list is null) return null;
            for (var i = 0; i < list.Count; i++)
                if (list[i] is null) return [.. list.Where(x => x is not null)];
            return list;
        }
    }

    /// <summary>A reference that lets the bot reach this conversation later (proactive messages).</summary>
    public ConversationReference GetConversationReference() => new()
    {
        ActivityId = Id,
        User = From,
        Bot = Recipient,
        Conversation = Conversation,
        ChannelId = ChannelId,
        ServiceUrl = ServiceUrl,
        Locale = Locale,
    };

    /// <summary>
    /// A reply skeleton addressed back to this activity's conversation. The tenant travels with the conversation even when
    /// Teams put it only in channelData (it keys the per-tenant send budget).
    /// </summary>
    public Activity CreateReply(string? text = null) => new()
    {
        Type = ActivityTypes.Message,
        From = Recipient is null ? null : new ChannelAccount { Id = Recipient.Id, Name = Recipient.Name },
        Recipient = From is null ? null : new ChannelAccount { Id = From.Id, Name = From.Name, AadObjectId = From.AadObjectId },
        Conversation = Conversation is { TenantId: null } conversation && ChannelData?.Tenant?.Id is { } tenant ? conversation with { TenantId = tenant } : Conversation,
        ReplyToId = Id,
        ServiceUrl = ServiceUrl,
        ChannelId = ChannelId,
        Locale = Locale,
        Text = text,
    };

    public static Activity Message(string? text = null) => new() { Type = ActivityTypes.Message, Text = text };
}

public sealed record ChannelAccount
{
    public string? Id { get; init; }
    public string? Name { get; init; }
    public string? AadObjectId { get; init; }
    public string? Role { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>A Teams member as returned by the connector's members endpoints.</summary>
public sealed record TeamsChannelAccount
{
    public string? Id { get; init; }
    public string? Name { get; init; }
    public string? AadObjectId { get; init; }
    public string? Email { get; init; }
    public string? UserPrincipalName { get; init; }
    public string? TenantId { get; init; }
    public string? GivenName { get; init; }
    public string? Surname { get; init; }
    public string? UserRole { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }
}

public sealed record ConversationAccount
{
    public string? Id { get; init; }
    public string? Name { get; init; }
    public bool? IsGroup { get; init; }
    /// <summary>personal, groupChat or channel.</summary>
    public string? ConversationType { get; init; }
    public string? TenantId { get; init; }
    public string? Role { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }
}

public static class ConversationTypes
{
    public const string Personal = "personal";
    public const string GroupChat = "groupChat";
    public const string Channel = "channel";
}

public sealed record ConversationReference
{
    public string? ActivityId { get; init; }
    public ChannelAccount? User { get; init; }
    public ChannelAccount? Bot { get; init; }
    public ConversationAccount? Conversation { get; init; }
    public string? ChannelId { get; init; }
    public string? ServiceUrl { get; init; }
    public string? Locale { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }
}

public sealed record Attachment
{
    public string? ContentType { get; init; }
    public string? ContentUrl { get; init; }
    public JsonElement? Content { get; init; }
    public string? Name { get; init; }
    public string? ThumbnailUrl { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    public const string AdaptiveCardContentType = "application/vnd.microsoft.card.adaptive";

    /// <summary>Wraps Adaptive Card JSON (already expanded) as an attachment.</summary>
    public static Attachment AdaptiveCard(JsonElement card) => new() { ContentType = AdaptiveCardContentType, Content = card };

    public static Attachment AdaptiveCard(string cardJson)
    {
        using var doc = JsonDocument.Parse(cardJson);
        return AdaptiveCard(doc.RootElement.Clone());
    }
}

public sealed record MessageReaction
{
    public string? Type { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>Bot Framework <c>suggestedActions</c>: <c>actions</c> (and optionally the recipients they are for).</summary>
public sealed record SuggestedActions(IReadOnlyList<SuggestedAction> Actions)
{
    public IReadOnlyList<string>? To { get; init; }
}

/// <summary>A Bot Framework card action (<c>type</c> <c>imBack</c>, <c>messageBack</c>, <c>openUrl</c>…) as a suggested action.</summary>
public sealed record SuggestedAction(string Type, string Title, string? Value)
{
    public const string ImBack = "imBack";
}
