using System.Diagnostics;

namespace TeamsBot.Testing;

/// <summary>Runs a Node.js script of <c>tests/e2e</c> (a real, independent client from npm) with text on stdin; returns its stdout.</summary>
public static class NodeScript
{
    public static string E2eFolder
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TeamsBot.sln"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("TeamsBot.sln not found above " + AppContext.BaseDirectory), "tests", "e2e");
        }
    }

    /// <param name="script">Path under tests/e2e, e.g. <c>ics/parse.js</c>.</param>
    /// <param name="package">The npm package the script needs (a clear failure names <c>npm ci</c> when it is missing).</param>
    public static string Run(string script, string package, string input)
    {
        var e2e = E2eFolder;
        if (!Directory.Exists(Path.Combine(e2e, "node_modules", package)))
            throw new InvalidOperationException($"{package} is not installed: run `cd tests/e2e && npm ci` (tests/run.sh does).");
        var psi = new ProcessStartInfo("node", Path.Combine(e2e, script))
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = e2e,
        };
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish within 60 s.");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {stderr.Result}");
        return stdout.Result;
    }
}
