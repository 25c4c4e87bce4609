using System.Text.Json.Nodes;
using TeamsBot.Cards.Tests.Infrastructure;

namespace TeamsBot.Cards.Tests.Templates;

public sealed class RealClientTests(RealClientFixture fixture) : IClassFixture<RealClientFixture>
{
    [Fact]
    public void Every_template_and_sample_covers_both_languages_and_maximal_data()
    {
        var library = new CardLibrary();
        Assert.True(library.TemplateNames.Count >= 15);
        foreach (var name in library.TemplateNames)
        {
            Assert.True(File.Exists(Path.Combine(RepoPaths.Templates, name + ".data.json")), $"{name}.data.json is missing");
            Assert.True(File.Exists(Path.Combine(RepoPaths.Templates, name + ".max.data.json")), $"{name}.max.data.json is missing");
        }
        Assert.Equal(library.TemplateNames.Count * 2 * CardLibrary.SupportedLocales.Count, fixture.Samples.Count(s => s.Typed is null));
        Assert.Equal(library.TemplateNames.ToHashSet(), TypedSamples.All.Select(t => t.TemplateName).ToHashSet());
    }

    [Fact]
    public void Dotnet_binding_equals_the_official_adaptivecards_templating_output()
    {
        var node = fixture.RequireNode();
        var failures = new List<string>();
        foreach (var s in fixture.Samples)
        {
            var oracle = node.Results[s.Id];
            if (oracle.ExpandError is not null) { failures.Add($"{s.Id}: JS engine failed: {oracle.ExpandError}"); continue; }
            if (JsonAssert.Difference(oracle.Expanded!.Value, fixture.DotNetCards[s.Id]) is { } diff) failures.Add($"{s.Id}: {diff}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Templates_bound_to_empty_data_behave_like_the_official_engine()
    {
        var node = fixture.RequireNode();
        var failures = new List<string>();
        foreach (var id in fixture.EmptyDataIds)
        {
            var oracle = node.Results[id];
            var dotnetError = fixture.EmptyDataErrors.GetValueOrDefault(id);
            if (oracle.ExpandError is not null || dotnetError is not null)
            {
                if (oracle.ExpandError is null || dotnetError is null)
                    failures.Add($"{id}: JS error '{oracle.ExpandError}' vs .NET error '{dotnetError}'");
                continue;
            }
            if (JsonAssert.Difference(oracle.Expanded!.Value, fixture.EmptyDataCards[id]) is { } diff) failures.Add($"{id}: {diff}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Official_renderer_parses_every_card_with_no_errors_or_warnings()
    {
        var node = fixture.RequireNode();
        var failures = fixture.Samples
            .SelectMany(s => node.Results[s.Id].Validation.Select(m => $"{s.Id}: {m}"))
            .ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Teams_chart_elements_of_the_documented_shape_pass_the_official_renderer()
    {
        var events = fixture.RequireNode().Results[RealClientFixture.ChartProbeId].Validation;
        Assert.True(events.Count == 0, string.Join("\n", events));
    }

    [Fact]
    public void Malformed_chart_elements_are_reported_by_the_official_renderer()
    {
        var events = fixture.RequireNode().Results[RealClientFixture.MalformedChartProbeId].Validation;
        Assert.Contains(events, e => e.Contains("Chart.VerticalBar", StringComparison.Ordinal) && e.Contains("data[0].y must be a number", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Contains("Chart.Line", StringComparison.Ordinal) && e.Contains("data is missing", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Contains("Chart.HorizontalBar", StringComparison.Ordinal) && e.Contains("data must be an array", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Contains("Chart.Donut", StringComparison.Ordinal) && e.Contains("data[0].value must be a number", StringComparison.Ordinal));
        // Nothing is reported as an unknown element: the renderer knows the chart types.
        Assert.DoesNotContain(events, e => e.Contains("Unknown", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Adoption_report_draws_teams_charts_that_other_hosts_drop()
    {
        var template = JsonNode.Parse(CardLibrary.ReadTemplateSource(CardTemplates.AdoptionReport))!;
        var charts = template["body"]!.AsArray()
            .Where(e => e?["type"]?.GetValue<string>() is { } t && t.StartsWith("Chart.", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(["Chart.Line", "Chart.HorizontalBar", "Chart.VerticalBar"], charts.Select(c => c!["type"]!.GetValue<string>()));
        Assert.All(charts, c => Assert.Equal("drop", c!["fallback"]?.GetValue<string>()));
        // Every bound report (samples, maximal data, typed record) keeps its charts and passes the chart checks above.
        var node = fixture.RequireNode();
        foreach (var s in fixture.Samples.Where(s => s.Template == CardTemplates.AdoptionReport))
        {
            var raw = fixture.DotNetCards[s.Id].GetRawText();
            Assert.Contains("\"Chart.Line\"", raw);
            Assert.Contains("\"Chart.HorizontalBar\"", raw);
            Assert.Contains("\"Chart.VerticalBar\"", raw);
            Assert.Empty(node.Results[s.Id].Validation);
        }
    }

    [Fact]
    public void Every_card_renders_to_a_png_in_headless_chromium()
    {
        Assert.True(fixture.ChromiumFailure is null, fixture.ChromiumFailure);
        var node = fixture.RequireNode();
        Assert.True(node.RenderError is null, "Rendering failed: " + node.RenderError);
        foreach (var s in fixture.Samples)
        {
            var png = Path.Combine(RepoPaths.RenderOutput, s.Id + ".png");
            Assert.True(File.Exists(png), $"{png} was not rendered");
            var bytes = File.ReadAllBytes(png);
            Assert.True(bytes.Length > 2000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', $"{png} is not a real rendering ({bytes.Length} bytes)");
        }
    }
}
