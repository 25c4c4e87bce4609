using System.Text.Json;
using System.Text.Json.Nodes;

namespace TeamsBot.Cards.Tests.Infrastructure;

/// <summary>Every template × every sample data file beside it (<c>name.data.json</c>, <c>name.max.data.json</c>) × every language.</summary>
public static class SampleCards
{
    public sealed record Sample(string Template, string DataFile, string Locale, JsonNode Data)
    {
        public string Id => $"{Template}.{Variant}.{Locale}";
        public string Variant => DataFile.EndsWith(".max.data.json", StringComparison.Ordinal) ? "max" : "sample";
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
        return samples;
    }

    public static JsonElement Bind(CardLibrary library, Sample s) =>
        library.Bind(s.Template, JsonSerializer.SerializeToElement(s.Data), s.Locale);
}
