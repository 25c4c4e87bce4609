using System.Diagnostics;

namespace TeamsBot.Testing;

/// <summary>Runs the real TeamsBot.dll as its own process (as an operator would) and captures how it ends.</summary>
public static class BotProcess
{
    public sealed record Exit(int Code, IReadOnlyList<string> ErrorLines);

    /// <summary>Starts the bot with these environment variables and waits for it to exit (startup failures exit on their own).</summary>
    public static async Task<Exit> RunUntilExitAsync(IDictionary<string, string> environment, TimeSpan? timeout = null)
    {
        var dir = Directory.CreateTempSubdirectory("teamsbot-process-").FullName;
        var start = new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "TeamsBot.dll")])
        {
            WorkingDirectory = dir,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Urls"] = "http://127.0.0.1:0";
        start.Environment["ConnectionStrings__TeamsBot"] = $"Data Source={Path.Combine(dir, "t.db")}";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The bot did not exit: it started although the configuration was invalid.");
        }
        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        try { Directory.Delete(dir, true); } catch (IOException) { }
        return new Exit(process.ExitCode, lines);
    }
}

/// <summary>
/// A real TeamsBot.dll process (a replica, as an operator would run it) listening on a free loopback port. Kill it with
/// <see cref="Kill"/> (like <c>kill -9</c>) or stop it gracefully with <see cref="StopAsync"/>.
/// </summary>
public sealed class RunningBot : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
    private readonly string _directory;

    private RunningBot(Process process, string directory, string baseUrl)
    {
        _process = process;
        _directory = directory;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public string BaseUrl { get; }
    public HttpClient Http { get; }

    /// <summary>The process's working directory; its SQLite database is <c>t.db</c> there unless the environment says otherwise.</summary>
    public string WorkingDirectory => _directory;
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>Starts the bot with these environment variables on a free port and waits until /readyz answers 200.</summary>
    public static async Task<RunningBot> StartAsync(IDictionary<string, string> environment, TimeSpan? timeout = null)
    {
        var directory = Directory.CreateTempSubdirectory("teamsbot-replica-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "TeamsBot.dll")])
        {
            WorkingDirectory = directory,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Urls"] = $"http://127.0.0.1:{port}";
        start.Environment["ConnectionStrings__TeamsBot"] = $"Data Source={Path.Combine(directory, "t.db")}";
        start.Environment["Logging__LogLevel__Default"] = "Information";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var process = Process.Start(start)!;
        var bot = new RunningBot(process, directory, $"http://127.0.0.1:{port}");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) bot._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) bot._output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The bot exited with {process.ExitCode}: {string.Join("\n", bot._output.TakeLast(30))}");
            try
            {
                using var ready = await bot.Http.GetAsync("/readyz", cts.Token);
                if (ready.IsSuccessStatusCode) return bot;
            }
            catch (HttpRequestException) { }
            catch (OperationCanceledException)
            {
                bot.Kill();
                throw new TimeoutException($"The bot did not become ready: {string.Join("\n", bot._output.TakeLast(30))}");
            }
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>Ends the process at once, like <c>kill -9</c>: no shutdown, no drain, nothing flushed.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>Asks the process to stop (SIGTERM) and waits for it.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        using var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await term.WaitForExitAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { Kill(); }
    }

    /// <summary>A loopback port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Kill();
        _process.Dispose();
        await Task.Yield();
        try { Directory.Delete(_directory, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
