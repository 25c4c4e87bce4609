using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace TeamsBot.Protocol.Activities;

/// <summary>The JSON conventions of the Bot Framework wire: camelCase, nulls omitted, bounded depth.</summary>
public static class ProtocolJson
{
    /// <summary>Deepest nesting accepted from the wire (Adaptive Card inputs stay far below this).</summary>
    public const int MaxDepth = 64;

    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            MaxDepth = MaxDepth,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            NumberHandling = JsonNumberHandling.Strict,
            Converters = { new NullFreeListConverterFactory() },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>
/// Reads <c>IReadOnlyList&lt;T&gt;</c> of reference types without their <c>null</c> elements (<c>"membersAdded": [null, {…}]</c>
/// arrives from buggy or hostile callers), so no handler ever meets a null inside a list. Writing is unchanged.
/// </summary>
internal sealed class NullFreeListConverterFactory : JsonConverterFactory
{
    private JsonSerializerOptions? _writeOptions;

    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)
        && !typeToConvert.GetGenericArguments()[0].IsValueType;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(NullFreeListConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]), this)!;

    /// <summary>The same options without this factory: writing a list goes through System.Text.Json's own list converter.</summary>
    private JsonSerializerOptions WriteOptions(JsonSerializerOptions options)
    {
        if (_writeOptions is { } cached) return cached;
        var plain = new JsonSerializerOptions(options);
        foreach (var converter in plain.Converters.OfType<NullFreeListConverterFactory>().ToList()) plain.Converters.Remove(converter);
        plain.MakeReadOnly(populateMissingResolver: true);
        return _writeOptions = plain;
    }

    private sealed class NullFreeListConverter<T>(NullFreeListConverterFactory factory) : JsonConverter<IReadOnlyList<T>> where T : class
    {
        private JsonTypeInfo<T>? _element;
        private JsonTypeInfo<IReadOnlyList<T>>? _list;

        public override IReadOnlyList<T>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException($"Expected an array, got {reader.TokenType}.");
            var element = _element ??= (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
            var items = new List<T>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (JsonSerializer.Deserialize(ref reader, element) is { } item) items.Add(item);
            }
            return items;
        }

        public override void Write(Utf8JsonWriter writer, IReadOnlyList<T> value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, _list ??= (JsonTypeInfo<IReadOnlyList<T>>)factory.WriteOptions(options).GetTypeInfo(typeof(IReadOnlyList<T>)));
    }
}
