using System.Globalization;
using Microsoft.Extensions.Options;
using TeamsBot.Broadcasts;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Security;
using TeamsBot.Storage.Jobs;

namespace TeamsBot.Insights;

public static class InsightsExtensions
{
    /// <summary>
    /// Adoption insights: the event recorder every slice reports to (no content), the weekly report per agency with its
    /// privacy rule, <c>report</c> in Teams (admins: every agency; coaches: theirs) and <c>/api/insights</c> (admins).
    /// </summary>
    public static IHostApplicationBuilder AddInsights(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<InsightsOptions>().BindConfiguration(InsightsOptions.Section)
            .Validate(o => o.MinGroupSize >= 5, "Insights:MinGroupSize must be at least 5 (10 is the usual minimum).")
            .Validate(o => o.TrendWeeks is >= 1 and <= 52, "Insights:TrendWeeks must be between 1 and 52.")
            .Validate(o => o.QueueCapacity is >= 1_000 and <= 10_000_000, "Insights:QueueCapacity must be between 1000 and 10000000.")
            .Validate(o => o.BatchSize is >= 1 and <= 50_000, "Insights:BatchSize must be between 1 and 50000.")
            .Validate(o => o.ReferenceMinutesPerDay is >= 0 and <= 1_440 && o.ReferencePositivePercent is >= 0 and <= 100,
                "Insights:ReferenceMinutesPerDay must be 0–1440 and Insights:ReferencePositivePercent 0–100.")
            .Validate(o => !builder.Environment.IsProduction() || o.UserKeySecret is { Length: >= 32 },
                "Insights:UserKeySecret (at least 32 characters, from Key Vault or an environment variable) is required in Production: it keys the pseudonyms people are counted by.")
            .ValidateOnStart();
        services.AddSingleton<InsightRecorder>();
        services.AddSingleton<IInsightRecorder>(sp => sp.GetRequiredService<InsightRecorder>());
        services.AddSingleton<IDeliveryObserver>(sp => sp.GetRequiredService<InsightRecorder>());
        services.AddHostedService(sp => sp.GetRequiredService<InsightRecorder>());
        services.AddSingleton<InsightsService>();
        services.AddRecurringJob<InsightsSealJob>(InsightsSealJob.Name, "Stores the tallies of sealed weeks, so reports read them instead of their events",
            _ => JobSchedule.Every(TimeSpan.FromHours(6)));
        services.AddBotRoutes(routes => routes.OnCommand<ReportCommandHandler>(ReportCommandHandler.Command).RequireRole(Roles.Coach));
        return builder;
    }

    /// <summary>
    /// <c>GET /api/insights?week=yyyy-MM-dd&amp;agency=id</c>: the week's report (JSON); <c>GET /api/insights/export.csv?from=&amp;to=&amp;agency=</c>:
    /// every week in the range as CSV. Policy Admin. Weeks are Monday to Sunday (UTC); a date picks the week holding it.
    /// </summary>
    public static IEndpointRouteBuilder MapInsightsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapApiGroup("/api/insights", ApiPolicies.Admin);
        api.MapGet("/", async (string? week, string[]? agency, InsightsService insights, CancellationToken ct) =>
        {
            DateOnly day;
            if (week is null) day = insights.LastFullWeek();
            else if (!TryDate(week, out day)) return BadDate("week");
            var scope = agency is { Length: > 0 } ? string.Join(", ", agency) : "All agencies";
            return Results.Json(await insights.ReportAsync(day, agency is { Length: > 0 } ? agency : null, scope, ct), ApiRoutes.Json);
        });
        api.MapGet("/export.csv", async (string? from, string? to, string[]? agency, InsightsService insights, CancellationToken ct) =>
        {
            var last = insights.LastFullWeek();
            DateOnly end = last, start = last.AddDays(-7 * 11);
            if (to is not null && !TryDate(to, out end)) return BadDate("to");
            if (from is not null && !TryDate(from, out start)) return BadDate("from");
            if (start > end) return Results.Problem(statusCode: 400, title: "Bad range", detail: "from must not be after to.");
            if (end.DayNumber - start.DayNumber > 7 * 104) return Results.Problem(statusCode: 400, title: "Bad range", detail: "At most 104 weeks at a time.");
            var csv = await insights.CsvAsync(start, end, agency is { Length: > 0 } ? agency : null, ct);
            return Results.File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", $"adoption-{start:yyyy-MM-dd}-{end:yyyy-MM-dd}.csv");
        });
        return endpoints;
    }

    internal static bool TryDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    private static IResult BadDate(string name) =>
        Results.Problem(statusCode: 400, title: "Bad date", detail: $"{name} must be a date like 2026-11-23 (the week holding it is used).");
}

/// <summary>Seals the weeks that can no longer change (one replica at a time).</summary>
[Quartz.DisallowConcurrentExecution]
internal sealed class InsightsSealJob(InsightsService insights, ILogger<InsightsSealJob> logger) : Quartz.IJob
{
    public const string Name = "insights.seal";

    public async ValueTask Execute(Quartz.IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var weeks = await insights.SealAsync(cancellationToken);
        if (weeks > 0) logger.LogInformation("Adoption insights: {Weeks} weeks sealed", weeks);
    }
}
