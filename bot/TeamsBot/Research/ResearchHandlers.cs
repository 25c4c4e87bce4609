using Quartz;
using TeamsBot.Agencies;
using TeamsBot.Answers;
using TeamsBot.Cards;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Storage.Jobs;

namespace TeamsBot.Research;

/// <summary>
/// <c>research &lt;question&gt;</c> in a 1:1 chat: the protected-content guard first (nothing protected is stored or sent
/// anywhere), then the agency's window and the caps, then the acknowledgement card, updated in place until the report arrives.
/// </summary>
internal sealed class ResearchCommandHandler(ResearchService research, ContentGuard guard, CardLibrary cards, Microsoft.Extensions.Options.IOptions<ResearchOptions> options,
    ILogger<ResearchCommandHandler> logger) : ITurnHandler
{
    public const string Command = "research";

    public async Task HandleAsync(ITurnContext context, CancellationToken cancellationToken)
    {
        var a = context.Activity;
        var question = context.Text.Trim() is { Length: > 8 } text && text.StartsWith(Command, StringComparison.OrdinalIgnoreCase) ? text[Command.Length..].Trim() : "";
        if (!a.IsPersonal())
        {
            await context.SendActivityAsync(Activity.Message("Deep Research works in your 1:1 chat with me, so the report comes only to you."), cancellationToken);
            return;
        }
        if (question.Length < 3)
        {
            await context.SendActivityAsync(Activity.Message("Tell me what to research, e.g. **research How do other agencies handle records retention for AI chat logs?**"), cancellationToken);
            return;
        }
        if (question.Length > 2000)
        {
            await context.SendActivityAsync(Activity.Message("That question is too long for a research request: keep it under 2,000 characters."), cancellationToken);
            return;
        }
        var verdict = guard.Check(question);
        if (verdict.Blocked)
        {
            logger.LogInformation("Research request refused by the content guard: {Kinds}", string.Join(",", verdict.Findings.Distinct()));
            var refusal = cards.Bind(new ProtectedContentRefusalCardData(ContentGuard.RefusalReasonOf(verdict), context.CorrelationId), a.Locale);
            await context.SendActivityAsync(Activity.Message() with { Attachments = [Attachment.AdaptiveCard(refusal)], Summary = ContentGuard.Refusal(verdict) }, cancellationToken);
            return;
        }
        if (UserKey.Of(a) is not { } user || a.ServiceUrl is null || a.Conversation?.Id is null)
        {
            await context.SendActivityAsync(Activity.Message("Teams did not say who you are, so I cannot start a research."), cancellationToken);
            return;
        }
        var start = await research.StartAsync(user, question, a.ServiceUrl, a.Conversation.Id, a.Locale, cancellationToken);
        var o = options.Value;
        var card = new ResearchStatusCardData(start.Id ?? "", start.State, question, WindowStart: start.WindowStart, WindowEnd: start.WindowEnd,
            AgencyName: start.AgencyName is { } agency ? new UserText(agency) : (UserText?)null,
            Contact: string.IsNullOrWhiteSpace(o.Contact) ? (UserText?)null : new UserText(o.Contact), PerDay: o.PerUserPerDay, MaxMinutes: (int)o.MaxDuration.TotalMinutes);
        TeamsBot.Protocol.Connector.ResourceResponse? sent = null;
        try
        {
            sent = await context.SendActivityAsync(Activity.Message() with
            {
                Attachments = [Attachment.AdaptiveCard(cards.Bind(card, a.Locale))],
                Summary = start.Id is null ? "Deep Research is not available right now" : "Researching… I'll message you here when the report is ready.",
            }, cancellationToken);
        }
        finally
        {
            // Scheduled even when the card could not be sent: a stored research always has a run.
            if (start.Id is { } id) await research.ScheduleAsync(id, sent?.Id, CancellationToken.None);
        }
    }
}

public sealed record ResearchCancelData(string? ResearchId);

/// <summary><b>Cancel</b> on the acknowledgement card: the research stops and never delivers; the card says so.</summary>
internal sealed class ResearchCancelHandler(ResearchService research, CardLibrary cards) : ICardActionHandler<ResearchCancelData>
{
    public async Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<ResearchCancelData> action, CancellationToken cancellationToken)
    {
        if (UserKey.Of(context.Activity) is not { } user || action.Data.ResearchId is not { Length: > 0 and <= 32 } id)
            return AdaptiveCardInvokeResponse.Message("Nothing to cancel.");
        var job = await research.CancelAsync(id, user.AadObjectId, cancellationToken);
        if (job is null) return AdaptiveCardInvokeResponse.Message("Nothing to cancel.");
        var state = job.Status switch
        {
            ResearchStatus.Cancelled => ResearchCardState.Cancelled,
            ResearchStatus.Delivered or ResearchStatus.Delivering => ResearchCardState.Delivered,
            ResearchStatus.TimedOut => ResearchCardState.TimedOut,
            _ => ResearchCardState.Failed,
        };
        return AdaptiveCardInvokeResponse.Card(cards.Bind(research.Card(job, state), context.Activity.Locale));
    }
}

/// <summary><c>fileConsent/invoke</c>: the person accepted (upload, then the file card) or declined (Markdown) the Word document.</summary>
internal sealed class ResearchFileConsentHandler(ResearchService research) : IInvokeHandler<FileConsentCardResponse>
{
    public async Task<InvokeResponse> HandleAsync(ITurnContext context, FileConsentCardResponse value, CancellationToken cancellationToken)
    {
        if (UserKey.Of(context.Activity) is not { } user) return InvokeResponse.BadRequest("fileConsent/invoke needs the user's aadObjectId.");
        if (value.Context is not { ValueKind: System.Text.Json.JsonValueKind.Object } c || !c.TryGetProperty("researchId", out var idElement) || idElement.GetString() is not { Length: > 0 and <= 32 } id)
            return InvokeResponse.BadRequest("fileConsent/invoke context needs researchId.");
        if (value.Action is not ("accept" or "decline")) return InvokeResponse.BadRequest("fileConsent/invoke action must be accept or decline.");
        if (await research.ConsentAsync(id, user.AadObjectId, value, cancellationToken) is { } problem)
            await context.SendActivityAsync(Activity.Message(problem), cancellationToken);
        return InvokeResponse.Ok();
    }
}

/// <summary>Runs one research (a durable one-time job keyed by its id; recovered after a crash, continuing from the last step).</summary>
[DisallowConcurrentExecution]
internal sealed class ResearchRunJob(ResearchService research) : IJob
{
    public const string IdKey = "researchId";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (await research.RunAsync(context.MergedJobDataMap.GetString(IdKey)!, cancellationToken) is { } after)
            await context.RunAgainAsync(after, cancellationToken);
    }
}

/// <summary>
/// Every minute: a live or half-delivered research whose run is not scheduled (it ended on an error, or its card could not
/// be sent) is scheduled again; the run itself times out what is too old. One schedule per research, so never two runs at once.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class ResearchResumeJob(ResearchService research) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await research.ResumeStrandedAsync(cancellationToken);
}

/// <summary>Deletes stored questions and reports after <c>Research:Retention</c>.</summary>
internal sealed class ResearchCleanupJob(ResearchService research, ILogger<ResearchCleanupJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var removed = await research.ExpireAsync(cancellationToken);
        if (removed > 0) logger.LogInformation("Research: {Count} finished research records deleted after retention", removed);
    }
}
