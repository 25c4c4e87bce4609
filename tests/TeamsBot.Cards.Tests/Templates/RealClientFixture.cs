using System.Text.Json;
using System.Text.Json.Nodes;
using TeamsBot.Cards.Tests.Infrastructure;

namespace TeamsBot.Cards.Tests.Templates;

/// <summary>
/// Binds every sample card in .NET, then runs ONE Node process that expands the same templates with the official
/// adaptivecards-templating engine, validates the .NET cards with the official adaptivecards renderer and renders them
/// to PNG in headless Chromium (under artifacts/cards/).
/// </summary>
public sealed class RealClientFixture
{
    public IReadOnlyList<SampleCards.Sample> Samples { get; } = SampleCards.All;
    public IReadOnlyDictionary<string, JsonElement> DotNetCards { get; }
    public NodeCards.Output? Node { get; }
    public string? NodeFailure { get; }
    public const string ChartProbeId = "probe.charts";
    public const string MalformedChartProbeId = "probe.charts-malformed";
    public List<string> EmptyDataIds { get; } = [];
    public Dictionary<string, JsonElement> EmptyDataCards { get; } = [];
    public Dictionary<string, string> EmptyDataErrors { get; } = [];
    public string? ChromiumFailure { get; }

    public RealClientFixture()
    {
        var library = new CardLibrary();
        DotNetCards = Samples.ToDictionary(s => s.Id, s => SampleCards.Bind(library, s));

        var cases = Samples.Select(s => new NodeCards.Case(
            s.Id, CardLibrary.LocalizedTemplate(s.Template, s.Locale), s.Data, JsonNode.Parse(DotNetCards[s.Id].GetRawText()))).ToList();

        // Missing-data conformance: every template bound to {} must behave as in the JS engine (same output, or both fail).
        foreach (var name in library.TemplateNames)
        {
            foreach (var locale in CardLibrary.SupportedLocales)
            {
                var id = $"{name}.empty.{locale}";
                EmptyDataIds.Add(id);
                try { EmptyDataCards[id] = library.Bind(name, JsonDocument.Parse("{}").RootElement, locale); }
                catch (Templating.CardTemplateException ex) { EmptyDataErrors[id] = ex.Message; }
                cases.Add(new NodeCards.Case(id, CardLibrary.LocalizedTemplate(name, locale), new JsonObject(), null));
            }
        }

        // Teams chart elements, registered in the official renderer by cards.js: documented shapes pass, malformed ones are reported.
        cases.Add(new NodeCards.Case(ChartProbeId, null, null, JsonNode.Parse("""
            {"type":"AdaptiveCard","version":"1.5","body":[
              {"type":"TextBlock","text":"Charts","wrap":true,"style":"heading"},
              {"type":"Chart.Line","title":"Weekly active","fallback":"drop","data":[
                {"legend":"Active","values":[{"x":"2026-02-23","y":17300},{"x":"2026-03-02","y":18250}]},
                {"legend":"Enrolled","color":"neutral","values":[{"x":"2026-02-23","y":24000},{"x":"2026-03-02","y":24000}]}]},
              {"type":"Chart.HorizontalBar","title":"Active %","fallback":"drop","data":[{"x":"GSA","y":76},{"x":"DOL","y":77}]},
              {"type":"Chart.VerticalBar","title":"Minutes","fallback":"drop","showBarValues":true,"data":[{"x":"GSA","y":65},{"x":"Pilots","y":95,"color":"neutral"}]},
              {"type":"Chart.Donut","title":"Use cases","data":[{"legend":"Drafting","value":38},{"legend":"Summaries","value":27}]},
              {"type":"Chart.Pie","title":"Use cases","data":[{"legend":"Drafting","value":38,"color":"categoricalBlue"}]},
              {"type":"Chart.Gauge","title":"Active","value":76,"segments":[{"legend":"Active","size":76,"color":"good"},{"legend":"Not yet","size":24,"color":"neutral"}]}]}
            """)));
        cases.Add(new NodeCards.Case(MalformedChartProbeId, null, null, JsonNode.Parse("""
            {"type":"AdaptiveCard","version":"1.5","body":[
              {"type":"TextBlock","text":"Broken charts","wrap":true,"style":"heading"},
              {"type":"Chart.VerticalBar","title":"Minutes","data":[{"x":"GSA","y":"65"}]},
              {"type":"Chart.Line","title":"Weekly active"},
              {"type":"Chart.HorizontalBar","title":"Active %","data":{"x":"GSA","y":76}},
              {"type":"Chart.Donut","data":[{"legend":"Drafting"}]}]}
            """)));

        if (!File.Exists(NodeCards.ChromiumPath))
            ChromiumFailure = $"Chromium is required to render cards but {NodeCards.ChromiumPath} is missing: run `apt-get install -y chromium` (tests/run.sh does this as root).";
        try
        {
            if (Directory.Exists(RepoPaths.RenderOutput)) Directory.Delete(RepoPaths.RenderOutput, recursive: true);
            Node = NodeCards.Run(cases, ChromiumFailure is null ? RepoPaths.RenderOutput : null);
        }
        catch (Exception ex)
        {
            NodeFailure = ex.Message;
        }
    }

    public NodeCards.Output RequireNode()
    {
        Assert.True(NodeFailure is null, NodeFailure);
        return Node!;
    }
}
