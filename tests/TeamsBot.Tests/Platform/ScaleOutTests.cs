using System.Net;
using System.Net.Http.Json;
using Npgsql;
using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Platform;

/// <summary>Timing-sensitive tests with real processes run alone, not beside the other test classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReplicaCollection
{
    public const string Name = "replicas";
}

/// <summary>
/// Two real bot processes (replicas) on one PostgreSQL database behind no load balancer: the tests deliver to each directly.
/// Needs <c>TEAMSBOT_TEST_POSTGRES</c> (tests/run.sh starts a server when run as root; in CI a missing server fails).
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class ScaleOutTests
{
    private const string TenantA = "aaaaaaaa-0000-4000-8000-00000000000a";

    // The fake connector runs in this test process: a starved pool here would stamp a late batch of arrivals with one time
    // and read as a burst the replicas never sent.
    static ScaleOutTests()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
    }

    private const string TenantB = "bbbbbbbb-0000-4000-8000-00000000000b";

    private static Dictionary<string, string> Replica(TestPostgres postgres, params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["Storage__Provider"] = "Postgres",
            ["ConnectionStrings__TeamsBot"] = postgres.ConnectionString,
            ["Jobs__IdleWaitTime"] = "00:00:01",
            ["Jobs__ClusterCheckinInterval"] = "00:00:02",
            ["Connector__BaseDelay"] = "00:00:00.100",
        };
        foreach (var (key, value) in extra) environment[key] = value;
        return environment;
    }

    /// <summary>Starts two replicas at the same time (both migrate and join the job cluster concurrently).</summary>
    private static async Task<(RunningBot A, RunningBot B)> StartPairAsync(Dictionary<string, string> environment)
    {
        var starting = new[] { RunningBot.StartAsync(environment), RunningBot.StartAsync(environment) };
        try
        {
            var bots = await Task.WhenAll(starting);
            return (bots[0], bots[1]);
        }
        catch
        {
            // Never leave a replica running after a failed start.
            foreach (var start in starting.Where(s => s.IsCompletedSuccessfully)) await start.Result.DisposeAsync();
            throw;
        }
    }

    private static Task<HttpResponseMessage> SendAsync(RunningBot bot, Activity activity) =>
        bot.Http.PostAsync("/api/messages", JsonContent.Create(activity, options: ProtocolJson.Options));

    private static Activity Help(string serviceUrl, string conversationId, string tenant = TestActivities.TenantId, string? id = null)
    {
        var message = TestActivities.Message(serviceUrl, "help", conversationId: conversationId, id: id);
        return message with
        {
            Conversation = message.Conversation! with { TenantId = tenant },
            ChannelData = message.ChannelData! with { Tenant = new TenantInfo { Id = tenant } },
        };
    }

    private static async Task<List<(DateTimeOffset ScheduledAt, string Instance)>> JobRunsAsync(TestPostgres postgres, string job)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT \"ScheduledAt\", \"Instance\" FROM job_runs WHERE \"Job\" = $1 ORDER BY \"ScheduledAt\"", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = job });
        await using var reader = await command.ExecuteReaderAsync();
        var runs = new List<(DateTimeOffset, string)>();
        while (await reader.ReadAsync()) runs.Add((reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1)));
        return runs;
    }

    [Fact]
    public async Task An_activity_delivered_to_both_replicas_is_answered_once()
    {
        await using var postgres = TestPostgres.TryCreate("teamsbot_scale");
        if (postgres is null) return; // local run without a server (CI fails instead)
        await using var connector = await FakeConnector.StartAsync();
        var (a, b) = await StartPairAsync(Replica(postgres));
        await using var _ = a;
        await using var __ = b;

        // The channel retries a slow delivery, and a load balancer may send the retry to the other replica.
        var deliveries = Enumerable.Range(0, 10).Select(i => Help(connector.ServiceUrl, $"a:chat-{i}", id: $"redelivered-{i}")).ToList();
        var responses = await Task.WhenAll(deliveries.SelectMany(d => new[] { SendAsync(a, d), SendAsync(b, d) }));
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, $"{r.StatusCode}"));

        await connector.WaitForSendsAsync(10);
        await Task.Delay(1500);
        var sends = connector.Requests.Where(r => r.IsSend).ToList();
        Assert.Equal(10, sends.Count);
        Assert.Equal(10, sends.Select(s => s.ConversationId).Distinct().Count());
    }

    [Fact]
    public async Task A_periodic_job_runs_once_per_period_across_both_replicas()
    {
        await using var postgres = TestPostgres.TryCreate("teamsbot_scale");
        if (postgres is null) return;
        var (a, b) = await StartPairAsync(Replica(postgres, ("Answers__CleanupInterval", "00:00:02")));
        await using var _ = a;
        await using var __ = b;

        await Task.Delay(TimeSpan.FromSeconds(11));
        var runs = await JobRunsAsync(postgres, "answers.memory-cleanup");
        Assert.True(runs.Count >= 4, $"{runs.Count} runs in 11 s");
        Assert.Equal(runs.Count, runs.Select(r => r.ScheduledAt).Distinct().Count()); // no period ran twice
        var gaps = runs.Zip(runs.Skip(1), (x, y) => y.ScheduledAt - x.ScheduledAt).ToList();
        Assert.All(gaps, gap => Assert.Equal(TimeSpan.FromSeconds(2), gap));    // and none was skipped
    }

    [Fact]
    public async Task Killed_and_restarted_a_job_that_fell_due_meanwhile_fires_once()
    {
        await using var postgres = TestPostgres.TryCreate("teamsbot_scale");
        if (postgres is null) return;
        var environment = Replica(postgres, ("Answers__CleanupInterval", "00:00:06"));
        var (a, b) = await StartPairAsync(environment);
        await using (a)
        await using (b)
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while ((await JobRunsAsync(postgres, "answers.memory-cleanup")).Count == 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
            a.Kill();
            b.Kill(); // kill -9: nothing shuts down cleanly
        }
        var first = Assert.Single(await JobRunsAsync(postgres, "answers.memory-cleanup"));
        var due = first.ScheduledAt.AddSeconds(6);
        var wait = due - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2);
        if (wait > TimeSpan.Zero) await Task.Delay(wait); // the next run falls due while no replica is alive

        var (c, d) = await StartPairAsync(environment);
        await using var _ = c;
        await using var __ = d;
        var end = DateTime.UtcNow.AddSeconds(30);
        while (!(await JobRunsAsync(postgres, "answers.memory-cleanup")).Any(r => r.ScheduledAt == due) && DateTime.UtcNow < end) await Task.Delay(200);
        await Task.Delay(1500);

        var runs = await JobRunsAsync(postgres, "answers.memory-cleanup");
        Assert.Single(runs, r => r.ScheduledAt == due);                       // the missed run happened, once
        Assert.Equal(runs.Count, runs.Select(r => r.ScheduledAt).Distinct().Count()); // and the restart did not add a second run now
    }

    [Fact]
    public async Task The_tenant_budget_holds_across_two_replicas_and_a_429_slows_only_its_tenant()
    {
        await using var postgres = TestPostgres.TryCreate("teamsbot_scale");
        if (postgres is null) return;
        await using var connector = await FakeConnector.StartAsync();
        const int rate = 20;
        var (a, b) = await StartPairAsync(Replica(postgres, ("Connector__TenantRequestsPerSecond", rate.ToString())));
        await using var _ = a;
        await using var __ = b;

        // Warm both replicas and the fake connector (first connections, JIT) so timings below measure the budget alone.
        await Task.WhenAll(SendAsync(a, Help(connector.ServiceUrl, "a:warm-a", TenantB)), SendAsync(b, Help(connector.ServiceUrl, "a:warm-b", TenantB)));
        await connector.WaitForSendsAsync(2);

        // Phase 1: 120 replies to tenant A, half through each replica, all at once: about 6 s at 20/s.
        var replies = Enumerable.Range(0, 120).Select(i => SendAsync(i % 2 == 0 ? a : b, Help(connector.ServiceUrl, $"a:budget-{i}", TenantA))).ToList();
        await Task.WhenAll(replies);
        var sends = (await connector.WaitForAsync(r => r.Count(x => x.IsSend && x.TenantId == TenantA) >= 120, TimeSpan.FromSeconds(60)))
            .Where(r => r.IsSend && r.TenantId == TenantA).OrderBy(r => r.At).ToList();
        // The rate under full demand, once 120 new conversations have gone through the cold database pools.
        var steady = sends.Skip(20).ToList();
        var achieved = (steady.Count - 1) / (steady[^1].At - steady[0].At).TotalSeconds;
        Assert.InRange(achieved / rate, 0.9, 1.1);
        // Arrival times at the connector carry some jitter (client and server scheduling): over two seconds it evens out.
        Assert.True(MaxInAnyWindow(steady, TimeSpan.FromSeconds(2)) <= rate * 2 * 1.1,
            $"{MaxInAnyWindow(steady, TimeSpan.FromSeconds(2))} requests in two seconds, {MaxInAnyWindow(steady, TimeSpan.FromSeconds(1))} in one");

        // Phase 2: both tenants busy; tenant A's first send gets 429 Retry-After 2 s.
        var before = connector.Requests.Count;
        connector.Script(r => r.IsSend && r.TenantId == TenantA, new FakeResponse(429, new { error = new { code = "TooManyRequests" } }, RetryAfterSeconds: 2));
        var load = Enumerable.Range(0, 60).SelectMany(i => new[]
        {
            SendAsync(i % 2 == 0 ? a : b, Help(connector.ServiceUrl, $"a:throttled-{i}", TenantA)),
            SendAsync(i % 2 == 0 ? b : a, Help(connector.ServiceUrl, $"a:other-{i}", TenantB)),
        }).ToList();
        await Task.WhenAll(load);
        var phase2 = (await connector.WaitForAsync(r => r.Skip(before).Count(x => x.IsSend && x.Activity?.Type == "message" && x.TenantId == TenantB) >= 60, TimeSpan.FromSeconds(60)))
            .Skip(before).Where(r => r.IsSend).ToList();
        var throttledAt = phase2.First(r => r.TenantId == TenantA).At;
        // Requests already on their way when the 429 came back still arrive (permits are handed out up to a 200 ms window
        // ahead, and a loaded CI machine delays arrivals further); after that tenant A waits out Retry-After on both replicas.
        var blocked = phase2.Count(r => r.TenantId == TenantA && r.At > throttledAt.AddSeconds(0.8) && r.At < throttledAt.AddSeconds(1.9));
        var otherDuringBlock = phase2.Count(r => r.TenantId == TenantB && r.At > throttledAt && r.At < throttledAt.AddSeconds(1.9));
        Assert.Equal(0, blocked);
        // Within the first half second: what was already released (at most a window per replica, plus arrival jitter).
        Assert.True(phase2.Count(r => r.TenantId == TenantA && r.At > throttledAt && r.At <= throttledAt.AddSeconds(0.5)) < rate / 2);
        Assert.InRange(otherDuringBlock, (int)(rate * 1.9 * 0.8), (int)(rate * 1.9 * 1.15)); // tenant B keeps its full rate meanwhile
    }

    private static int MaxInAnyWindow(IReadOnlyList<ConnectorRequest> sends, TimeSpan window) =>
        sends.Select((s, i) => sends.Skip(i).TakeWhile(t => t.At < s.At + window).Count()).Max();
}
