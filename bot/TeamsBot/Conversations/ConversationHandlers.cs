using TeamsBot.Agencies;
using TeamsBot.Insights;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Conversations;

/// <summary>Stores the conversation reference of every authenticated turn before it is handled.</summary>
internal sealed class ConversationReferenceMiddleware(ConversationStore store, IInsightRecorder insights, ILogger<ConversationReferenceMiddleware> logger) : ITurnMiddleware
{
    public async Task OnTurnAsync(ITurnContext context, Func<Task> next, CancellationToken cancellationToken)
    {
        var activity = context.Activity;
        bool? installed = activity switch
        {
            _ when activity.IsType(ActivityTypes.InstallationUpdate) => activity.Action?.StartsWith("remove", StringComparison.OrdinalIgnoreCase) == true ? false : true,
            _ when activity.IsType(ActivityTypes.ConversationUpdate) && IncludesBot(activity.MembersRemoved, activity) => false,
            _ when activity.IsType(ActivityTypes.ConversationUpdate) && IncludesBot(activity.MembersAdded, activity) => true,
            _ => null,
        };
        try
        {
            var change = await store.RecordAsync(activity, installed, cancellationToken);
            if (change != InstallChange.None && UserKey.Of(activity) is { } user)
                insights.Record(change == InstallChange.Installed ? InsightKind.Installed : InsightKind.Uninstalled, user);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A reference that cannot be stored (constraint, database busy or down) must not cost the user their answer.
            logger.LogWarning("Conversation reference not stored ({Error}); turn continues", e.InnerException?.GetType().Name ?? e.GetType().Name);
        }
        await next();
    }

    internal static bool IncludesBot(IReadOnlyList<ChannelAccount>? members, Activity activity) =>
        members?.Any(m => m.Id is not null && string.Equals(m.Id, activity.Recipient?.Id, StringComparison.OrdinalIgnoreCase)) == true;
}

/// <summary>Welcomes people when the bot is added to a chat or team (once: on the conversationUpdate that adds the bot).</summary>
internal sealed class WelcomeHandler(WelcomeMessages messages) : ITurnHandler
{
    public async Task HandleAsync(ITurnContext context, CancellationToken cancellationToken)
    {
        if (!ConversationReferenceMiddleware.IncludesBot(context.Activity.MembersAdded, context.Activity)) return;
        await context.SendActivityAsync(await messages.WelcomeAsync(context.Activity, cancellationToken), cancellationToken);
    }
}

internal sealed class HelpHandler(WelcomeMessages messages) : ITurnHandler
{
    public async Task HandleAsync(ITurnContext context, CancellationToken cancellationToken) =>
        await context.SendActivityAsync(await messages.HelpAsync(context.Activity, cancellationToken), cancellationToken);
}
