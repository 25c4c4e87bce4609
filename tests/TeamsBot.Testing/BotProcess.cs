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
