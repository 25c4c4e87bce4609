using System.Diagnostics;
using System.Net.Http.Json;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;

namespace TeamsBot.E2E.Tests;

/// <summary>
/// One end-to-end session: the real TeamsBot.dll process (embedded defaults: SQLite, the sample directory; the model is a
/// fake OpenAI-compatible server on 127.0.0.1), Microsoft 365 Agents Playground (the pinned npm package in tests/e2e) as the
/// Teams client and Bot Connector, signed in as one of the sample directory's people, and Chromium driving the Playground's
/// UI through <c>tests/e2e/playground/run.js</c>. Screenshots go to <c>e2e-shots/&lt;scenario&gt;</c> in the test output folder.
/// </summary>
public sealed partial class PlaygroundSession : IAsyncDisposable
{
    private readonly Process _playground;
    private readonly string _workDirectory;
    private readonly List<string> _playgroundOutput = [];
    private readonly JsonObject _tenant;

    private PlaygroundSession(FakeOpenAI model, RunningBot bot, Process playground, string workDirectory, string url, JsonObject tenant)
    {
        _tenant = tenant;
        Model = model;
        Bot = bot;
        _playground = playground;
        _workDirectory = workDirectory;
        Url = url;
    }

    public FakeOpenAI Model { get; }
    public RunningBot Bot { get; }
    public string Url { get; }

    /// <summary>Starts the bot and the Playground, signed in as <paramref name="user"/> (a name in the Playground's mock tenant).</summary>
    /// <param name="gsaColleagues">People added to the sample directory in GSA (<see cref="ColleagueId"/>), for figures that need a group.</param>
    public static async Task<PlaygroundSession> StartAsync(string user, IDictionary<string, string>? settings = null, int gsaColleagues = 0)
    {
        var e2e = NodeScript.E2eFolder;
        var cli = Path.Combine(e2e, "node_modules", "@microsoft", "m365agentsplayground", "cli.js");
        if (!File.Exists(cli)) throw new InvalidOperationException("The Agents Playground is not installed: run `cd tests/e2e && npm ci` (tests/run.sh does).");
        var work = Directory.CreateTempSubdirectory("teamsbot-playground-").FullName;
        var model = await FakeOpenAI.StartAsync();
        RunningBot? bot = null;
        Process? playground = null;
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["Model__Provider"] = "Compatible",
                ["Model__Endpoint"] = model.BaseUrl,
                ["Model__ApiKey"] = "sk-e2e",
                ["Model__Name"] = "gpt-e2e",
                ["Directory__AgenciesFile"] = AgenciesWithOpenWindows(work),
                ["Directory__File"] = DirectoryWithColleagues(work, gsaColleagues),
                ["Jobs__IdleWaitTime"] = "00:00:01",
                // Only the nudge scenario turns the training program on: a lesson arriving mid-scenario would be noise.
                ["Nudges__Enabled"] = "false",
            };
            foreach (var (key, value) in settings ?? new Dictionary<string, string>()) environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            bot = await RunningBot.StartAsync(environment);

            var tenant = MockTenantSignedInAs(user);
            File.WriteAllText(Path.Combine(work, ".m365agentsplayground.yml"), tenant.ToJsonString());
            var port = RunningBot.FreePort();
            var start = new ProcessStartInfo("node", [cli, "-e", $"{bot.BaseUrl}/api/messages", "-c", "msteams", "--disable-telemetry", "-p", port.ToString(CultureInfo.InvariantCulture)])
            {
                WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            start.Environment["TEAMSAPPTESTER_BROWSER"] = "none";
            playground = Process.Start(start)!;
            var session = new PlaygroundSession(model, bot, playground, work, $"http://127.0.0.1:{port}/", tenant);
            playground.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (session._playgroundOutput) session._playgroundOutput.Add(e.Data); };
            playground.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (session._playgroundOutput) session._playgroundOutput.Add(e.Data); };
            playground.BeginOutputReadLine();
            playground.BeginErrorReadLine();
            await session.WaitUntilUpAsync();
            return session;
        }
        catch
        {
            // Nothing outlives a session that did not start: a stray bot would keep running its jobs on the CI machine.
            if (playground is { HasExited: false }) playground.Kill(entireProcessTree: true);
            playground?.Dispose();
            if (bot is not null) await bot.DisposeAsync();
            await model.DisposeAsync();
            try { Directory.Delete(work, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    private async Task WaitUntilUpAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_playground.HasExited) throw new InvalidOperationException("The Playground exited: " + PlaygroundOutput);
            try
            {
                if ((await http.GetAsync(Url)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > until) throw new TimeoutException("The Playground did not start: " + PlaygroundOutput);
            await Task.Delay(200);
        }
    }

    private string PlaygroundOutput
    {
        get { lock (_playgroundOutput) return string.Join("\n", _playgroundOutput.TakeLast(30)); }
    }

    /// <summary>
    /// Runs a scenario of <c>tests/e2e/playground/scenarios.js</c> in Chromium and returns its result; fails with the
    /// scenario's error (a step that did not happen, or a 4xx/5xx between the Playground and the bot) and the bot's last log lines.
    /// </summary>
    public async Task<JsonElement> RunAsync(string scenario, object? args = null, TimeSpan? timeout = null)
    {
        var shots = Path.Combine(AppContext.BaseDirectory, "e2e-shots", scenario);
        if (Directory.Exists(shots)) Directory.Delete(shots, true);
        var start = new ProcessStartInfo("node", [Path.Combine(NodeScript.E2eFolder, "playground", "run.js"), scenario, Url, shots, JsonSerializer.Serialize(args ?? new { })])
        {
            WorkingDirectory = NodeScript.E2eFolder, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Scenario '{scenario}' did not finish. Screenshots: {shots}\nBot:\n{BotLog}");
        }
        if (process.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"Scenario '{scenario}' failed (screenshots: {shots}):\n{await stderr}\nBot:\n{BotLog}");
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return JsonDocument.Parse(lines[^1]).RootElement.Clone();
    }

    private string BotLog => string.Join("\n", Bot.Output.TakeLast(40));

    /// <summary>One number the bot's database answers (a count).</summary>
    public long Scalar(string sql) => Query(sql, c => Convert.ToInt64(c.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture));

    /// <summary>The first column of every row the bot's database answers.</summary>
    public IReadOnlyList<string> Strings(string sql) => Query(sql, c =>
    {
        using var reader = c.ExecuteReader();
        var values = new List<string>();
        while (reader.Read()) values.Add(reader.GetString(0));
        return values;
    });

    /// <summary>Changes the bot's database as a test's precondition (e.g. an install dated in the past); returns the rows changed.</summary>
    public int Execute(string sql, params (string Name, object Value)[] parameters) => Query(sql, c => c.ExecuteNonQuery(), parameters);

    private T Query<T>(string sql, Func<SqliteCommand, T> run, params (string Name, object Value)[] parameters)
    {
        // The bot writes too: wait for its lock rather than fail.
        using var connection = new SqliteConnection($"Data Source={Path.Combine(Bot.WorkingDirectory, "t.db")};Pooling=False;Default Timeout=30");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return run(command);
    }

    /// <summary>The Playground's mock tenant (devTools/playground, the newcomer's) with <paramref name="user"/> as the signed-in person.</summary>
    private static JsonObject MockTenantSignedInAs(string user)
    {
        var committed = File.ReadAllLines(Path.Combine(NodeScript.E2eFolder, "..", "..", "devTools", "playground", ".m365agentsplayground.yml"));
        var tenant = JsonNode.Parse(string.Join("\n", committed.Where(l => !l.TrimStart().StartsWith('#'))))!.AsObject();
        var users = tenant["users"]!.AsArray();
        var current = tenant["currentUser"]!;
        if ((string?)current["name"] != user)
        {
            var index = users.Select((u, i) => (u, i)).FirstOrDefault(x => (string?)x.u!["name"] == user).i;
            if ((string?)users[index]!["name"] != user) throw new ArgumentException($"'{user}' is not in the Playground's mock tenant.", nameof(user));
            var signedIn = users[index]!;
            users[index] = current.DeepClone();
            tenant["currentUser"] = signedIn.DeepClone();
        }
        // Each person's own 1:1 chat id, as in Teams.
        tenant["personalChat"] = new JsonObject { ["id"] = "personal-" + NonWord().Replace(user.ToLowerInvariant(), "-") };
        return tenant;
    }

    /// <summary>
    /// Once the Playground has installed the app for the signed-in person (their 1:1 chat is stored), dates that install
    /// <paramref name="days"/> days back, as if they had installed it then. Run it alongside a scenario.
    /// </summary>
    public async Task BackdateInstallAsync(int days, CancellationToken cancellationToken)
    {
        var objectId = (string)_tenant["currentUser"]!["aadObjectId"]!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        while (Execute("""UPDATE conversations SET "FirstSeenAt" = $at WHERE "AadObjectId" = $object AND "Scope" = 'personal'""",
                   ("$at", Stamp(DateTimeOffset.UtcNow.AddDays(-days))), ("$object", objectId)) == 0)
            await Task.Delay(250, timeout.Token);
    }

    /// <summary>A time as the SQLite store keeps it (DateTimeOffset as a sortable integer).</summary>
    public static long Stamp(DateTimeOffset at) =>
        (long)new Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter().ConvertToProvider(at)!;

    public static string ColleagueId(int i) => $"00000000-0000-4000-8000-0000000e2e{i:D2}";

    /// <summary>
    /// Each of the first <paramref name="count"/> GSA colleagues opens the bot and asks <paramref name="question"/>, as Teams
    /// would send it (the replies go to a fake connector, not to the Playground); returns once every answer was sent.
    /// </summary>
    public async Task ColleaguesAskAsync(int count, string question)
    {
        await using var connector = await FakeConnector.StartAsync();
        var tenantId = (string)_tenant["tenantId"]!;
        for (var i = 1; i <= count; i++)
        {
            var activity = TestActivities.Person(TestActivities.Message(connector.ServiceUrl, question, conversationId: $"personal-colleague-{i}"), ColleagueId(i), tenantId);
            using var response = await Bot.Http.PostAsJsonAsync("/api/messages", activity, ProtocolJson.Options);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"The bot refused colleague {i}'s question: {(int)response.StatusCode}");
        }
        var until = DateTime.UtcNow.AddSeconds(60);
        while (connector.SentActivities.Count(a => a.Type == "message") < count)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"{connector.SentActivities.Count} replies for {count} questions");
            await Task.Delay(200);
        }
    }

    private static string DirectoryWithColleagues(string work, int count)
    {
        var directory = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Agencies", "Data", "directory.json")),
            documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!;
        var users = directory["users"]!.AsArray();
        for (var i = 1; i <= count; i++)
            users.Add(new JsonObject { ["id"] = ColleagueId(i), ["userPrincipalName"] = $"colleague{i}@gsa.gov", ["mail"] = $"colleague{i}@gsa.gov", ["displayName"] = $"GSA colleague {i}" });
        var path = Path.Combine(work, "directory.json");
        File.WriteAllText(path, directory.ToJsonString());
        return path;
    }

    /// <summary>The sample registry with every advanced-features window open around today, so the scenarios do not age.</summary>
    private static string AgenciesWithOpenWindows(string work)
    {
        var sample = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Agencies", "Data", "agencies.json"));
        var now = DateTimeOffset.UtcNow;
        var opened = StartDate().Replace(sample, $"\"start\": \"{now.AddDays(-10):yyyy-MM-dd}T00:00:00Z\"");
        opened = EndDate().Replace(opened, $"\"end\": \"{now.AddDays(50):yyyy-MM-dd}T00:00:00Z\"");
        var path = Path.Combine(work, "agencies.json");
        File.WriteAllText(path, opened);
        return path;
    }

    [GeneratedRegex("\"start\": \"[^\"]+\"")] private static partial Regex StartDate();
    [GeneratedRegex("\"end\": \"[^\"]+\"")] private static partial Regex EndDate();
    [GeneratedRegex("[^a-z0-9]+")] private static partial Regex NonWord();

    public async ValueTask DisposeAsync()
    {
        if (!_playground.HasExited) _playground.Kill(entireProcessTree: true);
        await _playground.WaitForExitAsync();
        _playground.Dispose();
        await Bot.DisposeAsync();
        await Model.DisposeAsync();
        try { Directory.Delete(_workDirectory, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
