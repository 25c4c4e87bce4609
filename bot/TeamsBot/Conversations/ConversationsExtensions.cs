using TeamsBot.Cards;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Connector;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Conversations;

public static class ConversationsExtensions
{
    /// <summary>Conversation references, install state, welcome and help.</summary>
    public static IHostApplicationBuilder AddConversations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddCardLibrary();
        builder.Services.AddSingleton<WelcomeMessages>();
        builder.Services.AddSingleton<IProactiveMessenger, ProactiveMessenger>();
        builder.Services.AddTurnMiddleware<ConversationReferenceMiddleware>();
        builder.Services.AddHostedService<TrustStoredServiceUrls>();
        builder.Services.AddBotRoutes(routes => routes
            .OnExactText<HelpHandler>("help", "/help", "?", "what can you do")
            .OnActivity<WelcomeHandler>(ActivityTypes.ConversationUpdate));
        return builder;
    }
}

/// <summary>After a restart, serviceUrls stored from earlier authenticated activities stay callable for proactive sends.</summary>
internal sealed class TrustStoredServiceUrls(ConversationStore store, TrustedServiceUrls trusted) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var url in await store.ServiceUrlsAsync(cancellationToken)) trusted.Trust(url);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
