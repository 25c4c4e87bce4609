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
        /// <summary>1 for a template's first typed record, 2 for its second, …: ids stay unique when a template has several.</summary>
        public int TypedOrdinal { get; init; } = 1;
        public string Variant => Typed is not null ? (TypedOrdinal == 1 ? "typed" : $"typed{TypedOrdinal}")
            : DataFile.EndsWith(".max.data.json", StringComparison.Ordinal) ? "max" : "sample";
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
        var ordinals = new Dictionary<string, int>();
        foreach (var typed in TypedSamples.All)
        {
            var ordinal = ordinals[typed.TemplateName] = ordinals.GetValueOrDefault(typed.TemplateName) + 1;
            foreach (var locale in CardLibrary.SupportedLocales)
            {
                var node = JsonSerializer.SerializeToNode(typed, typed.GetType(), CardLibrary.DataJsonOptions)!;
                samples.Add(new Sample(typed.TemplateName, "(typed)", locale, node) { Typed = typed, TypedOrdinal = ordinal });
            }
        }
        return samples;
    }

    public static JsonElement Bind(CardLibrary library, Sample s) => s.Typed is not null
        ? library.Bind(s.Typed, s.Locale)
        : library.Bind(s.Template, JsonSerializer.SerializeToElement(s.Data), s.Locale);
}
