using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Protocol.Hosting;

/// <summary>
/// Binds an invoke's <c>value</c> (or a card action's <c>data</c>) to a typed record. Lenient where Teams is loose
/// (inputs arrive as strings: "3", "true"), strict where the record is: <c>required</c> members and non-nullable
/// reference types must be present. Failures come back as one readable reason naming the field.
/// </summary>
public static partial class InvokeBinding
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            MaxDepth = ProtocolJson.MaxDepth,
            AllowTrailingCommas = true,
        };
        options.Converters.Add(new LenientBooleanConverter());
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Binds <paramref name="element"/>; a missing element binds as <c>{}</c> so required members are reported by name.</summary>
    public static bool TryBind<T>(JsonElement? element, out T value, out string error)
    {
        value = default!;
        error = "";
        try
        {
            var source = element is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } e ? e : EmptyObject;
            var bound = source.Deserialize<T>(Options);
            if (bound is null)
            {
                error = "the value is missing";
                return false;
            }
            value = bound;
            return true;
        }
        catch (JsonException e)
        {
            error = Describe(e);
            return false;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException or FormatException)
        {
            error = "the value is not valid";
            return false;
        }
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>"'eventId' is missing" / "'seats' is missing or not valid": the field, never the value (it may be user text).</summary>
    internal static string Describe(JsonException e)
    {
        var fields = BadFields(e);
        if (fields.Count == 0) return "the value is not a JSON object of the expected shape";
        var names = string.Join(", ", fields.Select(f => $"'{f.Field}'"));
        return fields[0].Missing ? $"{names} is missing" : $"{names} is missing or not valid";
    }

    /// <summary>
    /// The fields a deserialization failure is about, as JSON paths without <c>$.</c>: every missing <c>required</c> member
    /// (<c>Missing</c>), or the one member that does not fit. Empty when the value as a whole has the wrong shape.
    /// </summary>
    public static IReadOnlyList<(string Field, bool Missing)> BadFields(JsonException e)
    {
        var required = MissingRequired().Match(e.Message);
        if (required.Success)
            return required.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(n => (n.Trim('\''), true)).ToList();
        return e.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? [(p[2..], false)] : [];
    }

    [GeneratedRegex(@"missing required properties including: (.+?)\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex MissingRequired();

    /// <summary>Teams sends Input.Toggle values as "true"/"false" strings.</summary>
    private sealed class LenientBooleanConverter : JsonConverter<bool>
    {
        public override bool Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            JsonTokenType.String when bool.TryParse(reader.GetString(), out var b) => b,
            _ => throw new JsonException("not a boolean"),
        };

        public override void Write(Utf8JsonWriter writer, bool value, JsonSerializerOptions options) => writer.WriteBooleanValue(value);
    }
}
