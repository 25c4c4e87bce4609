using System.Text.Json;
using System.Text.Json.Nodes;
using TeamsBot.Cards.Templating;
using TeamsBot.Cards.Tests.Infrastructure;

namespace TeamsBot.Cards.Tests.Conformance;

/// <summary>
/// Every templating feature and missing-data case in features.json is expanded by the .NET engine and by the official
/// adaptivecards-templating engine; outputs must be equal (property order ignored), and where JS throws, .NET throws.
/// </summary>
public sealed class FeatureConformanceTests
{
    [Fact]
    public void Every_feature_case_matches_the_official_js_engine()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Conformance", "features.json");
        var cases = JsonNode.Parse(File.ReadAllText(path))!.AsArray()
            .Select(c => (Name: c!["name"]!.GetValue<string>(), Template: c["template"]!, Data: c["data"]))
            .ToList();
        Assert.True(cases.Count > 150, "the feature fixture lost its cases");

        var js = NodeCards.Run(cases.Select(c => new NodeCards.Case(c.Name, c.Template, c.Data, null)));

        var failures = new List<string>();
        foreach (var c in cases)
        {
            var oracle = js.Results[c.Name];
            string? error = null;
            JsonElement? actual = null;
            try
            {
                var template = AdaptiveCardTemplate.Parse(c.Template.ToJsonString());
                actual = template.Expand(JsonSerializer.SerializeToElement(c.Data));
            }
            catch (CardTemplateException ex)
            {
                error = ex.Message;
            }

            if (oracle.ExpandError is not null)
            {
                if (error is null) failures.Add($"{c.Name}: JS throws ({oracle.ExpandError}) but .NET gave {actual}");
                continue;
            }
            if (error is not null)
            {
                failures.Add($"{c.Name}: .NET throws ({error}) but JS gave {oracle.Expanded}");
                continue;
            }
            if (JsonAssert.Difference(oracle.Expanded!.Value, actual!.Value) is { } diff) failures.Add($"{c.Name}: {diff}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases differ from adaptivecards-templating:\n" + string.Join("\n", failures));
    }
}
