using System.Text;
using System.Text.Json;
using TeamsBot.Cards.Tests.Infrastructure;

namespace TeamsBot.Cards.Tests.Cards;

/// <summary>
/// Section 508 / WCAG rules over every card (every template × sample, maximal and typed data × language):
/// 1. every Image has altText; 2. every action has a title; 3. every TextBlock wraps and its text is a non-empty string;
/// 4. every card has a heading (style "heading"), and large text is a heading; 5. every input has a label;
/// 6. no meaning by colour alone: text coloured good/warning/attention, and every container styled good/warning/attention,
///    carries a status symbol (✅ ⚠️ ⏳ ⛔ ❌ ℹ️ 🔒) at the start of its text, so the state is readable without colour.
/// </summary>
public sealed class AccessibilityTests
{
    private static readonly string[] StatusSymbols = ["✅", "⚠️", "⏳", "⛔", "❌", "ℹ️", "🔒"];
    private static readonly string[] StatusStyles = ["good", "warning", "attention"];

    public static TheoryData<string> SampleIds()
    {
        var data = new TheoryData<string>();
        foreach (var s in SampleCards.All) data.Add(s.Id);
        return data;
    }

    [Theory]
    [MemberData(nameof(SampleIds))]
    public void Card_meets_the_accessibility_rules(string id)
    {
        var sample = SampleCards.All.Single(s => s.Id == id);
        var card = SampleCards.Bind(new CardLibrary(), sample);
        var problems = Check(card);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Rules_catch_violations()
    {
        var bad = JsonDocument.Parse("""
            {"type":"AdaptiveCard","version":"1.5","body":[
              {"type":"Image","url":"https://x.example.gov/a.png"},
              {"type":"TextBlock","text":"Failed","color":"attention","wrap":true},
              {"type":"TextBlock","text":"Big","size":"large"},
              {"type":"TextBlock","text":42,"wrap":true},
              {"type":"Container","style":"good","items":[{"type":"TextBlock","text":"Done","wrap":true}]},
              {"type":"Input.Text","id":"x"}],
             "actions":[{"type":"Action.Execute","verb":"v"}]}
            """).RootElement;
        var problems = Check(bad);
        Assert.Contains(problems, p => p.Contains("altText"));
        Assert.Contains(problems, p => p.Contains("colour"));
        Assert.Contains(problems, p => p.Contains("wrap"));
        Assert.Contains(problems, p => p.Contains("large text"));
        Assert.Contains(problems, p => p.Contains("no heading"));
        Assert.Contains(problems, p => p.Contains("non-empty string"));
        Assert.Contains(problems, p => p.Contains("container"));
        Assert.Contains(problems, p => p.Contains("label"));
        Assert.Contains(problems, p => p.Contains("title"));
    }

    internal static List<string> Check(JsonElement card)
    {
        var problems = new List<string>();
        var headings = 0;
        Walk(card, "$", problems, ref headings);
        if (headings == 0) problems.Add("card has no heading (a TextBlock with style \"heading\")");
        return problems;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool StartsWithStatus(string? text) =>
        text is not null && StatusSymbols.Any(s => text.TrimStart().StartsWith(s, StringComparison.Ordinal) || text.TrimStart().StartsWith(s.TrimEnd('\uFE0F'), StringComparison.Ordinal));

    private static IEnumerable<string?> TextsWithin(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => (Str(e, "type") == "TextBlock" ? [Str(e, "text")] : Array.Empty<string?>())
            .Concat(e.EnumerateObject().SelectMany(p => TextsWithin(p.Value))),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(TextsWithin),
        _ => [],
    };

    private static void Walk(JsonElement e, string path, List<string> problems, ref int headings)
    {
        if (e.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in e.EnumerateArray()) Walk(item, $"{path}[{i++}]", problems, ref headings);
            return;
        }
        if (e.ValueKind != JsonValueKind.Object) return;

        var type = Str(e, "type") ?? "";
        if (type == "Image" && string.IsNullOrWhiteSpace(Str(e, "altText"))) problems.Add($"{path}: Image without altText");
        if (type.StartsWith("Action.", StringComparison.Ordinal) && string.IsNullOrWhiteSpace(Str(e, "title"))) problems.Add($"{path}: {type} without a title");
        if (type.StartsWith("Input.", StringComparison.Ordinal) && string.IsNullOrWhiteSpace(Str(e, "label"))) problems.Add($"{path}: {type} without a label");
        if (type == "TextBlock")
        {
            var text = Str(e, "text");
            if (string.IsNullOrWhiteSpace(text)) problems.Add($"{path}: TextBlock text must be a non-empty string");
            if (!(e.TryGetProperty("wrap", out var wrap) && wrap.ValueKind == JsonValueKind.True)) problems.Add($"{path}: TextBlock without wrap: true");
            var isHeading = Str(e, "style") == "heading";
            if (isHeading) headings++;
            if (Str(e, "size") is "large" or "extraLarge" && !isHeading) problems.Add($"{path}: large text must be a heading (style \"heading\")");
            if (Str(e, "color") is { } color && StatusStyles.Contains(color) && !StartsWithStatus(text))
                problems.Add($"{path}: colour '{color}' is the only signal; start the text with a status symbol ({string.Join(" ", StatusSymbols)})");
        }
        if (type is "Container" or "Column" or "ColumnSet" && Str(e, "style") is { } style && StatusStyles.Contains(style)
            && !TextsWithin(e).Any(StartsWithStatus))
            problems.Add($"{path}: {type} styled '{style}' (container colour) needs text starting with a status symbol");

        foreach (var p in e.EnumerateObject()) Walk(p.Value, path + "." + p.Name, problems, ref headings);
    }
}

public sealed class SizeTests
{
    /// <summary>Teams rejects messages over ~28 KB; the card must fit with room for the activity envelope.</summary>
    public const int MaxCardBytes = 28 * 1024;

    [Fact]
    public void Every_card_with_maximal_data_is_under_28_KB()
    {
        var library = new CardLibrary();
        var max = SampleCards.All.Where(s => s.IsMax).ToList();
        Assert.Equal(library.TemplateNames.Count * CardLibrary.SupportedLocales.Count, max.Count);
        var sizes = max.Select(s => (s.Id, Bytes: Encoding.UTF8.GetByteCount(SampleCards.Bind(library, s).GetRawText()))).ToList();
        var tooBig = sizes.Where(x => x.Bytes >= MaxCardBytes).Select(x => $"{x.Id}: {x.Bytes} bytes").ToList();
        Assert.True(tooBig.Count == 0, "Cards over 28 KB:\n" + string.Join("\n", tooBig));
        // The maximal data must really be maximal-ish, or this test proves nothing.
        Assert.True(sizes.Max(x => x.Bytes) > 8 * 1024, "maximal samples are suspiciously small");
    }
}
