using Microsoft.Extensions.Options;
using TeamsBot.Broadcasts;
using TeamsBot.Cards;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Security;
using TeamsBot.Storage.Jobs;

namespace TeamsBot.Nudges;

public static class NudgesExtensions
{
    /// <summary>
    /// Training nudges: the curriculum, the planning job (respecting each person's time zone, working hours, quiet hours,
    /// weekly cap, Snooze and Stop), lesson cards sent through the broadcast fan-out, <c>nudges</c>, and lesson reach for coaches.
    /// </summary>
    public static IHostApplicationBuilder AddNudges(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<NudgesOptions>().BindConfiguration(NudgesOptions.Section)
            .Validate(o => o.MaxPerWeek is >= 1 and <= 14, "Nudges:MaxPerWeek must be between 1 and 14.")
            .Validate(o => o.PlanInterval >= TimeSpan.FromMinutes(1), "Nudges:PlanInterval must be at least 00:01:00.")
            .Validate(o => o.WorkingHoursStart < o.WorkingHoursEnd, "Nudges:WorkingHoursStart must be before Nudges:WorkingHoursEnd.")
            .Validate(o => Parses(() => o.Days().Count > 0), "Nudges:WorkingDays must be day names separated by commas, e.g. Monday,Tuesday.")
            .Validate(o => Parses(() => o.QuietRanges() is not null), "Nudges:QuietHours must be time ranges like 12:00-13:00, separated by commas.")
            .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.DefaultTimeZone, out _), "Nudges:DefaultTimeZone is not a known time zone.")
            .Validate(o => o.SnoozeFor >= TimeSpan.FromHours(1), "Nudges:SnoozeFor must be at least 01:00:00.")
            .Validate(o => o.MinGroupSize >= 5, "Nudges:MinGroupSize must be at least 5.")
            .Validate(o => o.PageSize is >= 10 and <= 10_000, "Nudges:PageSize must be between 10 and 10000.")
            .ValidateOnStart();
        services.AddSingleton<CurriculumSource>();
        // A missing or broken curriculum stops startup with its reason, like any configuration error.
        services.AddSingleton<IValidateOptions<NudgesOptions>, CurriculumValidation>();
        services.AddSingleton<NudgeService>();
        services.AddSingleton<IRecipientOptOuts>(sp => sp.GetRequiredService<NudgeService>());
        services.AddSingleton<NudgeCards>();
        services.AddSingleton<ICampaignContent>(sp => sp.GetRequiredService<NudgeCards>());
        services.AddSingleton<ICampaignContent, SurveyContent>();
        services.AddRecurringJob<NudgePlanJob>("nudges.plan", "Plans training nudges that are due (Nudges:PlanInterval)",
            sp => JobSchedule.Every(sp.GetRequiredService<IOptions<NudgesOptions>>().Value.PlanInterval));
        services.AddTurnMiddleware<NudgeActivityMiddleware>();
        services.AddBotRoutes(routes => routes
            .OnCardAction<NudgeActionHandler, NudgeActionData>(CardVerbs.NudgeSnooze, CardVerbs.NudgeStop)
            .OnCardAction<SurveyAnswerHandler, SurveyAnswerData>(CardVerbs.SurveyTimeSaved)
            .OnCommand<NudgesCommandHandler>(NudgesCommandHandler.Command));
        return builder;
    }

    private static bool Parses(Func<bool> parse)
    {
        try { return parse(); }
        catch (Exception e) when (e is FormatException or ArgumentException) { return false; }
    }

    /// <summary><c>GET /api/nudges/lessons</c> (policy Coach): reach and tries per lesson and agency.</summary>
    public static IEndpointRouteBuilder MapNudgesApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapApiGroup("/api/nudges", ApiPolicies.Coach);
        api.MapGet("/lessons", async (NudgeService nudges, CancellationToken ct) => Results.Json(await nudges.ReachAsync(ct), ApiRoutes.Json));
        return endpoints;
    }
}

internal sealed class CurriculumValidation(IHostEnvironment environment) : IValidateOptions<NudgesOptions>
{
    public ValidateOptionsResult Validate(string? name, NudgesOptions options)
    {
        try
        {
            CurriculumLoader.Load(CurriculumSource.PathOf(options, environment));
            return ValidateOptionsResult.Success;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return ValidateOptionsResult.Fail($"Nudges:CurriculumPath: {e.Message}");
        }
    }
}
