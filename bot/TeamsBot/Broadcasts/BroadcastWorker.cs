using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TeamsBot.Agencies;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Connector;
using TeamsBot.Storage;

namespace TeamsBot.Broadcasts;

/// <summary>
/// Settles a send whose outcome is unknown (the replica that claimed it died after its request may have left): says whether
/// the card reached the recipient. Without one, such a recipient is recorded as failed (<c>outcomeUnknown</c>), never sent twice.
/// </summary>
public interface IDeliveryVerifier
{
    /// <returns>The delivery found in the recipient's chat, or null when the card is not there (it is then sent).</returns>
    Task<DeliveryOutcome?> FindAsync(Campaign campaign, ClaimedDelivery recipient, CancellationToken cancellationToken);
}

/// <summary>
/// Runs on every replica: builds ledgers (one replica per campaign, under a lease), sends (lanes per tenant, rows claimed so
/// replicas share a campaign without overlap), recalls, and pushes coaches' status cards. All state is in the database, so a
/// replica killed at any moment leaves work another replica (or the restarted one) resumes.
/// </summary>
internal sealed class BroadcastWorker(
    IDbContextFactory<TeamsBotDbContext> db, DeliveryLedger ledger, RecipientSender sender, BroadcastCards cards,
    IConnectorClient connector, IConnectorBatchClient batch, Conversations.ConversationStore conversations, IAgencyDirectory directory,
    TenantSendBudget budget, CampaignService campaigns, IOptions<BroadcastsOptions> options, TimeProvider time,
    BroadcastSignal signal, IServiceProvider services, ILogger<BroadcastWorker> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, Task> _work = new();
    private CancellationToken _stopping;

    /// <summary>This replica's name on claims and leases.</summary>
    public string Instance { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..6]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        // Let the schema be created first (the database initializer runs as a hosted service too).
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await TickAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Broadcast worker pass failed ({Error}); retrying", e.GetType().Name);
            }
            await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
        }
        try { await Task.WhenAll(_work.Values); } catch (Exception) { }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        List<Campaign> campaigns;
        await using (var context = await db.CreateDbContextAsync(cancellationToken))
        {
            campaigns = await context.Set<Campaign>().AsNoTracking()
                .Where(c => c.Status == CampaignStatus.Preparing || c.Status == CampaignStatus.Sending
                            || (c.RecallRequestedAt != null && c.RecallCompletedAt == null)
                            || (c.StatusActivityId != null && (c.StatusCardAt == null || c.StatusCardAt < c.UpdatedAt)))
                .ToListAsync(cancellationToken);
        }
        foreach (var c in campaigns)
        {
            if (c.Status == CampaignStatus.Preparing && !_work.ContainsKey($"prepare:{c.Id}") && await TryLeaseAsync(c.Id, LeasedWork.Prepare, now, cancellationToken))
                Start($"prepare:{c.Id}", () => PrepareAsync(c), notifyWhenDone: true);
            else if (c.Status == CampaignStatus.Sending)
                Start($"send:{c.Id}", () => RunAsync(c));
            if (c.RecallRequestedAt is not null && c.RecallCompletedAt is null && !CampaignStatus.IsActive(c.Status)
                && !_work.ContainsKey($"recall:{c.Id}") && await TryLeaseAsync(c.Id, LeasedWork.Recall, now, cancellationToken))
                Start($"recall:{c.Id}", () => RecallAsync(c));
            // Its own work item: a throttled tenant's card update never holds up the other campaigns' pass.
            if (c.StatusActivityId is not null) Start($"card:{c.Id}", () => PushStatusCardIfDueAsync(c, now, _stopping));
        }
    }

    /// <param name="notifyWhenDone">Look for more work at once when this ends (a built ledger is ready to send); otherwise the
    /// next pass comes after <c>Broadcasts:PollInterval</c>, so a lane with nothing it may claim yet never spins.</param>
    private void Start(string key, Func<Task> work, bool notifyWhenDone = false)
    {
        if (_work.ContainsKey(key)) return;
        // The entry exists before the work can start, so work that ends at once still removes it (never a stale entry
        // that would keep the campaign from being picked up again).
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(async () =>
        {
            await registered.Task;
            try { await work(); }
            catch (Exception e) when (!_stopping.IsCancellationRequested)
            {
                logger.LogWarning("Broadcast work {Work} failed ({Error}); it resumes on the next pass", key.Split(':')[0], e.GetType().Name);
            }
            catch (OperationCanceledException) { }
            finally
            {
                _work.TryRemove(key, out _);
                if (notifyWhenDone) signal.Notify();
            }
        });
        if (_work.TryAdd(key, task)) registered.SetResult();
        else registered.SetCanceled();
    }

    private enum LeasedWork { Prepare, Recall }

    /// <summary>
    /// The campaign-level lease (ledger build, recall): one replica at a time, taken over when it expires, and only while the
    /// campaign still needs that work (a replica that read "preparing" just before another finished the ledger gets nothing).
    /// </summary>
    private async Task<bool> TryLeaseAsync(string id, LeasedWork work, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var until = now + options.Value.ClaimLease;
        var campaign = context.Set<Campaign>().Where(c => c.Id == id && (c.PrepareLeaseUntil == null || c.PrepareLeaseUntil < now || c.PreparedBy == Instance));
        campaign = work == LeasedWork.Prepare
            ? campaign.Where(c => c.Status == CampaignStatus.Preparing)
            : campaign.Where(c => c.RecallRequestedAt != null && c.RecallCompletedAt == null);
        return await campaign.ExecuteUpdateAsync(x => x.SetProperty(c => c.PreparedBy, Instance).SetProperty(c => c.PrepareLeaseUntil, until), cancellationToken) == 1;
    }

    /// <summary>Renews the lease while <paramref name="work"/> runs; cancels <paramref name="lost"/> if the lease could not be kept.</summary>
    private async Task RenewLeaseUntilDoneAsync(string id, LeasedWork kind, Task work, CancellationTokenSource lost)
    {
        while (await Task.WhenAny(work, Task.Delay(options.Value.ClaimLease / 3, time)) != work)
        {
            bool kept;
            try { kept = await TryLeaseAsync(id, kind, time.GetUtcNow(), CancellationToken.None); }
            catch (Exception e) when (e is not OperationCanceledException) { kept = false; }
            if (kept) continue;
            logger.LogWarning("Campaign {CampaignId}: lease for {Work} lost; stopping it here", id, kind);
            lost.Cancel();
            return;
        }
    }

    private async Task ReleaseLeaseAsync(string id)
    {
        await using var context = await db.CreateDbContextAsync();
        await context.Set<Campaign>().Where(c => c.Id == id && c.PreparedBy == Instance)
            .ExecuteUpdateAsync(x => x.SetProperty(c => c.PreparedBy, (string?)null).SetProperty(c => c.PrepareLeaseUntil, (DateTimeOffset?)null));
    }

    /// <summary>The ledger of the audience, less the people a slice's opt-outs take out (both under the campaign's lease).</summary>
    private async Task<int> BuildWithoutOptOutsAsync(Campaign c, IAsyncEnumerable<DirectoryUser> recipients, CancellationToken cancellationToken)
    {
        var count = await ledger.BuildAsync(c.Id, recipients, options.Value.MaxRecipients, cancellationToken);
        foreach (var optOuts in services.GetServices<IRecipientOptOuts>()) count -= await optOuts.WithdrawAsync(c, cancellationToken);
        return count;
    }

    private async Task PrepareAsync(Campaign c)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        var recipients = cards.PlannedRecipients(c, lost.Token) ?? directory.ResolveAudienceAsync(CampaignService.AudienceOf(c).ToSpec(), lost.Token);
        var build = BuildWithoutOptOutsAsync(c, recipients, lost.Token);
        await RenewLeaseUntilDoneAsync(c.Id, LeasedWork.Prepare, build, lost);
        int count;
        try
        {
            count = await build;
        }
        catch (AudienceTooLargeException e)
        {
            logger.LogWarning("Campaign {CampaignId} cancelled: {Reason}", c.Id, e.Message);
            await SetStatusAsync(c.Id, CampaignStatus.Preparing, CampaignStatus.Cancelled);
            return;
        }
        var now = time.GetUtcNow();
        await using var context = await db.CreateDbContextAsync();
        var next = count == 0 ? CampaignStatus.Completed : CampaignStatus.Sending;
        var moved = await context.Set<Campaign>().Where(x => x.Id == c.Id && x.Status == CampaignStatus.Preparing && x.PreparedBy == Instance).ExecuteUpdateAsync(x => x
            .SetProperty(p => p.Status, next).SetProperty(p => p.Recipients, count).SetProperty(p => p.StartedAt, now)
            .SetProperty(p => p.CompletedAt, next == CampaignStatus.Completed ? now : null).SetProperty(p => p.UpdatedAt, now)
            .SetProperty(p => p.PreparedBy, (string?)null).SetProperty(p => p.PrepareLeaseUntil, (DateTimeOffset?)null));
        logger.LogInformation("Campaign {CampaignId}: ledger of {Count} recipients built in {Seconds:0.0} s", c.Id, count,
            System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (moved == 0) await ReleaseLeaseAsync(c.Id); // cancelled meanwhile
    }

    private async Task SetStatusAsync(string id, string from, string to)
    {
        await using var context = await db.CreateDbContextAsync();
        var now = time.GetUtcNow();
        await context.Set<Campaign>().Where(x => x.Id == id && x.Status == from).ExecuteUpdateAsync(x => x
            .SetProperty(p => p.Status, to).SetProperty(p => p.UpdatedAt, now).SetProperty(p => p.CompletedAt, now)
            .SetProperty(p => p.PreparedBy, (string?)null).SetProperty(p => p.PrepareLeaseUntil, (DateTimeOffset?)null));
    }

    private async Task<string?> StatusOfAsync(string id, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        return await context.Set<Campaign>().Where(x => x.Id == id).Select(x => x.Status).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>Sends a campaign's queued recipients: one lane per tenant, each paced only by its tenant's budget.</summary>
    private async Task RunAsync(Campaign c)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        var watcher = WatchStatusAsync(c.Id, stop);
        var message = await cards.RecipientMessageAsync(c, stop.Token);
        var tenants = await ledger.PendingTenantsAsync(c.Id, stop.Token);
        await Task.WhenAll(tenants.Select(t => LaneAsync(c, t, message, stop.Token)));
        stop.Cancel();
        await watcher;
        if (_stopping.IsCancellationRequested) return;
        if (await ledger.IsDrainedAsync(c.Id, CancellationToken.None))
        {
            await SetStatusAsync(c.Id, CampaignStatus.Sending, CampaignStatus.Completed);
            logger.LogInformation("Campaign {CampaignId} completed", c.Id);
        }
    }

    /// <summary>Cancels <paramref name="stop"/> within a second of the campaign leaving <c>sending</c> (cancel, recall).</summary>
    private async Task WatchStatusAsync(string id, CancellationTokenSource stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, stop.Token);
                if (await StatusOfAsync(id, stop.Token) != CampaignStatus.Sending) stop.Cancel();
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) { logger.LogWarning("Watching campaign {CampaignId} failed ({Error})", id, e.GetType().Name); }
    }

    private async Task LaneAsync(Campaign c, string tenantId, Activity message, CancellationToken stop)
    {
        if (options.Value.SendMode == BroadcastsOptions.BatchMode)
        {
            await BatchLaneAsync(c, tenantId, message, stop);
            return;
        }
        // Requests in flight beyond half a second of the tenant's budget would only wait for permits: they would slow a cancel
        // and widen what a crash leaves unknown, without sending any faster. (Sized when the lane starts; a lane lasts until
        // its tenant's rows are done or the next pass.) Up to as many rows again wait reserved, so a consumer never idles.
        var rate = await budget.CurrentRateAsync(tenantId, stop);
        var parallel = Math.Clamp((int)Math.Ceiling(rate / 2), 2, options.Value.MaxParallelSendsPerTenant);
        var settledHere = 0;
        var queue = Channel.CreateBounded<ClaimedDelivery>(new BoundedChannelOptions(parallel) { SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                await SettleUnknownAsync(c, tenantId, stop);
                while (!stop.IsCancellationRequested)
                {
                    var claimed = await ledger.ClaimAsync(c.Id, tenantId, Instance, parallel, stale: false, stop);
                    if (claimed.Count == 0)
                    {
                        // Rows a dead replica held may have expired meanwhile: settle them, then stop when nothing is left.
                        if (!await SettleUnknownAsync(c, tenantId, stop)) break;
                        continue;
                    }
                    foreach (var row in await WithStoredChatsAsync(tenantId, claimed, stop)) await queue.Writer.WriteAsync(row, stop);
                }
            }
            catch (OperationCanceledException) { }
            finally { queue.Writer.Complete(); }
        });
        var workers = Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            await foreach (var row in queue.Reader.ReadAllAsync())
            {
                try
                {
                    // Reserved but not sent when the campaign stopped: back to the queue, untouched.
                    if (stop.IsCancellationRequested)
                        await ledger.SettleAsync(row.Id, Instance, DeliveryOutcome.Requeue, CancellationToken.None);
                    else if (await ledger.MarkInFlightAsync(row.Id, Instance, CancellationToken.None)) // false: another replica has it now
                    {
                        var outcome = await sender.SendAsync(row, message, CancellationToken.None);
                        await ledger.SettleAsync(row.Id, Instance, outcome, CancellationToken.None);
                        Interlocked.Increment(ref settledHere);
                    }
                }
                catch (Exception e)
                {
                    // The row keeps its reservation or in-flight mark: it is settled after the lease, never lost.
                    logger.LogWarning("Recipient {ObjectId} of campaign {CampaignId} not settled here ({Error})", row.ObjectId, c.Id, e.GetType().Name);
                }
            }
        })).ToList();
        await producer;
        await Task.WhenAll(workers);
        if (settledHere > 0)
            logger.LogInformation("Campaign {CampaignId}: replica {Instance} sent {Count} messages in tenant {TenantId}", c.Id, Instance, settledHere, tenantId);
    }

    /// <summary>Fills in the stored 1:1 chat of each reserved recipient who has none recorded yet: one query per batch, not per person.</summary>
    private async Task<IReadOnlyList<ClaimedDelivery>> WithStoredChatsAsync(string tenantId, IReadOnlyList<ClaimedDelivery> rows, CancellationToken cancellationToken)
    {
        var missing = rows.Where(r => r.ConversationId is null).Select(r => r.ObjectId).ToList();
        var chats = await conversations.FindPersonalManyAsync(tenantId, missing, cancellationToken);
        return chats.Count == 0 ? rows : rows.Select(r => r.ConversationId is null && chats.TryGetValue(r.ObjectId, out var chat)
            ? r with { ServiceUrl = chat.ServiceUrl, ConversationId = chat.ConversationId }
            : r).ToList();
    }

    /// <summary>
    /// <c>SendMode=Batch</c>: the Teams batch messaging API, <c>Broadcasts:BatchSize</c> people per operation; the operation's
    /// failed entries are folded into the ledger, everyone else in it is sent. Teams returns no per-person message ids in
    /// this mode, so such cards cannot be recalled or matched to read receipts.
    /// </summary>
    private async Task BatchLaneAsync(Campaign c, string tenantId, Activity message, CancellationToken stop)
    {
        var serviceUrl = options.Value.ServiceUrl is { Length: > 0 } configured ? configured : (await conversations.EndpointForTenantAsync(tenantId, stop))?.ServiceUrl;
        await SettleUnknownAsync(c, tenantId, stop);
        while (!stop.IsCancellationRequested)
        {
            var claimed = await ledger.ClaimAsync(c.Id, tenantId, Instance, options.Value.BatchSize, stale: false, stop);
            if (claimed.Count == 0 && !await SettleUnknownAsync(c, tenantId, stop)) return;
            var marks = await Task.WhenAll(claimed.Select(row => ledger.MarkInFlightAsync(row.Id, Instance, CancellationToken.None)));
            var inFlight = claimed.Where((_, i) => marks[i]).ToList();
            if (inFlight.Count == 0) continue;
            if (serviceUrl is null)
            {
                await SettleAllAsync(inFlight, _ => new DeliveryOutcome(DeliveryState.NotInstalled, "no serviceUrl known for this tenant yet"));
                continue;
            }
            string operationId;
            try
            {
                operationId = await batch.SendToUsersAsync(serviceUrl, tenantId, inFlight.Select(r => r.ObjectId).ToList(), message, CancellationToken.None);
            }
            catch (Exception e) when (e is ConnectorException or HttpRequestException or UntrustedServiceUrlException)
            {
                // The operation was not started: nobody in it got anything.
                logger.LogWarning("Batch send of campaign {CampaignId} not started ({Error}); its people go back to the queue", c.Id, e.GetType().Name);
                await SettleAllAsync(inFlight, row => row.Attempts < options.Value.MaxAttempts ? DeliveryOutcome.Requeue : new DeliveryOutcome(DeliveryState.Failed, e.GetType().Name));
                continue;
            }
            try
            {
                var outcome = await batch.WaitForOperationAsync(serviceUrl, tenantId, operationId, stop);
                var failed = outcome.Failed.GroupBy(f => f.Id, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Error, StringComparer.OrdinalIgnoreCase);
                await SettleAllAsync(inFlight, row => failed.TryGetValue(row.ObjectId, out var error)
                    ? new DeliveryOutcome(BatchErrorState(error), error ?? "failed")
                    : new DeliveryOutcome(DeliveryState.Sent, null, serviceUrl));
            }
            catch (Exception e) when (e is ConnectorException or HttpRequestException or OperationCanceledException)
            {
                // Started, then cancelled (the operation too) or no longer observable: some may have it, so none is sent again.
                logger.LogWarning("Batch operation of campaign {CampaignId} not followed to its end ({Error})", c.Id, e.GetType().Name);
                await SettleAllAsync(inFlight, _ => new DeliveryOutcome(DeliveryState.Failed, "outcomeUnknown"));
            }
        }
    }

    private Task SettleAllAsync(IEnumerable<ClaimedDelivery> rows, Func<ClaimedDelivery, DeliveryOutcome> outcome) =>
        Task.WhenAll(rows.Select(row => ledger.SettleAsync(row.Id, Instance, outcome(row), CancellationToken.None)));

    private static DeliveryState BatchErrorState(string? error) => error switch
    {
        { } e when e.Contains("MessageWritesBlocked", StringComparison.OrdinalIgnoreCase) || e.Contains("Blocked", StringComparison.OrdinalIgnoreCase) => DeliveryState.Blocked,
        { } e when e.Contains("NotInstalled", StringComparison.OrdinalIgnoreCase) || e.Contains("Roster", StringComparison.OrdinalIgnoreCase) => DeliveryState.NotInstalled,
        { } e when e.Contains("NotFound", StringComparison.OrdinalIgnoreCase) => DeliveryState.NotFound,
        _ => DeliveryState.Failed,
    };

    /// <summary>Recipients whose claimer died mid-send: verified in their chat when possible, else failed as <c>outcomeUnknown</c>.</summary>
    /// <returns>Whether there were any (their rows may be back in the queue).</returns>
    private async Task<bool> SettleUnknownAsync(Campaign c, string tenantId, CancellationToken stop)
    {
        var verifier = services.GetService<IDeliveryVerifier>();
        var any = false;
        while (true)
        {
            var stale = await ledger.ClaimAsync(c.Id, tenantId, Instance, 100, stale: true, stop);
            if (stale.Count == 0) return any;
            any = true;
            foreach (var row in stale)
            {
                DeliveryOutcome outcome;
                if (verifier is null) outcome = new DeliveryOutcome(DeliveryState.Failed, "outcomeUnknown");
                else
                {
                    try { outcome = await verifier.FindAsync(c, row, stop) ?? DeliveryOutcome.Requeue; }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        logger.LogWarning("Could not verify recipient {ObjectId} ({Error})", row.ObjectId, e.GetType().Name);
                        outcome = new DeliveryOutcome(DeliveryState.Failed, "outcomeUnknown");
                    }
                }
                await ledger.SettleAsync(row.Id, Instance, outcome, CancellationToken.None);
            }
            logger.LogInformation("Campaign {CampaignId}: settled {Count} sends of a replica that stopped mid-send", c.Id, stale.Count);
        }
    }

    /// <summary>Deletes every sent card of a recalled campaign (404: already gone).</summary>
    private async Task RecallAsync(Campaign c)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        var work = RecallPagesAsync(c, lost.Token);
        await RenewLeaseUntilDoneAsync(c.Id, LeasedWork.Recall, work, lost);
        await work;
        await using var context = await db.CreateDbContextAsync();
        var now = time.GetUtcNow();
        await context.Set<Campaign>().Where(x => x.Id == c.Id).ExecuteUpdateAsync(x => x
            .SetProperty(p => p.RecallCompletedAt, now).SetProperty(p => p.UpdatedAt, now)
            .SetProperty(p => p.PreparedBy, (string?)null).SetProperty(p => p.PrepareLeaseUntil, (DateTimeOffset?)null));
        logger.LogInformation("Campaign {CampaignId}: recall finished", c.Id);
    }

    private async Task RecallPagesAsync(Campaign c, CancellationToken stop)
    {
        // Sends still in flight on any replica (the cancel came first) end within their lease: wait, so none is missed.
        while (await ledger.HasLiveInFlightAsync(c.Id, stop)) await Task.Delay(TimeSpan.FromSeconds(1), time, stop);
        long after = 0;
        while (!stop.IsCancellationRequested)
        {
            var page = await ledger.SentPageAsync(c.Id, after, 500, stop);
            if (page.Count == 0) return;
            after = page[^1].Id;
            await Parallel.ForEachAsync(page, new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxParallelSendsPerTenant, CancellationToken = stop },
                async (row, ct) =>
                {
                    try
                    {
                        await connector.DeleteActivityAsync(row.ServiceUrl, row.ConversationId, row.ActivityId, row.TenantId, ct);
                        await ledger.MarkRecalledAsync(row.Id, null, CancellationToken.None);
                    }
                    catch (ConnectorException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
                    {
                        await ledger.MarkRecalledAsync(row.Id, null, CancellationToken.None);
                    }
                    catch (Exception e) when (e is ConnectorException or HttpRequestException or UntrustedServiceUrlException)
                    {
                        await ledger.MarkRecalledAsync(row.Id, "recall failed", CancellationToken.None);
                    }
                });
        }
    }

    /// <summary>Updates the coach's card in place: when the campaign changed, and every few seconds while it runs (one replica per push).</summary>
    private async Task PushStatusCardIfDueAsync(Campaign c, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = now - options.Value.StatusCardInterval;
        await using (var context = await db.CreateDbContextAsync(cancellationToken))
        {
            var claimed = await context.Set<Campaign>()
                .Where(x => x.Id == c.Id && (x.StatusCardAt == null || x.StatusCardAt < x.UpdatedAt || x.StatusCardAt < due))
                .ExecuteUpdateAsync(x => x.SetProperty(p => p.StatusCardAt, now), cancellationToken);
            if (claimed == 0) return;
        }
        var fresh = await campaigns.FindAsync(c.Id, cancellationToken) ?? c;
        var counts = (await ledger.CountsAsync(c.Id, false, cancellationToken)).GetValueOrDefault("") ?? LedgerCounts.Empty;
        var card = cards.CardMessage(cards.Status(fresh, counts, now), fresh.StatusLocale) with
        {
            Id = fresh.StatusActivityId,
            Conversation = new ConversationAccount { Id = fresh.StatusConversationId!, TenantId = fresh.AuthorTenantId },
        };
        try
        {
            await connector.UpdateActivityAsync(fresh.StatusServiceUrl!, fresh.StatusConversationId!, fresh.StatusActivityId!, card, cancellationToken);
        }
        catch (Exception e) when (e is ConnectorException or HttpRequestException or UntrustedServiceUrlException)
        {
            logger.LogInformation("Status card of campaign {CampaignId} not updated ({Error})", c.Id, e.GetType().Name);
        }
    }
}
