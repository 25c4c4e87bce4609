using System.Text.Json;
using System.Text.Json.Nodes;

namespace TeamsBot.Cards.Tests.Infrastructure;

/// <summary>Every template × every sample data file beside it (<c>name.data.json</c>, <c>name.max.data.json</c>) × every language.</summary>
public static class SampleCards
{
    public sealed record Sample(string Template, string DataFile, string Locale, JsonNode Data)
    {
        public string Id => $"{Template}.{Variant}.{Locale}";
        public ICardData? Typed { get; init; }
        public string Variant => Typed is not null ? "typed" : DataFile.EndsWith(".max.data.json", StringComparison.Ordinal) ? "max" : "sample";
        public bool IsMax => Variant == "max";
    }

    public static IReadOnlyList<Sample> All { get; } = Load();

    private static List<Sample> Load()
    {
        var library = new CardLibrary();
        var samples = new List<Sample>();
        foreach (var name in library.TemplateNames)
        {
            var files = Directory.GetFiles(RepoPaths.Templates, name + ".*data.json")
                .Where(f => Path.GetFileName(f) is var n && (n == name + ".data.json" || n == name + ".max.data.json"))
                .Order(StringComparer.Ordinal);
            foreach (var file in files)
            {
                foreach (var locale in CardLibrary.SupportedLocales)
                    samples.Add(new Sample(name, Path.GetFileName(file), locale, JsonNode.Parse(File.ReadAllText(file))!));
            }
        }
        foreach (var typed in TypedSamples.All)
        {
            foreach (var locale in CardLibrary.SupportedLocales)
            {
                var node = JsonSerializer.SerializeToNode(typed, typed.GetType(), CardLibrary.DataJsonOptions)!;
                samples.Add(new Sample(typed.TemplateName, "(typed)", locale, node) { Typed = typed });
            }
        }
        return samples;
    }

    public static JsonElement Bind(CardLibrary library, Sample s) => s.Typed is not null
        ? library.Bind(s.Typed, s.Locale)
        : library.Bind(s.Template, JsonSerializer.SerializeToElement(s.Data), s.Locale);
}
