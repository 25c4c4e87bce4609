using System.Text.Json;
using System.Text.Json.Serialization;

namespace TeamsBot.Protocol.Activities;

/// <summary>
/// The value of a <c>message/submitAction</c> invoke: a button Teams draws on a bot message, today the thumbs up/down of an
/// AI message (<c>actionName: "feedback"</c>). <see cref="ActionValue"/> depends on the action; bind it per action.
/// </summary>
public sealed record MessageSubmitActionValue
{
    public required string ActionName { get; init; }
    public JsonElement? ActionValue { get; init; }

    public const string Feedback = "feedback";
}

/// <summary><c>actionValue</c> of the feedback action: <c>{reaction: "like"|"dislike", feedback: "{\"feedbackText\":\"…\"}"}</c>.</summary>
public sealed record FeedbackActionValue
{
    public required string Reaction { get; init; }

    /// <summary>The feedback form's inputs: Teams sends them as a JSON string (an object is accepted too).</summary>
    [JsonConverter(typeof(FeedbackFormConverter))]
    public FeedbackForm? Feedback { get; init; }
}

/// <summary>What the user typed in Teams' feedback form.</summary>
public sealed record FeedbackForm(string? FeedbackText);

/// <summary>
/// Reads <c>feedback</c> as Teams sends it, a JSON document inside a string, or as an object. A string that is not JSON is
/// the text itself; a <c>feedbackText</c> that is not a string is ignored (the vote still counts).
/// </summary>
internal sealed class FeedbackFormConverter : JsonConverter<FeedbackForm?>
{
    public override bool HandleNull => true;

    public override FeedbackForm? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                var raw = reader.GetString();
                if (string.IsNullOrWhiteSpace(raw)) return null;
                try
                {
                    using var embedded = JsonDocument.Parse(raw, new JsonDocumentOptions { MaxDepth = ProtocolJson.MaxDepth });
                    return FromObject(embedded.RootElement);
                }
                catch (JsonException)
                {
                    return new FeedbackForm(raw);
                }
            case JsonTokenType.StartObject:
                using (var document = JsonDocument.ParseValue(ref reader)) return FromObject(document.RootElement);
            default:
                throw new JsonException("feedback must be a string or an object");
        }
    }

    private static FeedbackForm? FromObject(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("feedbackText", out var text) && text.ValueKind == JsonValueKind.String
            && text.GetString() is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value)
            ? new FeedbackForm(value)
            : null;

    public override void Write(Utf8JsonWriter writer, FeedbackForm? value, JsonSerializerOptions options)
    {
        if (value is null) writer.WriteNullValue();
        else writer.WriteStringValue(JsonSerializer.Serialize(new { feedbackText = value.FeedbackText }));
    }
}
