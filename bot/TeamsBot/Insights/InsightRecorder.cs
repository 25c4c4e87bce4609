using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TeamsBot.Agencies;
using TeamsBot.Broadcasts;
using TeamsBot.Storage;

namespace TeamsBot.Insights;

/// <summary>Records adoption events (no content) for the report. Recording never fails or slows a turn.</summary>
public interface IInsightRecorder
{
    /// <summary>Queues one event, dated now; the person's agency is looked up when null.</summary>
    void Record(InsightKind kind, UserKey user, string? agencyId = null, int? value = null, string? subject = null);

    /// <summary>
    /// Writes events that may happen once only per person (a survey answer), at once and together: false, and nothing written,
    /// when this person already has an event with <paramref name="onceKey"/> (e.g. <c>survey:{id}</c>).
    /// </summary>
    Task<bool> RecordOnceAsync(string onceKey, UserKey user, string agencyId, int day, string? subject, IReadOnlyList<(InsightKind Kind, int? Value)> events, CancellationToken cancellationToken);

    /// <summary>Waits until everything queued before this call is written (reports read their own replica's latest events).</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A bounded queue drained by one writer per replica in batches (one insert per batch, not per event). Agencies are resolved
/// by the writer, off the turn; broadcast milestones are classed by their campaign's kind (nudge or announcement) there too.
/// When the queue is full an event is dropped and counted (<c>teamsbot.insights.dropped</c>): metrics must not hold up answers.
/// </summary>
internal sealed class InsightRecorder(
    IDbContextFactory<TeamsBotDbContext> db, IAgencyDirectory directory, SqliteWriteGate writeGate, IOptions<InsightsOptions> options,
    TimeProvider time, IMeterFactory meters, ILogger<InsightRecorder> logger) : BackgroundService, IInsightRecorder, IDeliveryObserver
{
    private readonly record struct Pending(InsightKind Kind, int Day, UserKey User, string? AgencyId, int? Value, string? Subject, string? CampaignId, TaskCompletionSource? Flushed);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.Value.QueueCapacity)
        { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Counter<long> _dropped = meters.Create("TeamsBot.Insights").CreateCounter<long>("teamsbot.insights.dropped", "{event}", "Adoption events dropped because the queue was full");
    private readonly ConcurrentDictionary<string, string> _campaignKinds = new(StringComparer.Ordinal);
    private long _lastDropWarning;
    private readonly byte[] _userKeySecret = Encoding.UTF8.GetBytes(options.Value.UserKeySecret ?? InsightsOptions.DevelopmentUserKeySecret);

    public void Record(InsightKind kind, UserKey user, string? agencyId = null, int? value = null, string? subject = null) =>
        Enqueue(new Pending(kind, InsightCalendar.DayOf(time.GetUtcNow()), user, agencyId, value, Trim(subject, 80), null, null));

    public void Observe(DeliveryFact fact) =>
        Enqueue(new Pending(fact.Milestone switch
        {
            DeliveryMilestone.Read => InsightKind.BroadcastRead,
            DeliveryMilestone.Acknowledged => InsightKind.BroadcastAcknowledged,
            _ => InsightKind.BroadcastDelivered,
        }, InsightCalendar.DayOf(time.GetUtcNow()), new UserKey(fact.ObjectId, fact.TenantId), fact.AgencyId, null, fact.CampaignId, fact.CampaignId, null));

    private void Enqueue(Pending pending)
    {
        if (string.IsNullOrEmpty(pending.User.AadObjectId) || _queue.Writer.TryWrite(pending)) return;
        _dropped.Add(1);
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastDropWarning) > 60_000)
        {
            Interlocked.Exchange(ref _lastDropWarning, now);
            logger.LogWarning("Adoption events are arriving faster than they can be written: some were dropped (Insights:QueueCapacity {Capacity})", options.Value.QueueCapacity);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new Pending(default, 0, default, null, null, null, null, flushed), cancellationToken);
        await flushed.Task.WaitAsync(cancellationToken);
    }

    public async Task<bool> RecordOnceAsync(string onceKey, UserKey user, string agencyId, int day, string? subject, IReadOnlyList<(InsightKind Kind, int? Value)> events, CancellationToken cancellationToken)
    {
        onceKey = $"{onceKey}:{Pseudonym(user.AadObjectId)}";
        using var _ = await writeGate.EnterAsync(cancellationToken);
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        if (await context.Set<InsightEvent>().AnyAsync(e => e.OnceKey == onceKey, cancellationToken)) return false;
        context.AddRange(events.Select((e, i) => new InsightEvent
        {
            Kind = e.Kind, Day = day, AgencyId = agencyId, UserKey = Pseudonym(user.AadObjectId), Value = e.Value, Subject = Trim(subject, 80),
            OnceKey = i == 0 ? onceKey : null,
        }));
        try
        {
            await context.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // The same answer arrived twice at once (another replica, a double click): the first one stands, whole.
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(options.Value.BatchSize);
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < options.Value.BatchSize && reader.TryRead(out var next)) batch.Add(next);
                await WriteAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: write what is queued, briefly.
            while (reader.TryRead(out var next)) batch.Add(next);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try { await WriteAsync(batch, grace.Token); }
            catch (Exception e) { logger.LogWarning("{Count} adoption events not written at shutdown ({Error})", batch.Count, e.GetType().Name); }
        }
    }

    private async Task WriteAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        var rows = new List<InsightEvent>(batch.Count);
        try
        {
            foreach (var p in batch)
            {
                if (p.Flushed is not null) continue;
                var agency = p.AgencyId ?? (await directory.ResolveAsync(p.User, cancellationToken)).AgencyId;
                var kind = p.CampaignId is { } campaignId ? await ClassifyAsync(p.Kind, campaignId, cancellationToken) : p.Kind;
                if (kind is null) continue;
                rows.Add(new InsightEvent { Kind = kind.Value, Day = p.Day, AgencyId = Trim(agency, 64)!, UserKey = Pseudonym(p.User.AadObjectId), Value = p.Value, Subject = p.Subject });
            }
            if (rows.Count > 0)
            {
                using var _ = await writeGate.EnterAsync(cancellationToken);
                await using var context = await db.CreateDbContextAsync(cancellationToken);
                context.AddRange(rows);
                await context.SaveChangesAsync(cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The database is down or busy: these events are lost (logged with their number, no content); the bot carries on.
            logger.LogWarning("{Count} adoption events not written ({Error})", rows.Count, e.GetType().Name);
        }
        finally
        {
            foreach (var p in batch) p.Flushed?.TrySetResult();
        }
    }

    /// <summary>A delivery milestone of a nudge campaign is a nudge event; of an announcement or invite, a broadcast event; of a survey, none.</summary>
    private async Task<InsightKind?> ClassifyAsync(InsightKind kind, string campaignId, CancellationToken cancellationToken)
    {
        if (!_campaignKinds.TryGetValue(campaignId, out var campaignKind))
        {
            await using var context = await db.CreateDbContextAsync(cancellationToken);
            campaignKind = await context.Set<Campaign>().Where(c => c.Id == campaignId).Select(c => c.Reference != null && c.Reference.StartsWith("survey:") ? "survey" : c.Kind)
                .FirstOrDefaultAsync(cancellationToken) ?? CampaignKinds.Announcement;
            if (_campaignKinds.Count > 10_000) _campaignKinds.Clear();
            _campaignKinds[campaignId] = campaignKind;
        }
        return campaignKind switch
        {
            "survey" => null,
            CampaignKinds.Nudge => kind switch { InsightKind.BroadcastDelivered => InsightKind.NudgeDelivered, InsightKind.BroadcastRead => InsightKind.NudgeRead, _ => null },
            _ => kind,
        };
    }

    /// <summary>
    /// People are counted, never named: a keyed one-way key of their directory id (128 bits of HMAC-SHA256 with
    /// <c>Insights:UserKeySecret</c>), so someone who reads the database and knows an object id still cannot find that person's events.
    /// </summary>
    internal string Pseudonym(string objectId) => Convert.ToHexStringLower(HMACSHA256.HashData(_userKeySecret, Encoding.UTF8.GetBytes(objectId.ToLowerInvariant())))[..32];

    private static string? Trim(string? value, int max) => value is { Length: var n } && n > max ? value[..max] : value;
}
