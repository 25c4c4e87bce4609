using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Protocol.Connector;

/// <summary>
/// The per-tenant request rate as it adapts to Teams' 429s (multiplicative decrease, additive increase), and how long the
/// tenant is blocked by a <c>Retry-After</c>. Everything derives from the last decrease, so replicas that share this record
/// compute the same current rate without writing on every request.
/// </summary>
public sealed record TenantThrottle(double RateAfterDecrease, DateTimeOffset DecreasedAt, DateTimeOffset BlockedUntil)
{
    /// <summary>The rate now: it climbs back by <paramref name="recoveryPerSecond"/> each second since the last 429, up to <paramref name="max"/>.</summary>
    public double RateAt(DateTimeOffset now, double max, double recoveryPerSecond) =>
        Math.Min(max, RateAfterDecrease + recoveryPerSecond * Math.Max(0, (now - DecreasedAt).TotalSeconds));

    /// <summary>
    /// After a 429: multiply the current rate by <paramref name="decrease"/> (at most once per second: the in-flight requests
    /// of one burst all see 429s), never below <paramref name="min"/>, and block the tenant until <c>Retry-After</c> has passed.
    /// </summary>
    public static TenantThrottle AfterThrottled(TenantThrottle? current, DateTimeOffset now, TimeSpan? retryAfter, double max, double min, double recoveryPerSecond, double decrease)
    {
        var blockedUntil = retryAfter is { } wait && wait > TimeSpan.Zero ? now + wait : now;
        if (current is not null && now - current.DecreasedAt < TimeSpan.FromSeconds(1))
            return current with { BlockedUntil = Max(current.BlockedUntil, blockedUntil) };
        var rate = current?.RateAt(now, max, recoveryPerSecond) ?? max;
        return new TenantThrottle(Math.Max(min, rate * decrease), now, Max(current?.BlockedUntil ?? now, blockedUntil));
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}

/// <summary>
/// Where the per-tenant budget lives: in memory for one replica (SQLite), in PostgreSQL when replicas share it.
/// Time is cut into windows of <see cref="TenantSendBudget.Window"/>; a window's permits are granted once across all replicas.
/// </summary>
public interface ITenantBudgetStore
{
    /// <summary>
    /// Grants up to <paramref name="wanted"/> of window <paramref name="window"/>'s <paramref name="limit"/> permits: the
    /// position of the first one granted in the window (permits are spaced evenly through it) and how many.
    /// </summary>
    ValueTask<TenantPermits> ClaimAsync(string tenantId, long window, int wanted, int limit, CancellationToken cancellationToken);

    /// <summary>The tenant's throttle state; null while it has never been throttled.</summary>
    ValueTask<TenantThrottle?> GetThrottleAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Applies <paramref name="update"/> to the tenant's throttle state atomically (read, change, write).</summary>
    ValueTask<TenantThrottle> UpdateThrottleAsync(string tenantId, Func<TenantThrottle?, TenantThrottle> update, CancellationToken cancellationToken);
}

/// <summary>Permits <see cref="First"/> … <see cref="First"/> + <see cref="Count"/> − 1 of a window.</summary>
public readonly record struct TenantPermits(int First, int Count);

/// <summary>One replica: the budget in memory.</summary>
public sealed class InMemoryTenantBudgetStore : ITenantBudgetStore
{
    private readonly ConcurrentDictionary<string, (long Window, int Granted)> _windows = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, TenantThrottle> _throttles = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _gate = new();

    public ValueTask<TenantPermits> ClaimAsync(string tenantId, long window, int wanted, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_windows.TryGetValue(tenantId, out var w) && w.Window > window) return ValueTask.FromResult(new TenantPermits(0, 0));
            var current = w.Window == window ? w.Granted : 0;
            var granted = Math.Clamp(limit - current, 0, wanted);
            _windows[tenantId] = (window, current + granted);
            return ValueTask.FromResult(new TenantPermits(current, granted));
        }
    }

    public ValueTask<TenantThrottle?> GetThrottleAsync(string tenantId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_throttles.GetValueOrDefault(tenantId));

    public ValueTask<TenantThrottle> UpdateThrottleAsync(string tenantId, Func<TenantThrottle?, TenantThrottle> update, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var next = update(_throttles.GetValueOrDefault(tenantId));
            _throttles[tenantId] = next;
            return ValueTask.FromResult(next);
        }
    }
}

/// <summary>
/// The outbound budget of this app in each tenant (Teams: 50 requests per second per app per tenant), on top of the
/// per-conversation pacing. Each request waits for a permit of its tenant's current window; permits are claimed from the
/// <see cref="ITenantBudgetStore"/> in batches as large as the queue of waiting requests, so replicas share one budget
/// and an idle replica takes nothing. A 429 lowers that tenant's rate and blocks it for <c>Retry-After</c>; other tenants
/// are not slowed.
/// </summary>
public sealed class TenantSendBudget(ITenantBudgetStore store, IOptions<ConnectorResilienceOptions> options, TimeProvider time, ILogger<TenantSendBudget> logger)
{
    /// <summary>Permits are granted per window of this length (a second's budget spread over five windows, so no burst doubles at a boundary).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(200);
    // The throttle state other replicas may have changed is re-read once a window: a 429 seen by one replica holds the
    // others back within a window.
    private static readonly TimeSpan ThrottleRefresh = Window;
    // How far behind its schedule a replica may catch up (a burst of at most this much of the rate).
    private static readonly TimeSpan CatchUp = TimeSpan.FromMilliseconds(3);

    private readonly ConcurrentDictionary<string, TenantQueue> _tenants = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConnectorResilienceOptions _options = options.Value;
    // While the shared store cannot answer (database down), this replica budgets alone rather than stop sending.
    private readonly InMemoryTenantBudgetStore _fallback = new();
    private long _lastStoreWarning;

    /// <summary>
    /// Waits for a permit to send one request to <paramref name="tenantId"/> (null: requests that name no tenant share one
    /// budget). Permit <c>i</c> of a window of <c>n</c> is released <c>i/n</c> of the way through it, so the requests of all
    /// replicas together form an even stream, never a burst at a window's start.
    /// </summary>
    public async ValueTask AcquireAsync(string? tenantId, CancellationToken cancellationToken)
    {
        var tenant = tenantId ?? "";
        var queue = _tenants.GetOrAdd(tenant, _ => new TenantQueue());
        Interlocked.Increment(ref queue.Waiting);
        try
        {
            await queue.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Decrement(ref queue.Waiting);
            throw;
        }
        try
        {
            while (true)
            {
                // A 429 since the last permit: permits claimed at the old rate are not spent.
                if (Interlocked.Exchange(ref queue.Throttled, 0) == 1) queue.End = queue.Next;
                var now = time.GetUtcNow();
                var throttle = await ThrottleAsync(tenant, queue, now, cancellationToken).ConfigureAwait(false);
                if (throttle is not null && throttle.BlockedUntil > now)
                {
                    await Task.Delay(throttle.BlockedUntil - now, time, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                var window = WindowOf(now);
                if (queue.Window != window || queue.Next >= queue.End)
                {
                    var rate = throttle?.RateAt(now, _options.BudgetPerSecond, _options.RecoveryPerSecond) ?? _options.BudgetPerSecond;
                    var limit = PermitsOf(window, rate);
                    var wanted = Math.Clamp(Volatile.Read(ref queue.Waiting), 1, Math.Max(1, limit));
                    var permits = limit == 0 ? default
                        : await StoreAsync(s => s.ClaimAsync(tenant, window, wanted, limit, cancellationToken)).ConfigureAwait(false);
                    (queue.Window, queue.Limit, queue.Next, queue.End) = (window, Math.Max(1, limit), permits.First, permits.First + permits.Count);
                    if (permits.Count == 0)
                    {
                        var nextWindow = StartOf(window + 1) - time.GetUtcNow();
                        if (nextWindow > TimeSpan.Zero) await Task.Delay(nextWindow, time, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }
                // Permit i is released i/n of the way through its window, and never sooner than one spacing after this
                // replica's previous release: permits whose place has passed (a claim part-way through a window, the end of
                // a Retry-After block, a late gate holder) follow on evenly instead of leaving together as a burst.
                // A gate holder a few milliseconds late (timer and thread-pool jitter) may catch up that little, no more.
                var spacing = Window / queue.Limit;
                var releaseAt = StartOf(queue.Window) + Window * queue.Next / queue.Limit;
                var earliest = time.GetUtcNow() - CatchUp;
                if (releaseAt < earliest) releaseAt = earliest;
                if (releaseAt < queue.LastRelease + spacing) releaseAt = queue.LastRelease + spacing;
                // A permit is spent in its own window or not at all: late ones would add to the next window's.
                if (releaseAt >= StartOf(queue.Window + 1))
                {
                    queue.End = queue.Next;
                    continue;
                }
                queue.Next++;
                queue.LastRelease = releaseAt;
                var wait = releaseAt - time.GetUtcNow();
                if (wait > TimeSpan.Zero) await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                return;
            }
        }
        finally
        {
            Interlocked.Decrement(ref queue.Waiting);
            queue.Gate.Release();
        }
    }

    /// <summary>Teams answered 429 for this tenant: lower its rate and honour <paramref name="retryAfter"/> for it alone.</summary>
    public async ValueTask ThrottledAsync(string? tenantId, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        var tenant = tenantId ?? "";
        var now = time.GetUtcNow();
        var bounded = retryAfter is { } r && r > _options.MaxDelay ? _options.MaxDelay : retryAfter;
        var updated = await StoreAsync(s => s.UpdateThrottleAsync(tenant, current => TenantThrottle.AfterThrottled(current, now, bounded,
            _options.BudgetPerSecond, _options.TenantMinRequestsPerSecond, _options.RecoveryPerSecond, _options.TenantRateDecrease), cancellationToken)).ConfigureAwait(false);
        var queue = _tenants.GetOrAdd(tenant, _ => new TenantQueue());
        queue.Throttle = new ThrottleView(Newer(queue.Throttle.State, updated), now);
        Interlocked.Exchange(ref queue.Throttled, 1); // the holder of the gate drops its permits
    }

    /// <summary>The current rate of a tenant (for status and tests).</summary>
    public async ValueTask<double> CurrentRateAsync(string? tenantId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var throttle = await StoreAsync(s => s.GetThrottleAsync(tenantId ?? "", cancellationToken)).ConfigureAwait(false);
        return throttle?.RateAt(now, _options.BudgetPerSecond, _options.RecoveryPerSecond) ?? _options.BudgetPerSecond;
    }

    private async ValueTask<TenantThrottle?> ThrottleAsync(string tenant, TenantQueue queue, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cached = queue.Throttle;
        if (now - cached.ReadAt < ThrottleRefresh) return cached.State;
        var fresh = await StoreAsync(s => s.GetThrottleAsync(tenant, cancellationToken)).ConfigureAwait(false);
        // A 429 recorded here while the read was on its way is newer than what the read returns.
        var state = Newer(queue.Throttle.State, fresh);
        queue.Throttle = new ThrottleView(state, now);
        return state;
    }

    private static TenantThrottle? Newer(TenantThrottle? a, TenantThrottle? b) =>
        a is null ? b : b is null ? a : (b.DecreasedAt >= a.DecreasedAt ? b : a) with { BlockedUntil = a.BlockedUntil > b.BlockedUntil ? a.BlockedUntil : b.BlockedUntil };

    /// <summary>The shared store, or this replica's own while the shared one fails (logged at most once a minute).</summary>
    private async ValueTask<T> StoreAsync<T>(Func<ITenantBudgetStore, ValueTask<T>> call)
    {
        try
        {
            return await call(store).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && store is not InMemoryTenantBudgetStore)
        {
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref _lastStoreWarning);
            if (now - last > 60_000 && Interlocked.CompareExchange(ref _lastStoreWarning, now, last) == last)
                logger.LogWarning("Shared tenant budget unavailable ({Error}); this replica budgets alone until it is back", e.GetType().Name);
            return await call(_fallback).ConfigureAwait(false);
        }
    }

    private static long WindowOf(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / (long)Window.TotalMilliseconds;

    private static DateTimeOffset StartOf(long window) => DateTimeOffset.FromUnixTimeMilliseconds(window * (long)Window.TotalMilliseconds);

    /// <summary>Window k gets floor((k+1)·r·Δ) − floor(k·r·Δ) permits: fractional rates spread evenly (2/s → a permit every 2.5 windows).</summary>
    internal static int PermitsOf(long window, double ratePerSecond)
    {
        var perWindow = ratePerSecond * Window.TotalSeconds;
        return (int)(Math.Floor((window + 1) * perWindow) - Math.Floor(window * perWindow));
    }

    private sealed record ThrottleView(TenantThrottle? State, DateTimeOffset ReadAt)
    {
        public static readonly ThrottleView None = new(null, DateTimeOffset.MinValue);
    }

    private sealed class TenantQueue
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public int Waiting;
        public int Throttled;
        // Only the holder of Gate touches these.
        public long Window = -1;
        public int Limit = 1;
        public int Next;
        public int End;
        public DateTimeOffset LastRelease = DateTimeOffset.MinValue;
        // Replaced whole, so readers never see half of one.
        public volatile ThrottleView Throttle = ThrottleView.None;
    }
}

/// <summary>Holds each connector request until its tenant's budget grants a permit, and reports 429s back to the budget.</summary>
internal sealed class TenantBudgetHandler(TenantSendBudget budget, Telemetry.BotTelemetry telemetry) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Options.TryGetValue(ConnectorRequestOptions.TenantId, out var tenant);
        var waitStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        await budget.AcquireAsync(tenant, cancellationToken).ConfigureAwait(false);
        telemetry.BudgetWait.Record(System.Diagnostics.Stopwatch.GetElapsedTime(waitStarted).TotalSeconds);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            // The 429 still reaches the retry strategy whatever happens to the bookkeeping.
            try { await budget.ThrottledAsync(tenant, ProtocolExtensions.RetryAfter(response), CancellationToken.None).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException) { } // bookkeeping only: the store already falls back to this replica's own budget
        }
        return response;
    }
}

/// <summary>Per-request facts the connector pipeline's handlers read.</summary>
public static class ConnectorRequestOptions
{
    /// <summary>The tenant the request acts in (budget key).</summary>
    public static readonly HttpRequestOptionsKey<string> TenantId = new("teamsbot.tenant");

    /// <summary>The route shape without ids (e.g. <c>send</c>, <c>update</c>) for telemetry.</summary>
    public static readonly HttpRequestOptionsKey<string> Operation = new("teamsbot.operation");
}
