using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot;

public static class HostingExtensions
{
    /// <summary><c>/healthz</c>: the process is alive. <c>/readyz</c>: configuration valid and database reachable.</summary>
    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        return app;
    }

    /// <summary>
    /// Builds and runs the app. Invalid configuration and conflicting bot routes stop it at startup with one line per problem
    /// on <paramref name="errors"/> (standard error by default) and exit code 2.
    /// </summary>
    public static async Task<int> RunWithConfigurationCheckAsync(Func<WebApplication> build, TextWriter? errors = null)
    {
        errors ??= Console.Error;
        try
        {
            await using var app = build();
            await app.RunAsync();
            return 0;
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures.SelectMany(f => f.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
                await errors.WriteLineAsync($"Configuration error: {failure}");
            return 2;
        }
        catch (BotRouteConflictException e)
        {
            await errors.WriteLineAsync($"Configuration error: {e.Message}");
            return 2;
        }
    }
}
