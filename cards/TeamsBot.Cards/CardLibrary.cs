using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Resources;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using TeamsBot.Cards.Templating;

namespace TeamsBot.Cards;

/// <summary>
/// Turns a card template (embedded <c>templates/&lt;name&gt;.json</c>) plus data into Adaptive Card JSON (schema 1.5)
/// in the user's language. The app wraps the result as an attachment
/// (<c>contentType: application/vnd.microsoft.card.adaptive</c>). Thread-safe; templates are parsed once per language.
/// </summary>
public sealed partial class CardLibrary
{
    public const string DefaultLocale = "en-US";

    /// <summary>Languages the cards ship in; any other Teams locale falls back (Spanish variants to es-US, the rest to en-US).</summary>
    public static IReadOnlyList<string> SupportedLocales { get; } = ["en-US", "es-US"];

    private const string ResourcePrefix = "TeamsBot.Cards.templates.";
    private static readonly Assembly Assembly = typeof(CardLibrary).Assembly;
    private static readonly ResourceManager Strings = new("TeamsBot.Cards.Resources.CardStrings", Assembly);

    internal static readonly JsonSerializerOptions DataJsonOptions = CreateDataOptions();

    private readonly ConcurrentDictionary<(string Name, string Locale), AdaptiveCardTemplate> _templates = new();

    public CardLibrary()
    {
        TemplateNames = Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
            .Select(n => n[ResourcePrefix.Length..^".json".Length])
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>Names of the embedded templates (see <see cref="CardTemplates"/>).</summary>
    public IReadOnlyList<string> TemplateNames { get; }

    /// <summary>
    /// Binds <paramref name="data"/> (a typed record such as <see cref="WelcomeCardData"/>, or a <see cref="JsonElement"/>/<see cref="JsonNode"/>)
    /// into the template and returns the card. <paramref name="locale"/> is the user's Teams locale (e.g. <c>activity.locale</c>).
    /// </summary>
    public JsonElement Bind(string templateName, object data, string? locale = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var template = GetTemplate(templateName, ResolveLocale(locale));
        return template.ExpandValue(ToModel(data));
    }

    /// <summary>Binds typed card data into its template (<see cref="ICardData.TemplateName"/>).</summary>
    public JsonElement Bind(ICardData data, string? locale = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Bind(data.TemplateName, data, locale);
    }

    /// <summary>Maps a Teams locale to a shipped card language: exact match, then same language, then en-US.</summary>
    public static string ResolveLocale(string? locale)
    {
        if (string.IsNullOrWhiteSpace(locale)) return DefaultLocale;
        foreach (var supported in SupportedLocales)
            if (supported.Equals(locale, StringComparison.OrdinalIgnoreCase)) return supported;
        var language = locale.Split('-', '_')[0];
        foreach (var supported in SupportedLocales)
            if (supported.StartsWith(language + "-", StringComparison.OrdinalIgnoreCase)) return supported;
        return DefaultLocale;
    }

    /// <summary>The template text as written, before localisation (with <c>[[key]]</c> string tokens).</summary>
    internal static string ReadTemplateSource(string templateName)
    {
        using var stream = Assembly.GetManifestResourceStream(ResourcePrefix + templateName + ".json")
            ?? throw new ArgumentException($"Unknown card template '{templateName}'.", nameof(templateName));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The template with its <c>[[key]]</c> tokens replaced by the locale's resource strings.</summary>
    internal static JsonNode LocalizedTemplate(string templateName, string locale)
    {
        var culture = CultureInfo.GetCultureInfo(ResolveLocale(locale));
        var node = JsonNode.Parse(ReadTemplateSource(templateName))!;
        Localize(node, culture, templateName);
        return node;
    }

    private AdaptiveCardTemplate GetTemplate(string name, string locale) =>
        _templates.GetOrAdd((name, locale), key => AdaptiveCardTemplate.Parse(LocalizedTemplate(key.Name, key.Locale).ToJsonString()));

    private static void Localize(JsonNode node, CultureInfo culture, string templateName)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                {
                    if (value is JsonValue v && v.TryGetValue<string>(out var s) && s.Contains("[[", StringComparison.Ordinal))
                        o[key] = Token().Replace(s, m => Lookup(m.Groups[1].Value, culture, templateName));
                    else if (value is not null) Localize(value, culture, templateName);
                }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is JsonValue v && v.TryGetValue<string>(out var s) && s.Contains("[[", StringComparison.Ordinal))
                        a[i] = Token().Replace(s, m => Lookup(m.Groups[1].Value, culture, templateName));
                    else if (a[i] is { } child) Localize(child, culture, templateName);
                }
                break;
        }
    }

    private static string Lookup(string key, CultureInfo culture, string templateName) =>
        Strings.GetString(key, culture) ?? throw new CardTemplateException($"Template '{templateName}' uses string [[{key}]] which is not in the resources.");

    [GeneratedRegex(@"\[\[([A-Za-z0-9_.]+)\]\]")]
    private static partial Regex Token();

    internal static object? ToModel(object? data) => data switch
    {
        null => null,
        JsonElement e => JsValue.FromJson(e),
        JsonDocument d => JsValue.FromJson(d.RootElement),
        JsonNode n => JsValue.FromJson(JsonSerializer.SerializeToElement(n)),
        _ => JsValue.FromJson(JsonSerializer.SerializeToElement(data, data.GetType(), DataJsonOptions)),
    };

    private static JsonSerializerOptions CreateDataOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.Converters.Add(new HttpsUriConverter());
        options.Converters.Add(new CardDateTimeConverter());
        return options;
    }
}
