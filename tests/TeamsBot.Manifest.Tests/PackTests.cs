using System.IO.Compression;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TeamsBot.Testing;

namespace TeamsBot.Manifest.Tests;

/// <summary>The admins' pack command: a package Microsoft's own validator accepts, icons Teams accepts, and clear refusals.</summary>
public sealed class PackTests : IDisposable
{
    private const string AppId = "0f8fad5b-d9cb-469f-a165-70867728950e", BotId = "6a1f8a2e-3c4b-4d5e-8f90-123456789abc";
    private readonly string _dir = Directory.CreateTempSubdirectory("teamsbot-pack-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private async Task<(int Code, string Out, string Error)> PackAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await ManifestPacker.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private string[] Valid(string zip, params string[] extra) =>
        ["pack", "--app-id", AppId, "--bot-id", BotId, "--version", "1.4.0", "--out", zip, .. extra];

    [Fact]
    public async Task The_package_holds_the_manifest_and_both_icons_and_Microsofts_validator_accepts_it()
    {
        var zip = Path.Combine(_dir, "teamsbot.zip");
        var (code, output, error) = await PackAsync(Valid(zip, "--name", "Ask AI", "--domain", "teamsbot.agency.gov"));
        Assert.True(code == 0, error);
        Assert.Contains("Wrote", output);
        using var archive = ZipFile.OpenRead(zip);
        Assert.Equal(["color.png", "manifest.json", "outline.png"], archive.Entries.Select(e => e.FullName).Order());

        using var manifest = JsonDocument.Parse(archive.GetEntry("manifest.json")!.Open());
        var root = manifest.RootElement;
        Assert.Equal(AppId, root.GetProperty("id").GetString());
        Assert.Equal("1.4.0", root.GetProperty("version").GetString());
        Assert.Equal("Ask AI", root.GetProperty("name").GetProperty("short").GetString());
        var bot = root.GetProperty("bots")[0];
        Assert.Equal(BotId, bot.GetProperty("botId").GetString());
        Assert.Equal(["personal", "team", "groupChat"], bot.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        var personal = bot.GetProperty("commandLists")[0].GetProperty("commands").EnumerateArray().Select(c => c.GetProperty("title").GetString()).ToList();
        foreach (var command in new[] { "help", "new chat", "nudges", "events", "broadcast", "report", "research" }) Assert.Contains(command, personal);
        Assert.Equal(["teamsbot.agency.gov"], root.GetProperty("validDomains").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(BotId, root.GetProperty("webApplicationInfo").GetProperty("id").GetString());
        Assert.Contains(root.GetProperty("authorization").GetProperty("permissions").GetProperty("resourceSpecific").EnumerateArray(),
            p => p.GetProperty("name").GetString() == "ChatMessageReadReceipt.Read.Chat");
        Assert.Equal("https://www.example.gov/ai/privacy", root.GetProperty("developer").GetProperty("privacyUrl").GetString());

        Assert.Empty(ValidateWithMicrosoftsTool(root.GetRawText()));
    }

    [Fact]
    public async Task The_icons_have_Teams_sizes_and_the_outline_is_white_on_transparent()
    {
        var zip = Path.Combine(_dir, "icons.zip");
        Assert.Equal(0, (await PackAsync(Valid(zip))).Code);
        using var archive = ZipFile.OpenRead(zip);
        using var color = Image.Load<Rgba32>(archive.GetEntry("color.png")!.Open());
        using var outline = Image.Load<Rgba32>(archive.GetEntry("outline.png")!.Open());
        Assert.Equal((192, 192), (color.Width, color.Height));
        Assert.Equal((32, 32), (outline.Width, outline.Height));
        var colorPixels = Pixels(color);
        Assert.All(colorPixels, p => Assert.Equal(255, p.A)); // full colour, no transparency
        var outlinePixels = Pixels(outline);
        Assert.All(outlinePixels, p => Assert.True(p.A == 0 || p is { R: 255, G: 255, B: 255 }, $"outline pixel {p}"));
        Assert.Contains(outlinePixels, p => p.A == 0);
        Assert.Contains(outlinePixels, p => p.A == 255);
    }

    private static List<Rgba32> Pixels(Image<Rgba32> image)
    {
        var pixels = new List<Rgba32>();
        for (var y = 0; y < image.Height; y++)
            for (var x = 0; x < image.Width; x++) pixels.Add(image[x, y]);
        return pixels;
    }

    [Theory]
    [InlineData("--app-id", "not-a-guid", "is not a GUID")]
    [InlineData("--bot-id", "12345", "is not a GUID")]
    [InlineData("--version", "1.4", "is not a version like 1.4.0")]
    [InlineData("--version", "1.4.0-beta", "is not a version like 1.4.0")]
    [InlineData("--name", "A name far longer than Teams allows for short", "1 to 30 characters")]
    [InlineData("--domain", "https://teamsbot.agency.gov/", "is not a host name")]
    [InlineData("--env", "/no/such/file.env", "does not exist")]
    public async Task Bad_arguments_get_one_clear_line_a_failing_exit_code_and_no_zip(string option, string value, string reason)
    {
        var zip = Path.Combine(_dir, "bad.zip");
        var args = Valid(zip).ToList();
        var at = args.IndexOf(option);
        if (at >= 0) args[at + 1] = value;
        else args.AddRange([option, value]);
        var (code, output, error) = await PackAsync([.. args]);
        Assert.NotEqual(0, code);
        Assert.Contains(reason, error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(output);
        Assert.False(File.Exists(zip));
        Assert.Empty(Directory.GetFiles(_dir)); // no partial or temporary file either
    }

    [Fact]
    public async Task Missing_arguments_and_an_env_file_without_a_needed_value_are_refused()
    {
        Assert.Contains("--out is required", (await PackAsync("pack", "--app-id", AppId, "--bot-id", BotId, "--version", "1.0.0")).Error);
        Assert.Contains("usage: pack", (await PackAsync("publish")).Error);
        var env = Path.Combine(_dir, "org.env");
        await File.WriteAllTextAsync(env, "DEVELOPER_NAME=Agency\nWEBSITE_URL=https://a.example.gov\n");
        var zip = Path.Combine(_dir, "x.zip");
        var (code, _, error) = await PackAsync(Valid(zip, "--env", env));
        Assert.Equal(2, code);
        Assert.Contains("needs PRIVACY_URL", error);
        Assert.False(File.Exists(zip));
    }

    [Fact]
    public async Task A_privacy_link_that_is_not_a_url_fails_the_schema_check_and_writes_nothing()
    {
        var env = Path.Combine(_dir, "org.env");
        await File.WriteAllTextAsync(env, "DEVELOPER_NAME=Agency\nWEBSITE_URL=https://a.example.gov\nPRIVACY_URL=see our intranet\nTERMS_URL=https://a.example.gov/t\nACCENT_COLOR=#1F4E79\n");
        var zip = Path.Combine(_dir, "x.zip");
        var (code, _, error) = await PackAsync(Valid(zip, "--env", env));
        Assert.Equal(2, code);
        Assert.Contains("does not match the Teams schema", error);
        Assert.False(File.Exists(zip));
    }

    /// <summary>Microsoft's @microsoft/app-manifest (npm, tests/e2e/manifest/validate.js), offline, with its bundled schema.</summary>
    private static IReadOnlyList<string> ValidateWithMicrosoftsTool(string manifestJson) =>
        JsonDocument.Parse(NodeScript.Run("manifest/validate.js", "@microsoft/app-manifest", manifestJson)).RootElement
            .GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
}
