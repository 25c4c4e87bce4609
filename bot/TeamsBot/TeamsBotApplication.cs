using TeamsBot.Agencies;
using TeamsBot.Answers;
using TeamsBot.Broadcasts;
using TeamsBot.Conversations;
using TeamsBot.Events;
using TeamsBot.Insights;
using TeamsBot.Nudges;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Research;
using TeamsBot.Security;
using TeamsBot.Storage;
using TeamsBot.Storage.Jobs;

namespace TeamsBot;

/// <summary>
/// Composition root: the protocol host, the platform (telemetry, API authentication, storage with durable jobs), then one
/// extension per slice (each slice owns its folder, options, bot routes and <c>/api/...</c> group).
/// Tests build the same app with extra configuration and service overrides.
/// </summary>
public static class TeamsBotApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = ContentRoot() });
        builder.AddTeamsBotProtocol();
        builder.AddTelemetry();
        builder.AddApiAuthentication();
        builder.AddStorage();
        builder.AddConversations();
        builder.AddDirectory();
        builder.AddInsights();
        builder.AddAnswers();
        builder.AddBroadcasts();
        builder.AddEvents();
        builder.AddNudges();
        builder.AddResearch();
        customize?.Invoke(builder);

        var app = builder.Build();
        // Problem details for unhandled API errors; /api/messages answers failures itself (with a correlation id).
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/api") && !http.Request.Path.StartsWithSegments(ProtocolExtensions.MessagesPath),
            api => api.UseExceptionHandler());
        app.MapTeamsBot();
        app.MapHealth();
        app.MapCallerApi();
        app.MapAgenciesApi();
        app.MapJobsApi();
        app.MapCampaignsApi();
        app.MapEventsApi();
        app.MapNudgesApi();
        app.MapInsightsApi();
        return app;
    }

    // The project folder under `dotnet run`, the output folder otherwise (tests, published app): where appsettings.json is.
    private static string ContentRoot() =>
        File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json")) ? Directory.GetCurrentDirectory() : AppContext.BaseDirectory;
}
