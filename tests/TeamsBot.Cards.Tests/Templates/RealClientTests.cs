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
    public void Teams_chart_elements_are_unknown_to_the_official_renderer_so_the_report_uses_a_table()
    {
        var warnings = fixture.RequireNode().Results[RealClientFixture.ChartProbeId].Validation;
        Assert.Contains(warnings, w => w.Contains("Chart.VerticalBar", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("Chart.Donut", StringComparison.Ordinal));
        Assert.DoesNotContain("\"Chart.", CardLibrary.ReadTemplateSource(CardTemplates.AdoptionReport), StringComparison.Ordinal);
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
