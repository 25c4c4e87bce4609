using System.Globalization;
using System.Text;
using Quartz;
using TeamsBot.Agencies;
using TeamsBot.Cards;
using TeamsBot.Insights;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Nudges;

public sealed record NudgeActionData(string NudgeId, string ProgramId);

/// <summary>Snooze and Stop on a lesson card: honoured at once (the planner reads them before every decision); the card says so.</summary>
internal sealed class NudgeActionHandler(NudgeService nudges, NudgeCards cards, IInsightRecorder insights) : ICardActionHandler<NudgeActionData>
{
    public async Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<NudgeActionData> action, CancellationToken cancellationToken)
    {
        var a = context.Activity;
        if (UserKey.Of(a) is not { AadObjectId: var objectId, TenantId: var tenantId })
            return AdaptiveCardInvokeResponse.Message("Teams did not say who you are, so nothing was changed.");
        var user = new UserKey(objectId, tenantId);
        insights.Record(InsightKind.NudgeClicked, user, subject: action.Data.NudgeId);
        TrainingNudgeCardData? card;
        if (string.Equals(action.Verb, CardVerbs.NudgeSnooze, StringComparison.OrdinalIgnoreCase))
        {
            var until = await nudges.SnoozeAsync(tenantId, objectId, cancellationToken);
            card = cards.Lesson(action.Data.ProgramId, action.Data.NudgeId, NudgeCardState.Snoozed, until, a.Locale);
            if (card is null) return AdaptiveCardInvokeResponse.Message($"Snoozed: no tips before {until:yyyy-MM-dd}. Type nudges on to resume sooner.");
        }
        else
        {
            await nudges.StopAsync(tenantId, objectId, cancellationToken);
            insights.Record(InsightKind.NudgeStopped, user, subject: action.Data.NudgeId);
            card = cards.Lesson(action.Data.ProgramId, action.Data.NudgeId, NudgeCardState.Stopped, null, a.Locale);
            if (card is null) return AdaptiveCardInvokeResponse.Message("Tips are off. Type nudges on any time to turn them back on.");
        }
        return AdaptiveCardInvokeResponse.Card(cards.Bind(card, a.Locale));
    }
}

/// <summary><c>nudges</c> shows a person's settings and progress; <c>nudges on</c> resumes, <c>nudges off</c> stops.</summary>
internal sealed class NudgesCommandHandler(NudgeService nudges, IInsightRecorder insights) : ITurnHandler
{
    public const string Command = "nudges";

    public async Task HandleAsync(ITurnContext context, CancellationToken cancellationToken)
    {
        if (UserKey.Of(context.Activity) is not { AadObjectId: var objectId, TenantId: var tenantId })
        {
            await context.SendActivityAsync(Activity.Message("Teams did not say who you are, so I cannot show your settings."), cancellationToken);
            return;
        }
        var words = context.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var argument = words.Length > 1 ? words[1].ToLowerInvariant() : "";
        var heading = "";
        if (argument is "on" or "resume")
        {
            await nudges.ResumeAsync(tenantId, objectId, cancellationToken);
            heading = "✅ Tips are on again.\n\n";
        }
        else if (argument is "off" or "stop")
        {
            await nudges.StopAsync(tenantId, objectId, cancellationToken);
            insights.Record(InsightKind.NudgeStopped, new UserKey(objectId, tenantId));
            heading = "Tips are off. Type **nudges on** any time to turn them back on.\n\n";
        }
        var s = await nudges.SettingsAsync(tenantId, objectId, cancellationToken);
        var text = new StringBuilder(heading).Append("**Your training tips**\n\n");
        var status = !s.Enabled ? "paused for everyone by the program"
            : s.StoppedAt is not null ? "off (type **nudges on** to resume)"
            : s.SnoozedUntil is { } until ? $"snoozed until {until:yyyy-MM-dd} (type **nudges on** to resume sooner)"
            : "on";
        text.Append(CultureInfo.InvariantCulture, $"- Status: {status}\n");
        text.Append(CultureInfo.InvariantCulture, $"- Progress: {s.LessonsTried} of {s.LessonCount} lessons tried ({s.LessonsSent} received)");
        if (s.NextLesson is { } next) text.Append(CultureInfo.InvariantCulture, $"; next: {CardText.Plain(next)}");
        text.Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"- At most {s.MaxPerWeek} tips a week (you got {s.SentLastWeek} in the last 7 days), never two on one day\n");
        text.Append(CultureInfo.InvariantCulture,
            $"- Only on {string.Join(", ", s.WorkingDays.Select(d => d.ToString()[..3]))}, {s.WorkingHoursStart:HH\\:mm}–{s.WorkingHoursEnd:HH\\:mm} in your time zone ({s.TimeZone})");
        if (!string.IsNullOrWhiteSpace(s.QuietHours)) text.Append(CultureInfo.InvariantCulture, $", except {s.QuietHours}");
        text.Append("\n\nEvery tip has **Snooze** (a week) and **Stop** buttons.");
        await context.SendActivityAsync(Activity.Message() with { Text = text.ToString(), TextFormat = "markdown" }, cancellationToken);
    }
}

/// <summary>
/// Watches people's messages for what nudges need, without storing their text: a lesson's question arriving (its <b>Try it</b>
/// was pressed, or they typed it) completes the lesson; a feature's command word (e.g. <c>research</c>) marks the feature tried.
/// </summary>
internal sealed class NudgeActivityMiddleware(NudgeService nudges, CurriculumSource curriculum, IInsightRecorder insights, ILogger<NudgeActivityMiddleware> logger) : ITurnMiddleware
{
    public async Task OnTurnAsync(ITurnContext context, Func<Task> next, CancellationToken cancellationToken)
    {
        if (context.Activity.IsType(ActivityTypes.Message) && UserKey.Of(context.Activity) is { AadObjectId: var objectId, TenantId: var tenantId } && context.Text is { Length: > 0 } text)
        {
            try
            {
                var planner = curriculum.Planner;
                if (planner.LessonAsked(text) is { } lesson && await nudges.CompleteAsync(objectId, planner.Curriculum.Id, lesson.Id, cancellationToken))
                {
                    // Try it is the lesson card's main button: completing the lesson is that click.
                    var user = new UserKey(objectId, tenantId);
                    insights.Record(InsightKind.LessonCompleted, user, subject: lesson.Id);
                    insights.Record(InsightKind.NudgeClicked, user, subject: lesson.Id);
                }
                if (planner.FeatureUsed(text) is { } feature)
                    await nudges.RecordFeatureAsync(tenantId, objectId, feature, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Nudge progress not recorded ({Error}); the turn continues", e.GetType().Name);
            }
        }
        await next();
    }
}

/// <summary>The recurring planning run (one replica at a time).</summary>
[DisallowConcurrentExecution]
internal sealed class NudgePlanJob(NudgeService nudges, Microsoft.Extensions.Options.IOptions<NudgesOptions> options) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (options.Value.Enabled) await nudges.PlanAsync(cancellationToken);
    }
}
