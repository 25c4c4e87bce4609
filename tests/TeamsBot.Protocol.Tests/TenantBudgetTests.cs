using System.Diagnostics;
using Moq;
using Microsoft.Extensions.Options;
using TeamsBot.Protocol.Connector;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Protocol.Tests;

public class TenantBudgetTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static TenantSendBudget Budget(double rate, ITenantBudgetStore? store = null) =>
        new(store ?? new InMemoryTenantBudgetStore(), Options.Create(new ConnectorResilienceOptions { TenantRequestsPerSecond = rate, MaxDelay = TimeSpan.FromSeconds(60) }), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<TenantSendBudget>.Instance);

    [Fact]
    public void A_429_cuts_the_rate_once_per_burst_never_below_the_floor_and_it_climbs_back_additively()
    {
        var first = TenantThrottle.AfterThrottled(null, T0, TimeSpan.FromSeconds(3), max: 50, min: 1, recoveryPerSecond: 1, decrease: 0.5);
        Assert.Equal((25.0, T0.AddSeconds(3)), (first.RateAt(T0, 50, 1), first.BlockedUntil));
        // The other in-flight requests of the same burst get 429s too: one decrease, the longest block.
        var sameBurst = TenantThrottle.AfterThrottled(first, T0.AddMilliseconds(300), TimeSpan.FromSeconds(5), 50, 1, 1, 0.5);
        Assert.Equal((25.0, T0.AddMilliseconds(5300)), (sameBurst.RateAt(T0.AddMilliseconds(300), 50, 1) - 0.3, sameBurst.BlockedUntil));
        // Additive increase: +1 request/s each second, back to the configured rate.
        Assert.Equal(35, first.RateAt(T0.AddSeconds(10), 50, 1), 3);
        Assert.Equal(50, first.RateAt(T0.AddMinutes(5), 50, 1));
        // Repeated 429s a second apart: 25, 12.5, 6.25 … never below the floor.
        var throttle = first;
        for (var i = 1; i <= 10; i++) throttle = TenantThrottle.AfterThrottled(throttle, T0.AddSeconds(i * 1.01), null, 50, 1, 0.001, 0.5);
        Assert.Equal(1, throttle.RateAfterDecrease);
    }

    [Theory]
    [InlineData(50, 100)]
    [InlineData(2.5, 5)]
    [InlineData(0.5, 1)]
    public void Windows_spread_a_fractional_rate_evenly(double rate, int expectedInTwoSeconds)
    {
        var start = 8_000_000_000L; // a window index of our era
        var permits = Enumerable.Range(0, 10).Select(i => TenantSendBudget.PermitsOf(start + i, rate)).ToList();
        Assert.Equal(expectedInTwoSeconds, permits.Sum());
        Assert.True(permits.Max() - permits.Min() <= 1);
    }

    /// <summary>
    /// Seconds at which <paramref name="senders"/> concurrent callers got permits of one tenant during <paramref name="duration"/>,
    /// in order. Run off xunit's limited synchronization context (as in the app, which has none), with enough pool threads:
    /// the test host keeps its few busy at times, and a stalled timer callback would read as a slow budget.
    /// </summary>
    private static async Task<double[]> ReleaseTimesAsync(TenantSendBudget budget, int senders, TimeSpan duration)
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), io);
        var released = new System.Collections.Concurrent.ConcurrentQueue<long>();
        using var cts = new CancellationTokenSource(duration);
        await Task.Run(() => Task.WhenAll(Enumerable.Range(0, senders).Select(async _ =>
        {
            try
            {
                while (true)
                {
                    await budget.AcquireAsync("tenant-1", cts.Token);
                    released.Enqueue(Stopwatch.GetTimestamp());
                }
            }
            catch (OperationCanceledException) { }
        })));
        return released.Order().Select(t => t / (double)Stopwatch.Frequency).ToArray();
    }

    private static double Achieved(double[] times) => (times.Length - 1) / (times[^1] - times[0]);

    [Fact]
    public async Task Many_concurrent_senders_of_one_tenant_get_the_configured_rate_and_no_more()
    {
        var times = await ReleaseTimesAsync(Budget(25), senders: 40, TimeSpan.FromSeconds(2.2));
        Assert.InRange(Achieved(times) / (25 * 0.97), 0.9, 1.1); // the budget aims 3 % under the configured rate
    }

    [Fact]
    public async Task At_a_high_rate_no_sliding_second_gets_more_than_the_budget()
    {
        const double budgetPerSecond = 500 * 0.97; // 3 % headroom
        var times = await ReleaseTimesAsync(Budget(500), senders: 64, TimeSpan.FromSeconds(4));
        var most = 0;
        for (int i = 0, j = 0; i < times.Length; i++)
        {
            while (times[i] - times[j] >= 1) j++;
            most = Math.Max(most, i - j + 1);
        }
        // A replica a few milliseconds late catches up at most 3 ms of its rate; before permits followed on evenly, 545
        // releases were measured in one sliding second at a budget of 500.
        Assert.True(most <= budgetPerSecond * 1.01 + 2, $"{most} releases in one sliding second (budget {budgetPerSecond})");
        // Nor much less: the lower bound leaves room for 64 senders starved of CPU on a loaded 2-core machine.
        Assert.InRange(Achieved(times) / budgetPerSecond, 0.9, 1.01);
    }

    [Fact]
    public async Task Retry_After_blocks_only_its_tenant()
    {
        var budget = Budget(50);
        await budget.AcquireAsync("slow-tenant", default);
        var sinceThrottle = Stopwatch.StartNew();
        // A Retry-After well above what a loaded machine's timer jitter can add, so blocked and not blocked stay far apart.
        await budget.ThrottledAsync("slow-tenant", TimeSpan.FromSeconds(3), default);

        var other = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++) await budget.AcquireAsync("busy-tenant", default);
        Assert.True(other.Elapsed < TimeSpan.FromMilliseconds(1500), $"other tenant waited {other.Elapsed}");

        var throttled = Stopwatch.StartNew();
        await budget.AcquireAsync("slow-tenant", default);
        Assert.True(sinceThrottle.Elapsed >= TimeSpan.FromMilliseconds(2900), $"throttled tenant waited only {throttled.Elapsed}");
        // The budget aims at 48.5/s (3 % headroom): cut to three quarters (36.4), then +4.85/s (a tenth) for every second since.
        var rate = await budget.CurrentRateAsync("slow-tenant", default);
        var expected = Math.Min(48.5, 48.5 * 0.75 + 4.85 * sinceThrottle.Elapsed.TotalSeconds);
        Assert.InRange(rate, expected - 1, expected + 0.1);
        Assert.Equal(48.5, await budget.CurrentRateAsync("busy-tenant", default), 6); // the budget less its 3 % headroom, untouched
    }

    [Fact]
    public async Task When_the_shared_store_fails_the_replica_keeps_sending_on_its_own_budget()
    {
        var broken = new Moq.Mock<ITenantBudgetStore>();
        broken.Setup(s => s.ClaimAsync(Moq.It.IsAny<string>(), Moq.It.IsAny<long>(), Moq.It.IsAny<int>(), Moq.It.IsAny<int>(), Moq.It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("database down"));
        broken.Setup(s => s.GetThrottleAsync(Moq.It.IsAny<string>(), Moq.It.IsAny<CancellationToken>())).ThrowsAsync(new InvalidOperationException("database down"));
        broken.Setup(s => s.UpdateThrottleAsync(Moq.It.IsAny<string>(), Moq.It.IsAny<Func<TenantThrottle?, TenantThrottle>>(), Moq.It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("database down"));
        var budget = Budget(50, broken.Object);

        var elapsed = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++) await budget.AcquireAsync("tenant-1", default);
        await budget.ThrottledAsync("tenant-1", TimeSpan.FromMilliseconds(300), default); // recorded locally
        await budget.AcquireAsync("tenant-1", default);
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(2), $"took {elapsed.Elapsed}");
        Assert.InRange(await budget.CurrentRateAsync("tenant-1", default), 36, 40); // 48.5 cut to three quarters, recovering at 4.85/s
    }
}
