using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

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
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
