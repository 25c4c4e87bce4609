using TeamsBot.Agencies;
using TeamsBot.Answers;
using TeamsBot.Conversations;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Storage;

namespace TeamsBot;

/// <summary>
/// Composition root: the protocol host, then one extension per slice (each slice owns its folder, options and routes).
/// Tests build the same app with extra configuration and service overrides.
/// </summary>
public static class TeamsBotApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = ContentRoot() });
        builder.AddTeamsBotProtocol();
        builder.AddStorage();
        builder.AddConversations();
        builder.AddDirectory();
        builder.AddAnswers();
        customize?.Invoke(builder);

        var app = builder.Build();
        app.MapTeamsBot();
        app.MapHealth();
        return app;
    }

    // The project folder under `dotnet run`, the output folder otherwise (tests, published app): where appsettings.json is.
    private static string ContentRoot() =>
        File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json")) ? Directory.GetCurrentDirectory() : AppContext.BaseDirectory;
}
