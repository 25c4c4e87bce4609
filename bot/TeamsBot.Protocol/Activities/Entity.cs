using System.Text.Json;
using System.Text.Json.Serialization;

namespace TeamsBot.Protocol.Activities;

/// <summary>
/// An activity entity: <c>type</c> plus arbitrary properties (mention, clientInfo, streaminfo, the schema.org Message root).
/// Stored loosely so every entity round-trips; typed views are read with <see cref="As{T}"/>.
/// </summary>
public sealed record Entity
{
    public string? Type { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Properties { get; init; }

    /// <summary>Reads this entity as a typed view (e.g. <see cref="MentionEntity"/>).</summary>
    public T? As<T>() where T : class
    {
        var element = JsonSerializer.SerializeToElement(this, ProtocolJson.Options);
        return element.Deserialize<T>(ProtocolJson.Options);
    }

    /// <summary>Builds an entity from a typed view; the view's own <c>type</c> property wins.</summary>
    public static Entity From<T>(T view) where T : class
    {
        var element = JsonSerializer.SerializeToElement(view, ProtocolJson.Options);
        var props = new Dictionary<string, JsonElement>();
        string? type = null;
        foreach (var p in element.EnumerateObject())
        {
            if (p.NameEquals("type")) type = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null;
            else props[p.Name] = p.Value.Clone();
        }
        return new Entity { Type = type, Properties = props };
    }
}

public static class EntityTypes
{
    public const string Mention = "mention";
    public const string ClientInfo = "clientInfo";
    public const string StreamInfo = "streaminfo";
    public const string SchemaOrgMessage = "https://schema.org/Message";
}

public sealed record MentionEntity
{
    public string Type { get; init; } = EntityTypes.Mention;
    public ChannelAccount? Mentioned { get; init; }
    public string? Text { get; init; }
}

public sealed record ClientInfoEntity
{
    public string Type { get; init; } = EntityTypes.ClientInfo;
    public string? Locale { get; init; }
    public string? Country { get; init; }
    public string? Platform { get; init; }
    public string? Timezone { get; init; }
}

/// <summary>Teams streaming metadata: informative / streaming updates on typing activities, final on the message.</summary>
public sealed record StreamInfoEntity
{
    public string Type { get; init; } = EntityTypes.StreamInfo;
    public string? StreamId { get; init; }
    public string? StreamType { get; init; }
    public int? StreamSequence { get; init; }
}

public static class StreamTypes
{
    public const string Informative = "informative";
    public const string Streaming = "streaming";
    public const string Final = "final";
}

/// <summary>The schema.org Message root entity Teams reads for the AI label, citations and sensitivity.</summary>
public sealed record AIMessageEntity
{
    public string Type { get; init; } = EntityTypes.SchemaOrgMessage;
    [JsonPropertyName("@type")] public string SchemaType { get; init; } = "Message";
    [JsonPropertyName("@context")] public string Context { get; init; } = "https://schema.org";
    [JsonPropertyName("@id")] public string SchemaId { get; init; } = "";
    public IReadOnlyList<string>? AdditionalType { get; init; } = ["AIGeneratedContent"];
    public IReadOnlyList<Citation>? Citation { get; init; }
    public JsonElement? UsageInfo { get; init; }
}

public sealed record Citation
{
    [JsonPropertyName("@type")] public string SchemaType { get; init; } = "Claim";
    public int Position { get; init; }
    public CitationAppearance? Appearance { get; init; }
}

public sealed record CitationAppearance
{
    [JsonPropertyName("@type")] public string SchemaType { get; init; } = "DigitalDocument";
    public string? Name { get; init; }
    public string? Url { get; init; }
    public string? Abstract { get; init; }
    public IReadOnlyList<string>? Keywords { get; init; }
}
