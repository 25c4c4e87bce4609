using System.Text.Json;
using System.Text.RegularExpressions;
using TeamsBot.Cards.Tests.Infrastructure;

namespace TeamsBot.Cards.Tests.Cards;

public sealed partial class LocalizationTests
{
    private readonly CardLibrary _library = new();

    private static IEnumerable<string> Texts(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p => p.Name is "text" or "title" or "label" or "value" && p.Value.ValueKind == JsonValueKind.String
            ? [p.Value.GetString()!] : Texts(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(Texts),
        _ => [],
    };

    [Fact]
    public void Spanish_locale_shows_spanish_strings()
    {
        var card = _library.Bind(new TimeSavedSurveyCardData("s-1"), "es-US");
        var texts = Texts(card).ToList();
        Assert.Contains("¿Cuántos minutos, aproximadamente, le ahorró el asistente en un día típico de esta semana?", texts);
        Assert.Contains("Totalmente de acuerdo", texts);
        Assert.Contains("Enviar respuestas", texts);
        Assert.DoesNotContain("About how many minutes did the assistant save you on a typical day this week?", texts);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("fr-FR")]
    [InlineData("zz")]
    [InlineData("en-GB")]
    public void Unknown_or_missing_locale_falls_back_to_english(string? locale)
    {
        var texts = Texts(_library.Bind(new TimeSavedSurveyCardData("s-1"), locale)).ToList();
        Assert.Contains("About how many minutes did the assistant save you on a typical day this week?", texts);
        Assert.Contains("Send answers", texts);
    }

    [Theory]
    [InlineData("es-us", "es-US")]
    [InlineData("es-MX", "es-US")]
    [InlineData("es", "es-US")]
    [InlineData("EN-us", "en-US")]
    [InlineData("de-DE", "en-US")]
    public void Teams_locale_maps_to_a_shipped_language(string teamsLocale, string expected) =>
        Assert.Equal(expected, CardLibrary.ResolveLocale(teamsLocale));

    [Fact]
    public void Every_template_string_exists_in_both_languages_and_spanish_is_translated()
    {
        var untranslated = new List<string>();
        foreach (var name in _library.TemplateNames)
        {
            var source = CardLibrary.ReadTemplateSource(name);
            Assert.Contains("[[", source); // strings come from resources, not from the template
            // Throws if a token has no resource string.
            var en = CardLibrary.LocalizedTemplate(name, "en-US").ToJsonString();
            var es = CardLibrary.LocalizedTemplate(name, "es-US").ToJsonString();
            Assert.DoesNotContain("[[", en);
            Assert.DoesNotContain("[[", es);
            if (en == es) untranslated.Add(name);
        }
        Assert.Empty(untranslated);
    }

    [Fact]
    public void Both_languages_have_the_same_strings_and_every_string_is_used_by_a_template()
    {
        var en = ResourceKeys("CardStrings.resx");
        var es = ResourceKeys("CardStrings.es-US.resx");
        Assert.Equal(en.Order(StringComparer.Ordinal), es.Order(StringComparer.Ordinal));
        var used = _library.TemplateNames
            .SelectMany(name => Tokens().Matches(CardLibrary.ReadTemplateSource(name)).Select(m => m.Value[2..^2]))
            .ToHashSet(StringComparer.Ordinal);
        var unused = en.Where(k => !used.Contains(k)).ToList();
        Assert.True(unused.Count == 0, "Strings no template uses: " + string.Join(", ", unused));
    }

    private static List<string> ResourceKeys(string file) =>
        System.Xml.Linq.XDocument.Load(Path.Combine(RepoPaths.Root, "cards", "TeamsBot.Cards", "Resources", file))
            .Root!.Elements("data").Select(d => (string)d.Attribute("name")!).ToList();

    [Fact]
    public void Templates_contain_no_hardcoded_english_sentences()
    {
        // Text-bearing properties must be a [[resource]] token or a pure data binding; sentences in the template would not be translated.
        var offenders = new List<string>();
        foreach (var name in _library.TemplateNames)
        {
            using var doc = JsonDocument.Parse(CardLibrary.ReadTemplateSource(name));
            foreach (var text in Texts(doc.RootElement))
            {
                var stripped = Bindings().Replace(Tokens().Replace(text, ""), "");
                if (Regex.IsMatch(stripped, @"\p{L}{3,}") && !IsCommandOrValue(text)) offenders.Add($"{name}: {text}");
            }
        }
        Assert.Empty(offenders);
    }

    // Commands are typed in English in every language; choice values are machine values (the composer's kind and audience type).
    private static bool IsCommandOrValue(string text) =>
        text is "help" or "new chat" or "nudges" or "attendees" or "training" or "feedback" or "stop tips" or "broadcast" or "campaigns" or "events" or "report" or "agencies" or "research"
            or "announcement" or "nudge" or "invite" or "workshop" or "hackathon" or "tenant" or "groups" or "team" or "users";

    [GeneratedRegex(@"\[\[[A-Za-z0-9_.]+\]\]")]
    private static partial Regex Tokens();

    [GeneratedRegex(@"\{\{(DATE|TIME)\(.*?\)\}\}|\$\{[^}]*\}")]
    private static partial Regex Bindings();
}
