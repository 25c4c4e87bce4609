using TeamsBot.Insights;
using TeamsBot.Agencies;
using System.Net;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using TeamsBot.Cards;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Connector;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Answers;

/// <summary>
/// A question typed in Teams: guard, fair use, then a streamed, grounded, cited answer (or the offline knowledge answer).
/// Logs carry kinds and outcomes only, never the question or the answer.
/// </summary>
internal sealed class AnswerHandler(
    ContentGuard guard,
    CardLibrary cards,
    IFairUseLimiter limiter,
    KnowledgeBase knowledge,
    ModelClient model,
    ConversationMemory memory,
    IAnswerContextProvider contexts,
    IOptions<KnowledgeOptions> knowledgeOptions,
    IOptions<AnswersOptions> answersOptions,
    AnswersTelemetry telemetry,
    IInsightRecorder insights,
    IEnumerable<IAnswerFollowUp> followUps,
    ILogger<AnswerHandler> logger) : ITurnHandler
{
    public const string Informative = "Searching agency guidance…";

    public async Task HandleAsync(ITurnContext context, CancellationToken cancellationToken)
    {
        try
        {
            await AnswerAsync(context, cancellationToken);
        }
        catch (ConnectorException e)
        {
            // The channel refused our reply (conversation gone, bot removed, bad id): nobody to tell, nothing to retry.
            logger.LogWarning("Answer could not be delivered: {Status} {Code}", (int)e.StatusCode, e.ErrorCode);
        }
    }

    private async Task AnswerAsync(ITurnContext context, CancellationToken cancellationToken)
    {
        var question = context.Text;
        if (string.IsNullOrWhiteSpace(question)) return;
        // Adoption counts a question asked (refused or not); its text is never part of the record.
        if (UserKey.Of(context.Activity) is { } asker) insights.Record(InsightKind.Question, asker);

        // Nothing below this line may see protected content: not the model, not memory, not logs.
        var verdict = guard.Check(question);
        if (verdict.Blocked)
        {
            logger.LogInformation("Question refused by the content guard: {Kinds}", string.Join(",", verdict.Findings.Distinct()));
            var card = cards.Bind(new ProtectedContentRefusalCardData(ContentGuard.RefusalReasonOf(verdict), context.CorrelationId), context.Activity.Locale);
            await context.SendActivityAsync(Activity.Message() with { Attachments = [Attachment.AdaptiveCard(card)], Summary = ContentGuard.Refusal(verdict) }, cancellationToken);
            return;
        }

        var (allowed, wait) = await FairUseAsync(context.Activity, cancellationToken);
        if (!allowed)
        {
            var o = answersOptions.Value;
            var minutes = Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes));
            await context.SendActivityAsync(Activity.Message(
                $"You've asked a lot of questions in a short time. To keep the service fair for everyone, each person can ask " +
                $"{o.QuestionsPerWindow} questions every {Describe(o.RateLimitWindow)}. Please try again in about {minutes} minute{(minutes == 1 ? "" : "s")}."),
                cancellationToken);
            return;
        }

        await using var stream = context.StartStreaming();
        await stream.SendInformativeUpdateAsync(Informative, cancellationToken);

        var passages = knowledge.Search(question, knowledgeOptions.Value.MaxPassages);
        var client = model.Client;
        if (client is null)
        {
            var quoted = OfflinePassages(passages);
            await EndAsync(stream, await FollowUpsAsync(context.Activity, question,
                AnswerComposer.FinalMessage(AnswerComposer.OfflineAnswer(quoted, null, AnswerComposer.NotConfiguredLine), quoted, aiGenerated: false), cancellationToken));
            return;
        }

        var conversationId = context.Activity.Conversation!.Id!;
        var who = await contexts.GetAsync(context.Activity, cancellationToken);
        var history = await RecallAsync(conversationId);
        var prompt = AnswerComposer.BuildPrompt(question, passages, who, history);

        var outcome = await GenerateAsync(client, prompt, stream);
        // Out of time before the model said anything (e.g. long retries): the offline answer is better than nothing.
        if (outcome is { Kind: Outcome.TimeLimit, Text.Length: 0 }) outcome = outcome with { Kind = Outcome.Failed };
        switch (outcome.Kind)
        {
            case Outcome.Failed:
                var quoted = OfflinePassages(passages);
                await EndAsync(stream, AnswerComposer.FinalMessage(
                    AnswerComposer.OfflineAnswer(quoted, AnswerComposer.ModelUnavailableLine, null), quoted, aiGenerated: false));
                return;
            case Outcome.StoppedByUser:
                // Teams has ended the stream; it refuses a final message. Keep what the user saw as context.
                logger.LogInformation("Answer stopped by the user after {Updates} updates", stream.UpdatesSent);
                if (outcome.Text.Length > 0) await RememberAsync(conversationId, question, outcome.Text);
                return;
        }

        var text = outcome.Text;
        if (outcome.Kind == Outcome.TimeLimit) text += "\n\n_(I stopped here: answers are limited to two minutes.)_";
        else if (outcome.Kind == Outcome.Interrupted) text += "\n\n_(The connection to the AI model was interrupted, so this answer may be incomplete.)_";
        else if (text.Length == 0) text = "The AI model returned an empty answer. Please rephrase your question and try again.";

        await EndAsync(stream, await FollowUpsAsync(context.Activity, question, AnswerComposer.FinalMessage(text, passages, aiGenerated: true), cancellationToken));
        await RememberAsync(conversationId, question, outcome.Text);
    }

    /// <summary>The actions other slices offer under this answer (e.g. Research this deeper), as suggested actions.</summary>
    private async Task<Activity> FollowUpsAsync(Activity inbound, string question, Activity final, CancellationToken cancellationToken)
    {
        var actions = new List<SuggestedAction>();
        foreach (var followUp in followUps)
        {
            try
            {
                if (await followUp.ForAsync(inbound, question, cancellationToken) is { } action) actions.Add(action);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("A follow-up action was left out ({Error})", e.GetType().Name);
            }
        }
        return actions.Count == 0 ? final : final with { SuggestedActions = new SuggestedActions(actions) };
    }

    // Fair use protects the service; a store that cannot count must not stop people's questions.
    private async Task<(bool Allowed, TimeSpan RetryAfter)> FairUseAsync(Activity activity, CancellationToken cancellationToken)
    {
        try { return await limiter.TryAcquireAsync(UserRateLimiter.UserKey(activity), cancellationToken); }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Fair-use count unavailable, question allowed: {Error}", e.GetType().Name);
            return (true, TimeSpan.Zero);
        }
    }

    // Memory is a convenience: if the store fails, answer without it rather than fail the turn.
    private async Task<IReadOnlyList<ChatMessage>> RecallAsync(string conversationId)
    {
        try { return await memory.RecallAsync(conversationId, CancellationToken.None); }
        catch (Exception e)
        {
            logger.LogWarning("Conversation memory unavailable, answering without it: {Error}", e.GetType().Name);
            return [];
        }
    }

    private async Task RememberAsync(string conversationId, string question, string answer)
    {
        try { await memory.RememberAsync(conversationId, question, answer, CancellationToken.None); }
        catch (Exception e)
        {
            logger.LogWarning("Conversation memory not saved: {Error}", e.GetType().Name);
        }
    }

    /// <summary>Quotes only strong matches (at least half the best score): a model can ignore a weak source, a quote can't.</summary>
    private static IReadOnlyList<Passage> OfflinePassages(IReadOnlyList<Passage> passages) =>
        passages.Count == 0 ? passages : passages.Where(p => p.Score >= passages[0].Score / 2).Take(3).ToList();

    private enum Outcome { Completed, Failed, Interrupted, StoppedByUser, TimeLimit }

    private readonly record struct Generation(Outcome Kind, string Text);

    /// <summary>Streams the model's answer into the Teams stream. The idle watchdog starts with the first chunk.</summary>
    private async Task<Generation> GenerateAsync(IChatClient client, List<ChatMessage> prompt, StreamingResponse stream)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var span = AnswersTelemetry.Source.StartActivity("model answer", System.Diagnostics.ActivityKind.Client);
        span?.SetTag("gen_ai.provider.name", model.Options.Provider);
        var generation = await StreamAsync(client, prompt, stream, started);
        var outcome = generation.Kind.ToString().ToLowerInvariant();
        span?.SetTag("teamsbot.model.outcome", outcome);
        telemetry.Duration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds,
            new("provider", model.Options.Provider), new("outcome", outcome));
        return generation;
    }

    private async Task<Generation> StreamAsync(IChatClient client, List<ChatMessage> prompt, StreamingResponse stream, long started)
    {
        var text = new StringBuilder();
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stream.Cancellation);
        var options = new ChatOptions { MaxOutputTokens = model.Options.MaxOutputTokens, Temperature = 0.2f };
        try
        {
            await foreach (var update in client.GetStreamingResponseAsync(prompt, options, idle.Token))
            {
                idle.CancelAfter(model.Options.IdleTimeout);
                var chunk = update.Text;
                if (string.IsNullOrEmpty(chunk)) continue;
                if (text.Length == 0)
                    telemetry.FirstToken.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("provider", model.Options.Provider));
                text.Append(chunk);
                stream.AppendText(chunk);
            }
            return new Generation(Outcome.Completed, text.ToString());
        }
        catch (Exception e) when (stream.Cancellation.IsCancellationRequested)
        {
            _ = e;
            return new Generation(stream.StoppedByUser ? Outcome.StoppedByUser : Outcome.TimeLimit, text.ToString());
        }
        catch (Exception e)
        {
            logger.LogWarning("Model call failed after {Chars} characters: {Error} {Status}", text.Length, e.GetType().Name, StatusOf(e));
            return new Generation(text.Length == 0 ? Outcome.Failed : Outcome.Interrupted, text.ToString());
        }
    }

    private static string StatusOf(Exception e) => e switch
    {
        System.ClientModel.ClientResultException c => c.Status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        HttpRequestException { StatusCode: { } s } => ((int)s).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "",
    };

    private async Task EndAsync(StreamingResponse stream, Activity final)
    {
        try
        {
            await stream.EndAsync(final, CancellationToken.None);
        }
        catch (ConnectorException e) when (e.StatusCode == HttpStatusCode.Forbidden && stream.StreamId is not null)
        {
            logger.LogInformation("Final message refused: the stream was stopped ({Code})", e.ErrorCode);
        }
    }

    private static string Describe(TimeSpan window) =>
        window.TotalMinutes >= 1 && window.TotalMinutes == Math.Floor(window.TotalMinutes)
            ? $"{window.TotalMinutes:0} minute{(window.TotalMinutes == 1 ? "" : "s")}"
            : $"{window.TotalSeconds:0} seconds";
}

/// <summary><c>new chat</c> / <c>reset</c>: forgets this conversation's memory.</summary>
internal sealed class ResetHandler(ConversationMemory memory) : ITurnHandler
{
    public static readonly string[] Commands = ["new chat", "reset", "/reset", "/new", "start over"];


    public async Task HandleAsync(ITurnContext context, CancellationToken cancellationToken)
    {
        await memory.ForgetAsync(context.Activity.Conversation!.Id!, cancellationToken);
        await context.SendActivityAsync(Activity.Message("Started a new chat: I've forgotten our earlier conversation. What would you like to ask?"), cancellationToken);
    }
}
