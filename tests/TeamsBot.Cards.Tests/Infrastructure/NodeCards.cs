using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TeamsBot.Cards.Tests.Infrastructure;

/// <summary>
/// Drives tests/e2e/cards/cards.js: the official adaptivecards-templating engine (oracle), the official adaptivecards
/// renderer (validation) and headless Chromium (PNG rendering), all in one Node process.
/// Missing prerequisites fail the test with the command that fixes them; they never skip.
/// </summary>
public static class NodeCards
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public sealed record Case(string Id, JsonNode? Template, JsonNode? Data, JsonNode? Card);

    public sealed record Result(string Id, JsonElement? Expanded, string? ExpandError, IReadOnlyList<string> Validation);

    public sealed record Output(IReadOnlyDictionary<string, Result> Results, IReadOnlyList<string> RenderedFiles, string? RenderError);

    public static Output Run(IEnumerable<Case> cases, string? renderDir = null)
    {
        RequireNodeModules();
        if (renderDir is not null) RequireChromium();

        var request = new JsonObject
        {
            ["cases"] = new JsonArray(cases.Select(c =>
            {
                var o = new JsonObject { ["id"] = c.Id };
                if (c.Template is not null) { o["template"] = c.Template.DeepClone(); o["data"] = c.Data?.DeepClone(); }
                if (c.Card is not null) o["card"] = c.Card.DeepClone();
                return (JsonNode)o;
            }).ToArray()),
        };
        if (renderDir is not null) { request["renderDir"] = renderDir; request["chromium"] = ChromiumPath; }

        var psi = new ProcessStartInfo("node", Path.Combine(RepoPaths.E2e, "cards", "cards.js"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.E2e,
        };
        using var process = Start(psi);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(request.ToJsonString());
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("cards.js did not finish within 5 minutes.");
        }
        Assert.True(process.ExitCode == 0, $"cards.js failed ({process.ExitCode}): {stderr.Result}");

        using var doc = JsonDocument.Parse(stdout.Result);
        var results = new Dictionary<string, Result>();
        foreach (var r in doc.RootElement.GetProperty("results").EnumerateArray())
        {
            var id = r.GetProperty("id").GetString()!;
            JsonElement? expanded = r.TryGetProperty("expanded", out var e) ? e.Clone() : null;
            var error = r.TryGetProperty("expandError", out var err) ? err.GetString() : null;
            var validation = r.TryGetProperty("validation", out var v)
                ? v.EnumerateArray().Select(x => x.GetProperty("message").GetString() ?? "").ToList()
                : [];
            results[id] = new Result(id, expanded, error, validation);
        }
        var files = new List<string>();
        string? renderError = null;
        if (doc.RootElement.TryGetProperty("render", out var render))
        {
            files.AddRange(render.GetProperty("files").EnumerateArray().Select(f => f.GetString()!));
            if (render.TryGetProperty("error", out var re)) renderError = re.GetString();
        }
        return new Output(results, files, renderError);
    }

    private static Process Start(ProcessStartInfo psi)
    {
        try
        {
            return Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail($"Node.js is required for the card conformance/renderer tests but `node` was not found ({ex.Message}). Install Node 20+.");
            throw;
        }
    }

    private static void RequireNodeModules()
    {
        var module = Path.Combine(RepoPaths.E2e, "node_modules", "adaptivecards-templating");
        Assert.True(Directory.Exists(module),
            $"The official card libraries are not installed: run `npm ci` in {RepoPaths.E2e} (tests/run.sh does this).");
    }

    private static void RequireChromium()
    {
        Assert.True(File.Exists(ChromiumPath),
            $"Chromium is required to render cards but {ChromiumPath} is missing. Install it: `apt-get install -y chromium` " +
            "(tests/run.sh does this when run as root). This test fails rather than skips, also when CI=true.");
    }
}
