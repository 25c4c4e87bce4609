using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NJsonSchema;

namespace TeamsBot.Manifest;

/// <summary>
/// <c>pack --app-id &lt;guid&gt; --bot-id &lt;guid&gt; --version &lt;semver&gt; --out &lt;path.zip&gt; [--name N] [--domain D] [--env FILE]</c>:
/// fills <c>manifest.template.json</c>, checks it against the bundled Teams schema (v1.24), draws the two icons and writes
/// the zip (manifest.json, color.png, outline.png at the root). Any problem: one line on stderr, exit code 2, no zip.
/// </summary>
public static partial class ManifestPacker
{
    public const int Usage = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        try
        {
            var options = Options.Parse(args);
            var manifest = Fill(options);
            var problems = await SchemaProblemsAsync(manifest);
            if (problems.Count > 0) throw new PackException($"the manifest does not match the Teams schema: {string.Join("; ", problems.Take(5))}");
            Write(options.Out, manifest);
            await output.WriteLineAsync($"Wrote {options.Out} (app {options.AppId}, bot {options.BotId}, version {options.Version}).");
            return 0;
        }
        catch (PackException e)
        {
            await error.WriteLineAsync($"pack: {e.Message}");
            return Usage;
        }
    }

    public sealed class PackException(string message) : Exception(message);

    internal sealed record Options(string AppId, string BotId, string Version, string Out, string Name, string? Domain, IReadOnlyDictionary<string, string> Env)
    {
        public static Options Parse(string[] args)
        {
            if (args.Length == 0 || args[0] != "pack")
                throw new PackException("usage: pack --app-id <guid> --bot-id <guid> --version <semver> --out <path.zip> [--name <name>] [--domain <host>] [--env <file>]");
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 1; i < args.Length; i += 2)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new PackException($"'{args[i]}' needs a value (options are --name value pairs).");
                if (args[i] is not ("--app-id" or "--bot-id" or "--version" or "--out" or "--name" or "--domain" or "--env"))
                    throw new PackException($"unknown option '{args[i]}'.");
                values[args[i][2..]] = args[i + 1];
            }
            string Required(string name) => values.TryGetValue(name, out var v) ? v : throw new PackException($"--{name} is required.");
            var appId = Required("app-id");
            var botId = Required("bot-id");
            var version = Required("version");
            var output = Required("out");
            if (!Guid.TryParseExact(appId, "D", out _)) throw new PackException($"--app-id '{appId}' is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).");
            if (!Guid.TryParseExact(botId, "D", out _)) throw new PackException($"--bot-id '{botId}' is not a GUID (the bot's Entra app id).");
            if (!SemVer().IsMatch(version)) throw new PackException($"--version '{version}' is not a version like 1.4.0 (Teams takes MAJOR.MINOR.PATCH).");
            if (!output.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) throw new PackException($"--out '{output}' must be a .zip file.");
            var name = values.GetValueOrDefault("name", "AI Assistant").Trim();
            if (name.Length is 0 or > 30) throw new PackException("--name must be 1 to 30 characters (Teams' short name).");
            var domain = values.GetValueOrDefault("domain");
            if (domain is not null && (Uri.CheckHostName(domain) != UriHostNameType.Dns || domain.Contains('/')))
                throw new PackException($"--domain '{domain}' is not a host name (e.g. teamsbot.agency.gov).");
            var envPath = values.GetValueOrDefault("env") ?? Path.Combine(AppContext.BaseDirectory, "app.env");
            return new Options(appId.ToLowerInvariant(), botId.ToLowerInvariant(), version, Path.GetFullPath(output), name, domain, ReadEnv(envPath));
        }

        private static Dictionary<string, string> ReadEnv(string path)
        {
            if (!File.Exists(path)) throw new PackException($"--env '{path}' does not exist.");
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
            {
                var eq = line.IndexOf('=');
                if (eq <= 0) throw new PackException($"{path}: '{line}' is not KEY=value.");
                env[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
            return env;
        }
    }

    // Teams versions are MAJOR.MINOR.PATCH with numbers only (no pre-release tag).
    [GeneratedRegex(@"^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$")]
    private static partial Regex SemVer();

    [GeneratedRegex(@"\{\{([A-Z_]+)\}\}")]
    private static partial Regex Token();

    /// <summary>The template with every <c>{{TOKEN}}</c> replaced inside its JSON strings (values never become JSON syntax).</summary>
    internal static JsonObject Fill(Options o)
    {
        var template = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "manifest.template.json")))!.AsObject();
        var values = new Dictionary<string, string>(o.Env, StringComparer.Ordinal)
        {
            ["APP_ID"] = o.AppId, ["BOT_ID"] = o.BotId, ["VERSION"] = o.Version, ["NAME"] = o.Name,
        };
        Replace(template, values);
        if (o.Domain is not null) template["validDomains"] = new JsonArray(o.Domain);
        return template;
    }

    private static void Replace(JsonNode node, IReadOnlyDictionary<string, string> values)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                    if (child is JsonValue v && v.TryGetValue<string>(out var s)) obj[key] = Expand(s, values);
                    else if (child is not null) Replace(child, values);
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    if (array[i] is JsonValue v && v.TryGetValue<string>(out var s)) array[i] = Expand(s, values);
                    else if (array[i] is { } child) Replace(child, values);
                break;
        }
    }

    private static string Expand(string text, IReadOnlyDictionary<string, string> values) =>
        Token().Replace(text, m => values.TryGetValue(m.Groups[1].Value, out var value)
            ? value
            : throw new PackException($"the template needs {m.Groups[1].Value}: set it in the --env file."));

    /// <summary>What the bundled Teams schema (draft-04) finds wrong with the manifest.</summary>
    internal static async Task<IReadOnlyList<string>> SchemaProblemsAsync(JsonObject manifest)
    {
        var schema = await JsonSchema.FromFileAsync(Path.Combine(AppContext.BaseDirectory, "schema", "MicrosoftTeams.schema.json"));
        return schema.Validate(manifest.ToJsonString()).Select(e => $"{e.Path}: {e.Kind}").ToList();
    }

    /// <summary>The zip, written beside its destination first: a failure never leaves a partial package.</summary>
    private static void Write(string path, JsonObject manifest)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory)) throw new PackException($"--out: the folder '{directory}' does not exist.");
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var zip = ZipFile.Open(temporary, ZipArchiveMode.Create))
            {
                Add(zip, "manifest.json", JsonSerializer.SerializeToUtf8Bytes(manifest, new JsonSerializerOptions { WriteIndented = true }));
                Add(zip, "color.png", Icons.Color());
                Add(zip, "outline.png", Icons.Outline());
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static void Add(ZipArchive zip, string name, byte[] content)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
        stream.Write(content);
    }
}
