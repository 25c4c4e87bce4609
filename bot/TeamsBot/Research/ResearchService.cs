using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TeamsBot.Agencies;
using TeamsBot.Answers;
using TeamsBot.Cards;
using TeamsBot.Insights;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Connector;
using TeamsBot.Storage;
using TeamsBot.Storage.Jobs;

namespace TeamsBot.Research;

/// <summary>Why a research did not start, or that it did (with its id).</summary>
public sealed record ResearchStart(string? Id, ResearchCardState State, DateTimeOffset? WindowStart = null, DateTimeOffset? WindowEnd = null, string? AgencyName = null);

/// <summary>
/// Deep research: the entitlement and caps at the start, the stepwise run (a durable job; every finished step stored, so a
/// restart continues where it stopped), cancellation, the time limit, and delivery once: the summary with cited findings in
/// the chat, then the full report as a Word document through Teams file consent (or as Markdown when declined).
/// </summary>
public sealed class ResearchService(
    IDbContextFactory<TeamsBotDbContext> db, IAgencyDirectory directory, IAgencyRegistry registry, IServiceProvider services, IConnectorClient connector,
    IDurableJobs jobs, CardLibrary cards, IInsightRecorder insights, IHttpClientFactory http, SqliteWriteGate writeGate, IOptions<ResearchOptions> options,
    IOptions<TeamsBot.Protocol.Auth.BotOptions> bot, TimeProvider time, ILogger<ResearchService> logger)
{
    public const string UploadClient = "research-upload";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private IResearchProvider Provider => options.Value.Provider switch
    {
        ResearchProviderKind.Iterative => services.GetRequiredService<IterativeResearch>(),
        ResearchProviderKind.Responses => services.GetRequiredService<ResponsesResearch>(),
        _ => services.GetRequiredService<OfflineResearch>(),
    };

    /// <summary>Checks the agency's window and the person's caps, stores the research and schedules its run.</summary>
    public async Task<ResearchStart> StartAsync(UserKey user, string question, string serviceUrl, string conversationId, string? locale, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var person = await directory.ResolveAsync(user, cancellationToken);
        var agency = await registry.FindAsync(person.AgencyId, cancellationToken);
        var windows = agency?.Entitlements.Where(w => string.Equals(w.Feature, o.Feature, StringComparison.OrdinalIgnoreCase)).ToList() ?? [];
        var open = windows.Where(w => w.Start <= now && now < w.End).MaxBy(w => w.End);
        if (open is null)
        {
            if (windows.Where(w => w.Start > now).MinBy(w => w.Start) is { } next) return new ResearchStart(null, ResearchCardState.NotYetOpen, next.Start, next.End, agency?.Name);
            if (windows.Where(w => w.End <= now).MaxBy(w => w.End) is { } past) return new ResearchStart(null, ResearchCardState.Closed, past.Start, past.End, agency?.Name);
            return new ResearchStart(null, ResearchCardState.NoWindow, AgencyName: agency?.Name);
        }
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var jobsOf = context.Set<ResearchJob>().Where(j => j.ObjectId == user.AadObjectId);
        if (await jobsOf.AnyAsync(j => ResearchStatus.Live.Contains(j.Status), cancellationToken)) return new ResearchStart(null, ResearchCardState.Busy);
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var today = await jobsOf.Where(j => j.CreatedAt >= midnight).Select(j => j.CreatedAt).ToListAsync(cancellationToken);
        if (today.Count >= o.PerUserPerDay) return new ResearchStart(null, ResearchCardState.DailyLimit);
        var job = new ResearchJob
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), ObjectId = user.AadObjectId, TenantId = user.TenantId, AgencyId = person.AgencyId,
            ServiceUrl = serviceUrl, ConversationId = conversationId, Locale = locale, Question = question, Status = ResearchStatus.Queued, CreatedAt = now, WindowEnd = open.End,
        };
        context.Add(job);
        try
        {
            await context.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A second request at the same moment (double send, another replica): the database keeps one live research per person.
            return new ResearchStart(null, ResearchCardState.Busy);
        }
        return new ResearchStart(job.Id, ResearchCardState.Researching, open.Start, open.End, agency?.Name);
    }

    /// <summary>Remembers the acknowledgement card (updated in place at milestones) when it was sent, and schedules the run.</summary>
    public async Task ScheduleAsync(string id, string? ackActivityId, CancellationToken cancellationToken)
    {
        if (ackActivityId is not null)
        {
            await using var context = await db.CreateDbContextAsync(cancellationToken);
            await context.Set<ResearchJob>().Where(j => j.Id == id).ExecuteUpdateAsync(x => x.SetProperty(j => j.AckActivityId, ackActivityId), cancellationToken);
        }
        await ScheduleRunAsync(id, cancellationToken);
    }

    /// <summary>Once per research: false (nothing done) while its run is scheduled or running.</summary>
    private Task<bool> ScheduleRunAsync(string id, CancellationToken cancellationToken) =>
        jobs.ScheduleOnceAsync<ResearchRunJob>(id, time.GetUtcNow(), new Dictionary<string, string> { [ResearchRunJob.IdKey] = id }, cancellationToken);

    /// <summary>Schedules again every live or half-delivered research (a no-op for those scheduled or running); returns how many.</summary>
    public async Task<int> ResumeStrandedAsync(CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var ids = await context.Set<ResearchJob>().AsNoTracking()
            .Where(j => ResearchStatus.Live.Contains(j.Status) || j.Status == ResearchStatus.Delivering).Select(j => j.Id).ToListAsync(cancellationToken);
        var resumed = 0;
        foreach (var id in ids)
            if (await ScheduleRunAsync(id, cancellationToken)) resumed++;
        if (resumed > 0) logger.LogInformation("Research: {Count} stranded runs scheduled again", resumed);
        return resumed;
    }

    public ResearchStatusCardData Card(ResearchJob job, ResearchCardState state) =>
        new(job.Id, state, job.Question, job.Milestone, job.SourcesRead, WindowEnd: job.WindowEnd, MaxMinutes: (int)options.Value.MaxDuration.TotalMinutes);

    /// <summary>Cancel: a live research stops (its run sees it at the next step) and never delivers. Null when it is not the person's.</summary>
    public async Task<ResearchJob?> CancelAsync(string id, string objectId, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var cancelled = await context.Set<ResearchJob>().Where(j => j.Id == id && j.ObjectId == objectId && ResearchStatus.Live.Contains(j.Status))
            .ExecuteUpdateAsync(x => x.SetProperty(j => j.Status, ResearchStatus.Cancelled).SetProperty(j => j.FinishedAt, now), cancellationToken);
        // Only the owner's own, live research is unscheduled.
        if (cancelled == 1) await jobs.CancelOnceAsync<ResearchRunJob>(id, cancellationToken);
        var job = await context.Set<ResearchJob>().AsNoTracking().FirstOrDefaultAsync(j => j.Id == id && j.ObjectId == objectId, cancellationToken);
        if (job is { Status: ResearchStatus.Cancelled }) await CancelAtProviderAsync(id, StateOf(job), cancellationToken);
        return job;
    }

    /// <summary>
    /// Stops work the provider does elsewhere for an ended research (a background response that would run, and bill, on):
    /// best effort, a failure is logged with ids only and never thrown.
    /// </summary>
    private async Task CancelAtProviderAsync(string id, ResearchState state, CancellationToken cancellationToken)
    {
        try
        {
            await Provider.CancelAsync(state, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Research {ResearchId}: the provider's cancel of {ResponseId} failed ({Error}); nothing will be delivered anyway", id, state.ResponseId, e.GetType().Name);
        }
    }

    private static ResearchState StateOf(ResearchJob job) => job.State is { } stored ? JsonSerializer.Deserialize<ResearchState>(stored, Json)! : new ResearchState();

    /// <summary>How soon a research waiting for a free place in its agency tries again.</summary>
    private static readonly TimeSpan QueuedRetry = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs a research from where it stands: step after step, each stored before the next; stops when cancelled; ends it after
    /// <c>Research:MaxDuration</c>; delivers once when the report is written. Safe to run again after a crash. Returns when to
    /// run again instead of waiting (for a free place in the agency, or for the provider's background work): null when done.
    /// </summary>
    public async Task<TimeSpan?> RunAsync(string id, CancellationToken cancellationToken)
    {
        var o = options.Value;
        bool? allowWeb = null; // the agency's policy, read once per run rather than per step
        while (true)
        {
            await using var context = await db.CreateDbContextAsync(cancellationToken);
            var job = await context.Set<ResearchJob>().FirstOrDefaultAsync(j => j.Id == id, cancellationToken);
            if (job is null) return null;
            if (job.Status == ResearchStatus.Delivering)
            {
                try
                {
                    await DeliverAsync(job, cancellationToken);
                }
                catch (ConnectorException e) when ((int)e.StatusCode is >= 400 and < 500 and not 429)
                {
                    // The chat refuses messages (the app was removed, the user is gone): nothing more can be delivered.
                    logger.LogWarning("Research {ResearchId} could not be delivered ({Status}); ended", job.Id, (int)e.StatusCode);
                    await EndAsync(job.Id, ResearchStatus.Failed, cancellationToken);
                }
                return null;
            }
            if (!ResearchStatus.Live.Contains(job.Status)) return null;
            var now = time.GetUtcNow();
            if (now - job.CreatedAt > o.MaxDuration)
            {
                if (await EndAsync(job.Id, ResearchStatus.TimedOut, cancellationToken))
                {
                    await CancelAtProviderAsync(job.Id, StateOf(job), cancellationToken);
                    await NotifyAsync(job, ResearchCardState.TimedOut,
                        $"Your research ran past {(int)o.MaxDuration.TotalMinutes} minutes without a finished report, so it was stopped. Try a narrower question.", cancellationToken);
                }
                return null;
            }
            if (job.Status == ResearchStatus.Queued)
            {
                // Per-agency concurrency: no free place yet, so try again shortly (without holding a job thread).
                if (!await ClaimAsync(job, now, cancellationToken)) return QueuedRetry;
                continue;
            }
            var state = StateOf(job);
            allowWeb ??= (await registry.FindAsync(job.AgencyId, cancellationToken))?.AllowWebResearch == true;
            var previousMilestone = job.Milestone;
            ResearchStepResult step;
            try
            {
                step = await Provider.StepAsync(new ResearchRequest(job.Question, allowWeb.Value), state, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Research {ResearchId} failed at step {Step} ({Error})", job.Id, state.Step, e.GetType().Name);
                if (await EndAsync(job.Id, ResearchStatus.Failed, cancellationToken))
                {
                    await CancelAtProviderAsync(job.Id, state, cancellationToken);
                    await NotifyAsync(job, ResearchCardState.Failed, "Something went wrong and no report was made. Please try again later.", cancellationToken);
                }
                return null;
            }
            // Store the step only if the research is still live (a Cancel in the meantime wins).
            var report = step.Report is { } r ? JsonSerializer.Serialize(r, Json) : null;
            var stored_ = await context.Set<ResearchJob>().Where(j => j.Id == id && j.Status == ResearchStatus.Running)
                .ExecuteUpdateAsync(x => x.SetProperty(j => j.State, JsonSerializer.Serialize(state, Json)).SetProperty(j => j.Milestone, step.Milestone)
                    .SetProperty(j => j.SourcesRead, step.SourcesRead).SetProperty(j => j.Report, report)
                    .SetProperty(j => j.Status, report != null ? ResearchStatus.Delivering : ResearchStatus.Running), cancellationToken);
            if (stored_ == 0) return null;
            if (step.Milestone != previousMilestone || step.Milestone == "reading")
            {
                job.Milestone = step.Milestone;
                job.SourcesRead = step.SourcesRead;
                await UpdateCardAsync(job, ResearchCardState.Researching, cancellationToken);
            }
            if (step.AskAgainAfter is { } after && report is null) return after;
            if (o.StepDelay > TimeSpan.Zero) await Task.Delay(o.StepDelay, time, cancellationToken);
        }
    }

    /// <summary>
    /// Queued → running when the agency has a free place, counted and claimed as one: under the SQLite write lock, or a
    /// PostgreSQL transaction-scoped advisory lock per agency (replicas claiming at once cannot both take the last place).
    /// </summary>
    private async Task<bool> ClaimAsync(ResearchJob job, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var _ = await writeGate.EnterAsync(cancellationToken);
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        if (context.Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true)
        {
            var key = BitConverter.ToInt64(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("research-agency:" + job.AgencyId)), 0);
            await context.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock({key})", cancellationToken);
        }
        var running = await context.Set<ResearchJob>().CountAsync(j => j.AgencyId == job.AgencyId && j.Status == ResearchStatus.Running, cancellationToken);
        if (running >= options.Value.PerAgencyConcurrency) return false;
        var claimed = await context.Set<ResearchJob>().Where(j => j.Id == job.Id && j.Status == ResearchStatus.Queued)
            .ExecuteUpdateAsync(x => x.SetProperty(j => j.Status, ResearchStatus.Running).SetProperty(j => j.StartedAt, now), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return claimed == 1;
    }

    /// <summary>Ends a live or delivering research; false when it had already ended (the caller then tells nobody).</summary>
    private async Task<bool> EndAsync(string id, string status, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        return await context.Set<ResearchJob>().Where(j => j.Id == id && (ResearchStatus.Live.Contains(j.Status) || j.Status == ResearchStatus.Delivering))
            .ExecuteUpdateAsync(x => x.SetProperty(j => j.Status, status).SetProperty(j => j.FinishedAt, now), cancellationToken) == 1;
    }

    /// <summary>
    /// The report in the chat (summary and cited findings, AI label when a model wrote it, feedback), then the Word document
    /// offered through file consent; the acknowledgement card says done. Marked delivered once sent.
    /// </summary>
    private async Task DeliverAsync(ResearchJob job, CancellationToken cancellationToken)
    {
        var report = JsonSerializer.Deserialize<ResearchReport>(job.Report!, Json)!;
        var state = StateOf(job);
        var reference = Reference(job.Id);
        if (!state.ReportSent)
        {
            var message = AnswerComposer.FinalMessage(report.Markdown(full: false) + "\n\nThe full report is ready as a Word document: accept it below to save it to your OneDrive."
                + $"\n\nRef: {reference}", report.Sources, aiGenerated: !report.Extractive);
            await SendOnceAsync(job, state, state.ReportAttempt, s => s.ReportAttempt = true, s => s.ReportSent = true, message, m => BotChats.TextCarries(m, reference), cancellationToken);
        }
        if (!state.OfferSent)
        {
            // Dated by the request, so the document offered and the one uploaded later say the same.
            var document = ResearchDocument.Create(report, job.CreatedAt);
            var context = new { researchId = job.Id, reference };
            var offer = Activity.Message() with
            {
                Attachments = [FileConsent.Card(FileName(job), "The full Deep Research report (Word document).", document.Length, context, context)],
            };
            await SendOnceAsync(job, state, state.OfferAttempt, s => s.OfferAttempt = true, s => s.OfferSent = true, offer, m => BotChats.CardCarries(m, reference), cancellationToken);
        }
        await EndAsync(job.Id, ResearchStatus.Delivered, cancellationToken);
        insights.Record(InsightKind.ResearchDelivered, new UserKey(job.ObjectId, job.TenantId), job.AgencyId, subject: job.Id);
        await UpdateCardAsync(job, ResearchCardState.Delivered, cancellationToken);
        logger.LogInformation("Research {ResearchId} delivered: {Findings} findings, {Sources} sources", job.Id, report.Findings.Count, report.Sources.Count);
    }

    /// <summary>The research's reference in what it delivers (the report's last line, the offer's context): how a piece is recognised in the chat.</summary>
    internal static string Reference(string id) => "research-" + id;

    /// <summary>
    /// One delivery piece, exactly once across crashes: marked started before the send and sent right after it. A piece started
    /// earlier but never marked sent may have reached the person: it is sent again only when not found in their chat.
    /// </summary>
    private async Task SendOnceAsync(ResearchJob job, ResearchState state, bool started, Action<ResearchState> markStarted, Action<ResearchState> markSent,
        Activity activity, Func<Microsoft.Graph.Models.ChatMessage, bool> isPiece, CancellationToken cancellationToken)
    {
        if (!started || !await FoundInChatAsync(job, isPiece, cancellationToken))
        {
            markStarted(state);
            await SaveStateAsync(job.Id, state, cancellationToken);
            await connector.SendToConversationAsync(job.ServiceUrl, job.ConversationId, Address(job, activity), cancellationToken);
        }
        markSent(state);
        await SaveStateAsync(job.Id, state, cancellationToken);
    }

    /// <summary>
    /// Whether a piece is in the person's chat. Without Graph (<c>Research:VerifyUnknownDeliveries</c> off, the default and
    /// offline) or when the look fails, it counts as absent: a rare duplicate (a crash between a send and its mark) is
    /// better than a report that never arrives.
    /// </summary>
    private async Task<bool> FoundInChatAsync(ResearchJob job, Func<Microsoft.Graph.Models.ChatMessage, bool> isPiece, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.VerifyUnknownDeliveries) return false;
        try
        {
            var search = await services.GetRequiredService<BotChats>().FindAsync(job.TenantId, job.ObjectId, o.TeamsAppCatalogId, isPiece, cancellationToken);
            logger.LogInformation("Research {ResearchId}: a piece with an unknown outcome was {Outcome} in the chat", job.Id, search.MessageId is null ? "not found" : "found");
            return search.MessageId is not null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Research {ResearchId}: could not look in the chat ({Error}); the piece is sent again", job.Id, e.GetType().Name);
            return false;
        }
    }

    private async Task SaveStateAsync(string id, ResearchState state, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        await context.Set<ResearchJob>().Where(j => j.Id == id).ExecuteUpdateAsync(x => x.SetProperty(j => j.State, JsonSerializer.Serialize(state, Json)), cancellationToken);
    }

    private static string FileName(ResearchJob job) => $"Deep Research {job.CreatedAt:yyyy-MM-dd} {job.Id[..6]}.docx";

    /// <summary>
    /// The person's answer to the Word document: accepted → the bytes are PUT to Teams' upload URL and the file shown;
    /// declined → the whole report as Markdown in the chat. Answered once per research.
    /// </summary>
    public async Task<string?> ConsentAsync(string id, string objectId, FileConsentCardResponse answer, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var job = await context.Set<ResearchJob>().FirstOrDefaultAsync(j => j.Id == id && j.ObjectId == objectId, cancellationToken);
        // The consent card goes out just before the research is marked delivered: an answer may arrive in between.
        if (job?.Report is null || job.Status is not (ResearchStatus.Delivered or ResearchStatus.Delivering)) return "This report is no longer available.";
        var consent = answer.Accepted ? "accepted" : "declined";
        if (await context.Set<ResearchJob>().Where(j => j.Id == id && j.Consent == null).ExecuteUpdateAsync(x => x.SetProperty(j => j.Consent, consent), cancellationToken) == 0)
            return null; // answered already
        var report = JsonSerializer.Deserialize<ResearchReport>(job.Report, Json)!;
        if (!answer.Accepted)
        {
            await connector.SendToConversationAsync(job.ServiceUrl, job.ConversationId,
                Address(job, AnswerComposer.FinalMessage(report.Markdown(full: true), report.Sources, !report.Extractive)), cancellationToken);
            return null;
        }
        // Only OneDrive hosts (or loopback in local development): an invoke must not make the bot PUT anywhere it names.
        if (answer.UploadInfo is not { UploadUrl: { } url } upload || !Uri.TryCreate(url, UriKind.Absolute, out var uploadUri)
            || !options.Value.IsAllowedUpload(uploadUri, bot.Value.LocalDevelopment))
        {
            await context.Set<ResearchJob>().Where(j => j.Id == id).ExecuteUpdateAsync(x => x.SetProperty(j => j.Consent, (string?)null), cancellationToken);
            return "Teams did not say where to save the file. Please try again.";
        }
        var bytes = ResearchDocument.Create(report, job.CreatedAt);
        using var put = new HttpRequestMessage(HttpMethod.Put, uploadUri) { Content = new ByteArrayContent(bytes) };
        put.Content.Headers.ContentRange = new System.Net.Http.Headers.ContentRangeHeaderValue(0, bytes.Length - 1, bytes.Length);
        put.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
        HttpResponseMessage? response = null;
        try
        {
            response = await http.CreateClient(UploadClient).SendAsync(put, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            logger.LogWarning("Research {ResearchId}: the document upload failed ({Error})", id, e.GetType().Name);
        }
        using var _ = response;
        if (response is not { IsSuccessStatusCode: true })
        {
            if (response is not null) logger.LogWarning("Research {ResearchId}: the document upload answered {Status}", id, (int)response.StatusCode);
            await context.Set<ResearchJob>().Where(j => j.Id == id).ExecuteUpdateAsync(x => x.SetProperty(j => j.Consent, (string?)null), cancellationToken);
            return "The document could not be saved. Please try again.";
        }
        await connector.SendToConversationAsync(job.ServiceUrl, job.ConversationId, Address(job, Activity.Message() with { Attachments = [FileConsent.Info(upload)] }), cancellationToken);
        return null;
    }

    private async Task NotifyAsync(ResearchJob job, ResearchCardState state, string text, CancellationToken cancellationToken)
    {
        await UpdateCardAsync(job, state, cancellationToken);
        try
        {
            await connector.SendToConversationAsync(job.ServiceUrl, job.ConversationId, Address(job, Activity.Message(text)), cancellationToken);
        }
        catch (ConnectorException e)
        {
            logger.LogWarning("Research {ResearchId}: notice not delivered ({Status})", job.Id, (int)e.StatusCode);
        }
    }

    private async Task UpdateCardAsync(ResearchJob job, ResearchCardState state, CancellationToken cancellationToken)
    {
        if (job.AckActivityId is null) return;
        try
        {
            var card = cards.Bind(Card(job, state), job.Locale);
            await connector.UpdateActivityAsync(job.ServiceUrl, job.ConversationId, job.AckActivityId,
                Address(job, Activity.Message() with { Id = job.AckActivityId, Attachments = [Attachment.AdaptiveCard(card)] }), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The card is a courtesy: the research goes on.
            logger.LogInformation("Research {ResearchId}: card not updated ({Error})", job.Id, e is ConnectorException c ? ((int)c.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : e.GetType().Name);
        }
    }

    private static Activity Address(ResearchJob job, Activity activity) => activity with
    {
        Conversation = new ConversationAccount { Id = job.ConversationId, ConversationType = ConversationTypes.Personal, TenantId = job.TenantId },
    };

    /// <summary>Deletes questions and reports of research that ended more than <c>Research:Retention</c> ago.</summary>
    public async Task<int> ExpireAsync(CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow() - options.Value.Retention;
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        return await context.Set<ResearchJob>().Where(j => j.FinishedAt != null && j.FinishedAt < before).ExecuteDeleteAsync(cancellationToken);
    }
}
