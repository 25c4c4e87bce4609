using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TeamsBot.Agencies;
using TeamsBot.Storage;
using TeamsBot.Storage.Jobs;

namespace TeamsBot.Broadcasts;

/// <summary>Who asks: the coach in Teams or the API token's subject.</summary>
public sealed record CampaignCaller(string ObjectId, string? Name, string? TenantId);

/// <summary>What the API returns for a campaign.</summary>
public sealed record CampaignView(
    string Id, string Kind, string Title, string Status, CampaignCountsView Counts, double SendRatePerSecond,
    DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, DateTimeOffset CreatedAt, DateTimeOffset? SendAt,
    string Audience, int EstimatedRecipients, string Author, string? ApprovedBy, bool Recalled);

public sealed record CampaignCountsView(int Recipients, int Queued, int Sent, int Failed, int NotInstalled, int Blocked, int NotFound, int Read, int Acknowledged)
{
    public static CampaignCountsView From(LedgerCounts c, int estimated) => c.Recipients == 0
        ? new(estimated, 0, 0, 0, 0, 0, 0, 0, 0)
        : new(c.Recipients, c.Queued, c.Sent, c.Failed, c.NotInstalled, c.Blocked, c.NotFound, c.Read, c.Acknowledged);
}

/// <summary>The outcome of a lifecycle request: done, or refused with the HTTP status and a reason.</summary>
public sealed record CampaignResult(bool Ok, int Status, string? Reason = null, Campaign? Campaign = null)
{
    public static CampaignResult Done(Campaign c) => new(true, 202, null, c);
    public static CampaignResult NotFound => new(false, 404, "No such campaign.");
    public static CampaignResult Conflict(string reason, Campaign? c = null) => new(false, 409, reason, c);
}

/// <summary>
/// The life of a campaign, shared by the API and the Teams cards: draft → (awaitingApproval →) scheduled/preparing → sending →
/// completed, or cancelled. Transitions are single conditional updates, so two replicas (or two clicks) never both apply one.
/// </summary>
public sealed class CampaignService(
    IDbContextFactory<TeamsBotDbContext> db, DeliveryLedger ledger, IAgencyDirectory directory, IDurableJobs jobs,
    IOptions<BroadcastsOptions> options, TimeProvider time, BroadcastSignal signal, ILogger<CampaignService> logger)
{
    /// <param name="reference">Set by a slice that owns the campaign's card (<see cref="ICampaignContent"/>).</param>
    public async Task<Campaign> CreateAsync(CampaignDefinition d, CampaignCaller author, CancellationToken cancellationToken, string? reference = null)
    {
        var now = time.GetUtcNow();
        var campaign = new Campaign
        {
            Id = Guid.NewGuid().ToString("N"),
            Kind = "", Title = "", Body = "", AudienceJson = "", AudienceDescription = "",
            Status = CampaignStatus.Draft,
            AuthorObjectId = author.ObjectId,
            AuthorName = author.Name,
            AuthorTenantId = author.TenantId,
            CreatedAt = now,
            Reference = reference,
        };
        Apply(campaign, d, now);
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        context.Add(campaign);
        await context.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Campaign {CampaignId} drafted by {ObjectId}", campaign.Id, author.ObjectId);
        return campaign;
    }

    /// <summary>Who the app's own campaigns (planned by a slice, e.g. training nudges) come from.</summary>
    public static readonly CampaignCaller System = new("teamsbot", "Your AI program coaches", null);

    /// <summary>
    /// A campaign a slice plans itself (training nudges): a draft whose recipients the slice provides
    /// (<see cref="ICampaignContent.PlannedRecipients"/>) and stores before <see cref="StartPlannedAsync"/>.
    /// </summary>
    public async Task<Campaign> CreatePlannedAsync(CampaignDefinition d, string reference, string audienceDescription, CancellationToken cancellationToken)
    {
        var campaign = await CreateAsync(d, System, cancellationToken, reference);
        campaign.AudienceDescription = audienceDescription.Length > 300 ? audienceDescription[..300] : audienceDescription;
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        await context.Set<Campaign>().Where(c => c.Id == campaign.Id)
            .ExecuteUpdateAsync(x => x.SetProperty(p => p.AudienceDescription, campaign.AudienceDescription), cancellationToken);
        return campaign;
    }

    /// <summary>
    /// Starts a planned campaign now, without approval: what it sends and to whom was decided by configuration an admin
    /// approved (the curriculum and its rules), not typed by a coach.
    /// </summary>
    public async Task<bool> StartPlannedAsync(string id, int recipients, CancellationToken cancellationToken)
    {
        if (!await TransitionAsync(id, CampaignStatus.Draft, CampaignStatus.Preparing, cancellationToken, x => x.SetProperty(p => p.EstimatedRecipients, recipients)))
            return false;
        signal.Notify();
        return true;
    }

    /// <summary>Planned campaigns (reference starting with <paramref name="referencePrefix"/>) still in draft a minute after they were made.</summary>
    public async Task<IReadOnlyList<string>> PlannedDraftsAsync(string referencePrefix, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var before = time.GetUtcNow().AddMinutes(-1);
        return await context.Set<Campaign>().AsNoTracking()
            .Where(c => c.Status == CampaignStatus.Draft && c.Reference != null && c.Reference.StartsWith(referencePrefix) && c.AuthorObjectId == System.ObjectId && c.CreatedAt < before)
            .Select(c => c.Id).ToListAsync(cancellationToken);
    }

    /// <summary>Replaces a draft's content (the composer's Edit).</summary>
    public async Task<Campaign?> UpdateDraftAsync(string id, CampaignDefinition d, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var c = await context.Set<Campaign>().FirstOrDefaultAsync(x => x.Id == id && x.Status == CampaignStatus.Draft, cancellationToken);
        if (c is null) return null;
        Apply(c, d, time.GetUtcNow());
        c.EstimatedRecipients = 0; // the audience may have changed: counted again
        await context.SaveChangesAsync(cancellationToken);
        return c;
    }

    /// <summary>Copies a valid definition's content onto a campaign (new, a draft being edited, or a preview).</summary>
    internal static void Apply(Campaign c, CampaignDefinition d, DateTimeOffset now)
    {
        c.Kind = d.Kind!;
        c.Title = d.Title!.Trim();
        c.Body = d.Body!;
        c.ImageUrl = string.IsNullOrWhiteSpace(d.ImageUrl) ? null : d.ImageUrl;
        c.ImageAlt = c.ImageUrl is null ? null : d.ImageAlt;
        c.LinksJson = d.Links is { Count: > 0 } links ? JsonSerializer.Serialize(links.Select(l => new CampaignLink(l.Title!, l.Url!)), CampaignValidation.Json) : null;
        c.Acknowledge = d.Acknowledge ?? false;
        if (d.Audience is { } audience)
        {
            c.AudienceJson = JsonSerializer.Serialize(audience, CampaignValidation.Json);
            var description = audience.Describe();
            c.AudienceDescription = description.Length > 300 ? description[..300] : description;
        }
        c.SendAt = d.SendAt?.ToUniversalTime();
        c.UpdatedAt = now;
    }

    /// <summary>Records the audience size a coach was just shown, so confirming does not read the audience again.</summary>
    public async Task RecordEstimateAsync(string id, int count, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        await context.Set<Campaign>().Where(c => c.Id == id && c.Status == CampaignStatus.Draft)
            .ExecuteUpdateAsync(x => x.SetProperty(p => p.EstimatedRecipients, count).SetProperty(p => p.UpdatedAt, now), cancellationToken);
    }

    /// <summary>How long a count shown to the coach stands for the approval decision.</summary>
    private static readonly TimeSpan EstimateFreshFor = TimeSpan.FromMinutes(15);

    public async Task<Campaign?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        return await context.Set<Campaign>().AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
    }

    public async Task<IReadOnlyList<Campaign>> ListAsync(int take, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        return await context.Set<Campaign>().AsNoTracking().OrderByDescending(c => c.CreatedAt).Take(take).ToListAsync(cancellationToken);
    }

    public static CampaignAudience AudienceOf(Campaign c) => JsonSerializer.Deserialize<CampaignAudience>(c.AudienceJson, CampaignValidation.Json)!;

    /// <summary>Counts the audience as the directory resolves it now (streamed, never held in memory).</summary>
    public async Task<int> CountAudienceAsync(Campaign c, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var _ in directory.ResolveAudienceAsync(AudienceOf(c).ToSpec(), cancellationToken))
            if (++count > options.Value.MaxRecipients) break;
        return count;
    }

    /// <summary>
    /// Send (or schedule) a draft. Audiences above <c>Broadcasts:ApprovalThreshold</c> wait for another coach or an admin:
    /// the result is then 409 with the campaign in <c>awaitingApproval</c>.
    /// </summary>
    public async Task<CampaignResult> RequestSendAsync(string id, CampaignCaller caller, CancellationToken cancellationToken)
    {
        var c = await FindAsync(id, cancellationToken);
        if (c is null) return CampaignResult.NotFound;
        if (c.Status != CampaignStatus.Draft) return CampaignResult.Conflict($"The campaign is {c.Status}, not a draft.", c);
        if (c.SendAt is { } at && at < time.GetUtcNow() - TimeSpan.FromMinutes(1))
            return CampaignResult.Conflict("The scheduled time has passed; edit the campaign to send now.", c);
        var count = c.EstimatedRecipients > 0 && time.GetUtcNow() - c.UpdatedAt < EstimateFreshFor
            ? c.EstimatedRecipients
            : await CountAudienceAsync(c, cancellationToken);
        if (count == 0) return new CampaignResult(false, 422, "Nobody is in this audience.", c);
        if (count > options.Value.MaxRecipients) return new CampaignResult(false, 422, $"The audience is larger than {options.Value.MaxRecipients} people.", c);
        var needsApproval = count > options.Value.ApprovalThreshold;
        var next = needsApproval ? CampaignStatus.AwaitingApproval : StartStatus(c);
        if (!await TransitionAsync(id, CampaignStatus.Draft, next, cancellationToken, x => x.SetProperty(p => p.EstimatedRecipients, count)))
            return CampaignResult.Conflict("The campaign changed meanwhile.", c);
        c.Status = next;
        c.EstimatedRecipients = count;
        logger.LogInformation("Campaign {CampaignId} {Status} for {Count} recipients (asked by {ObjectId})", id, next, count, caller.ObjectId);
        if (needsApproval) return new CampaignResult(false, 409, CampaignStatus.AwaitingApproval, c);
        await StartedAsync(c, cancellationToken);
        return CampaignResult.Done(c);
    }

    /// <summary>Another coach or an admin approves a large campaign; the author cannot.</summary>
    public async Task<CampaignResult> ApproveAsync(string id, CampaignCaller approver, CancellationToken cancellationToken)
    {
        var c = await FindAsync(id, cancellationToken);
        if (c is null) return CampaignResult.NotFound;
        if (c.Status != CampaignStatus.AwaitingApproval) return CampaignResult.Conflict($"The campaign is {c.Status}: there is nothing to approve.", c);
        if (string.Equals(c.AuthorObjectId, approver.ObjectId, StringComparison.OrdinalIgnoreCase))
            return new CampaignResult(false, 403, "The author cannot approve their own campaign: another coach or an admin must.", c);
        var next = StartStatus(c);
        if (!await TransitionAsync(id, CampaignStatus.AwaitingApproval, next, cancellationToken,
                x => x.SetProperty(p => p.ApprovedBy, approver.ObjectId).SetProperty(p => p.ApprovedByName, approver.Name)))
            return CampaignResult.Conflict("The campaign changed meanwhile.", c);
        c.Status = next;
        c.ApprovedBy = approver.ObjectId;
        c.ApprovedByName = approver.Name;
        logger.LogInformation("Campaign {CampaignId} approved by {ObjectId}", id, approver.ObjectId);
        await StartedAsync(c, cancellationToken);
        return CampaignResult.Done(c);
    }

    public async Task<CampaignResult> CancelAsync(string id, CancellationToken cancellationToken)
    {
        var c = await FindAsync(id, cancellationToken);
        if (c is null) return CampaignResult.NotFound;
        foreach (var from in new[] { CampaignStatus.Draft, CampaignStatus.AwaitingApproval, CampaignStatus.Scheduled, CampaignStatus.Preparing, CampaignStatus.Sending })
        {
            if (c.Status != from) continue;
            if (!await TransitionAsync(id, from, CampaignStatus.Cancelled, cancellationToken, x => x.SetProperty(p => p.CompletedAt, time.GetUtcNow())))
                return CampaignResult.Conflict("The campaign changed meanwhile.", c);
            if (from == CampaignStatus.Scheduled) await jobs.CancelOnceAsync<CampaignStartJob>(id, cancellationToken);
            c.Status = CampaignStatus.Cancelled;
            logger.LogInformation("Campaign {CampaignId} cancelled", id);
            signal.Notify();
            return CampaignResult.Done(c);
        }
        return CampaignResult.Conflict($"The campaign is {c.Status} and can no longer be cancelled.", c);
    }

    /// <summary>Queues the failed recipients of a finished campaign again.</summary>
    public async Task<CampaignResult> ResendFailedAsync(string id, CancellationToken cancellationToken)
    {
        var c = await FindAsync(id, cancellationToken);
        if (c is null) return CampaignResult.NotFound;
        if (c.Status != CampaignStatus.Completed) return CampaignResult.Conflict($"Resend works on a completed campaign; this one is {c.Status}.", c);
        if (c.RecallRequestedAt is not null) return CampaignResult.Conflict("This campaign was recalled.", c);
        // Queue first, then reopen: a worker pass between the two would otherwise find the ledger drained and close it again.
        var requeued = await ledger.RequeueFailedAsync(id, cancellationToken);
        if (!await TransitionAsync(id, CampaignStatus.Completed, CampaignStatus.Sending, cancellationToken, x => x.SetProperty(p => p.CompletedAt, (DateTimeOffset?)null)))
            return CampaignResult.Conflict("The campaign changed meanwhile.", c);
        logger.LogInformation("Campaign {CampaignId}: {Count} failed recipients queued again", id, requeued);
        c.Status = CampaignStatus.Sending;
        signal.Notify();
        return CampaignResult.Done(c);
    }

    /// <summary>Stops the campaign if it is still sending and deletes every card already sent.</summary>
    public async Task<CampaignResult> RecallAsync(string id, CancellationToken cancellationToken)
    {
        var c = await FindAsync(id, cancellationToken);
        if (c is null) return CampaignResult.NotFound;
        if (c.Status is CampaignStatus.Draft) return CampaignResult.Conflict("A draft has sent nothing to recall.", c);
        if (c.Status is not (CampaignStatus.Completed or CampaignStatus.Cancelled)) await CancelAsync(id, cancellationToken);
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        await context.Set<Campaign>().Where(x => x.Id == id && x.RecallRequestedAt == null)
            .ExecuteUpdateAsync(x => x.SetProperty(p => p.RecallRequestedAt, now).SetProperty(p => p.UpdatedAt, now), cancellationToken);
        logger.LogInformation("Campaign {CampaignId} recalled", id);
        signal.Notify();
        return CampaignResult.Done((await FindAsync(id, cancellationToken))!);
    }

    /// <summary>Where the coach's status card lives, to update it in place.</summary>
    public async Task SetStatusCardAsync(string id, string serviceUrl, string conversationId, string activityId, string? locale, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        await context.Set<Campaign>().Where(x => x.Id == id).ExecuteUpdateAsync(x => x
            .SetProperty(p => p.StatusServiceUrl, serviceUrl).SetProperty(p => p.StatusConversationId, conversationId)
            .SetProperty(p => p.StatusActivityId, activityId).SetProperty(p => p.StatusLocale, locale), cancellationToken);
    }

    public async Task<CampaignView> ViewAsync(Campaign c, CancellationToken cancellationToken)
    {
        var counts = (await ledger.CountsAsync(c.Id, byAgency: false, cancellationToken)).GetValueOrDefault("") ?? LedgerCounts.Empty;
        return View(c, counts);
    }

    public static CampaignView View(Campaign c, LedgerCounts counts) => new(c.Id, c.Kind, c.Title, c.Status,
        CampaignCountsView.From(counts, c.EstimatedRecipients),
        c.Status == CampaignStatus.Sending ? Math.Round(counts.SentLastWindow / DeliveryLedger.RateWindow.TotalSeconds, 1) : 0,
        c.StartedAt, c.CompletedAt, c.CreatedAt, c.SendAt, c.AudienceDescription, c.EstimatedRecipients, c.AuthorName ?? c.AuthorObjectId,
        c.ApprovedByName ?? c.ApprovedBy, c.RecallRequestedAt is not null);

    private string StartStatus(Campaign c) => c.SendAt is { } at && at > time.GetUtcNow() ? CampaignStatus.Scheduled : CampaignStatus.Preparing;

    private async Task StartedAsync(Campaign c, CancellationToken cancellationToken)
    {
        if (c.Status == CampaignStatus.Scheduled)
            await jobs.ScheduleOnceAsync<CampaignStartJob>(c.Id, c.SendAt!.Value, new Dictionary<string, string> { ["campaignId"] = c.Id }, cancellationToken);
        else signal.Notify();
    }

    /// <summary>One conditional update: from → to, only if the campaign is still in <paramref name="from"/>.</summary>
    internal async Task<bool> TransitionAsync(string id, string from, string to, CancellationToken cancellationToken,
        Func<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<Campaign>, Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<Campaign>>? also = null)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        return await context.Set<Campaign>().Where(x => x.Id == id && x.Status == from).ExecuteUpdateAsync(x =>
        {
            x.SetProperty(p => p.Status, to).SetProperty(p => p.UpdatedAt, now);
            also?.Invoke(x);
        }, cancellationToken) == 1;
    }
}

/// <summary>Wakes this replica's broadcast worker at once (a campaign was started, cancelled, recalled).</summary>
public sealed class BroadcastSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try { _signal.Release(); } catch (SemaphoreFullException) { }
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try { await _signal.WaitAsync(timeout, cancellationToken); } catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
    }
}

/// <summary>Starts a scheduled campaign at its time (durable: fires after a restart if the bot was down then).</summary>
[Quartz.DisallowConcurrentExecution]
internal sealed class CampaignStartJob(CampaignService campaigns, BroadcastSignal signal, ILogger<CampaignStartJob> logger) : Quartz.IJob
{
    public async ValueTask Execute(Quartz.IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var id = context.JobDetail.Key.Name;
        if (await campaigns.TransitionAsync(id, CampaignStatus.Scheduled, CampaignStatus.Preparing, cancellationToken))
        {
            logger.LogInformation("Scheduled campaign {CampaignId} starts", id);
            signal.Notify();
        }
    }
}
