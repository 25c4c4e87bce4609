using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace TeamsBot.Cards;

/// <summary>
/// Neutralises user-provided text before it is bound into a card: Adaptive Card TextBlocks render markdown, so
/// a name like <c>[click](https://evil)</c> would become a link. Markdown and HTML control characters are
/// backslash-escaped, and <c>${</c> is broken with a word joiner so no later templating pass can evaluate it.
/// (The engine itself never evaluates data: values are inserted after evaluation.)
/// </summary>
public static partial class CardText
{
    private const string WordJoiner = "\u2060";

    /// <summary>Plain text: shown exactly as typed, never as markdown, HTML or a template expression.</summary>
    public static string Plain(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c) && c is not '\n') { sb.Append(' '); continue; }
            if (c is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '~' or '#' or '|') sb.Append('\\');
            sb.Append(c);
            if (c == '$' && i + 1 < text.Length && text[i + 1] == '{') sb.Append(WordJoiner);
        }
        return sb.ToString();
    }

    /// <summary>
    /// Markdown written by a coach (announcement body): bold, italic, lists and https links stay; HTML, autolinks,
    /// non-https links and template expressions are neutralised.
    /// </summary>
    public static string Markdown(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var s = text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("<", "\\<", StringComparison.Ordinal)
            .Replace(">", "\\>", StringComparison.Ordinal)
            .Replace("${", "$" + WordJoiner + "{", StringComparison.Ordinal);
        return MarkdownLink().Replace(s, m => IsHttps(m.Groups[2].Value)
            ? m.Value
            : "\\[" + m.Groups[1].Value + "\\]\\(" + m.Groups[2].Value + "\\)");
    }

    /// <summary>True for absolute https URLs, the only links and images cards carry.</summary>
    public static bool IsHttps(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme == Uri.UriSchemeHttps;

    [GeneratedRegex(@"\[([^\]\n]*)\]\(([^)\n]*)\)")]
    private static partial Regex MarkdownLink();
}

/// <summary>User-provided text (titles, names, free text): serialised through <see cref="CardText.Plain"/>.</summary>
[JsonConverter(typeof(UserTextConverter))]
public readonly record struct UserText(string Value)
{
    public static implicit operator UserText(string value) => new(value);
    public override string ToString() => Value;
}

/// <summary>Markdown authored by a coach: serialised through <see cref="CardText.Markdown"/>.</summary>
[JsonConverter(typeof(MarkdownTextConverter))]
public readonly record struct MarkdownText(string Value)
{
    public static implicit operator MarkdownText(string value) => new(value);
    public override string ToString() => Value;
}

internal sealed class UserTextConverter : JsonConverter<UserText>
{
    public override UserText Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.GetString() ?? "");
    public override void Write(Utf8JsonWriter writer, UserText value, JsonSerializerOptions options) => writer.WriteStringValue(CardText.Plain(value.Value));
}

internal sealed class MarkdownTextConverter : JsonConverter<MarkdownText>
{
    public override MarkdownText Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.GetString() ?? "");
    public override void Write(Utf8JsonWriter writer, MarkdownText value, JsonSerializerOptions options) => writer.WriteStringValue(CardText.Markdown(value.Value));
}

/// <summary>A plain <see cref="string"/> property shown as text (e.g. a validation message): serialised through <see cref="CardText.Plain"/>.</summary>
internal sealed class PlainStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString();
    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(CardText.Plain(value));
}

/// <summary>Cards only link to https: any other scheme (javascript:, data:, http:) is refused when binding.</summary>
internal sealed class HttpsUriConverter : JsonConverter<Uri>
{
    public override Uri? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is { } s ? new Uri(s, UriKind.Absolute) : null;

    public override void Write(Utf8JsonWriter writer, Uri value, JsonSerializerOptions options)
    {
        if (!value.IsAbsoluteUri || value.Scheme != Uri.UriSchemeHttps)
            throw new JsonException($"Cards only carry https URLs; refused a {(value.IsAbsoluteUri ? value.Scheme : "relative")} URL.");
        writer.WriteStringValue(value.AbsoluteUri);
    }
}

/// <summary>Times as Adaptive Cards' {{DATE()}}/{{TIME()}} require them: UTC, whole seconds, "Z".</summary>
internal sealed class CardDateTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
}
