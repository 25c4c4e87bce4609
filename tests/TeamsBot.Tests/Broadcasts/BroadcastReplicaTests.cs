using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TeamsBot.Testing;
using TeamsBot.Tests.Platform;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;

namespace TeamsBot.Tests.Broadcasts;

/// <summary>Real bot processes: two replicas sharing one campaign on PostgreSQL, and a replica killed mid-campaign (kill -9).</summary>
[Collection(ReplicaCollection.Name)]
public sealed class BroadcastReplicaTests
{
    private static Dictionary<string, string> Environment(BroadcastHarness h, int tenantRate, params (string Key, string Value)[] extra)
    {
        var environment = h.Settings(tenantRate: tenantRate).Where(kv => kv.Value is not null)
            .ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value!);
        environment["Jobs__IdleWaitTime"] = "00:00:01";
        // A short lease so the restarted bot takes over the dead one's rows quickly; it must outlast twice the longest send.
        // The attempt timeout stays long: on a loaded machine a shorter one retries requests that did arrive (duplicates).
        environment["Broadcasts__ClaimLease"] = "00:00:25";
        environment["Connector__TotalTimeout"] = "00:00:12";
        environment["Connector__AttemptTimeout"] = "00:00:10";
        foreach (var (key, value) in extra) environment[key] = value;
        return environment;
    }

    [Fact]
    public async Task Two_replicas_on_PostgreSQL_share_one_campaign_and_never_send_twice()
    {
        await using var postgres = TestPostgres.TryCreate("broadcast_pair");
        if (postgres is null) return;
        await using var h = await BroadcastHarness.StartAsync(gsaUsers: 600);
        h.Connector.EnforceLimits(tenantRequestsPerSecond: 120);
        var environment = Environment(h, 100, ("Storage__Provider", "Postgres"), ("ConnectionStrings__TeamsBot", postgres.ConnectionString));
        await using var a = await RunningBot.StartAsync(environment);
        await using var b = await RunningBot.StartAsync(environment);

        var id = await h.CreateAsync(a.Http, Body(new { type = "tenant", tenantId = TenantA }));
        Assert.Equal(HttpStatusCode.Accepted, (await CallAsync(b.Http, HttpMethod.Post, $"/api/campaigns/{id}/send", h.CoachToken())).StatusCode);
        var done = await h.WaitForStatusAsync(a.Http, id, "completed", TimeSpan.FromSeconds(90));

        Assert.Equal(602, Count(done, "sent"));
        var perMember = h.Connector.DeliveriesPerMember();
        Assert.Equal(602, perMember.Count);
        Assert.All(perMember, kv => Assert.Equal(1, kv.Value));
        // The tenant budget is shared: together the replicas stayed near the connector's limit.
        Assert.True(h.Connector.Throttled <= 20, $"{h.Connector.Throttled} requests throttled");
        // Both replicas took part in the send (each logs how many messages it sent for the campaign).
        Assert.Contains(a.Output, l => l.Contains($"Campaign {id}: replica", StringComparison.Ordinal) && l.Contains("messages in tenant", StringComparison.Ordinal));
        Assert.Contains(b.Output, l => l.Contains($"Campaign {id}: replica", StringComparison.Ordinal) && l.Contains("messages in tenant", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Killed_mid_campaign_a_restarted_bot_resumes_with_no_duplicate_and_accounts_for_everyone()
    {
        await using var h = await BroadcastHarness.StartAsync(gsaUsers: 400);
        var database = Path.Combine(Path.GetTempPath(), $"teamsbot-kill-{Guid.NewGuid():N}.db");
        var environment = Environment(h, 60, ("ConnectionStrings__TeamsBot", $"Data Source={database}"));
        try
        {
            string id;
            await using (var first = await RunningBot.StartAsync(environment))
            {
                id = await h.CreateAsync(first.Http, Body(new { type = "tenant", tenantId = TenantA }));
                await CallAsync(first.Http, HttpMethod.Post, $"/api/campaigns/{id}/send", h.CoachToken());
                await h.Connector.WaitForDeliveriesAsync(200, TimeSpan.FromSeconds(60));
                first.Kill();
            }
            var atKill = h.Connector.DeliveryCount;
            await using var second = await RunningBot.StartAsync(environment);
            JsonElement done;
            try { done = await h.WaitForStatusAsync(second.Http, id, "completed", TimeSpan.FromSeconds(120)); }
            catch (TimeoutException e) { throw new TimeoutException(e.Message + "\n" + string.Join("\n", second.Output.TakeLast(60)), e); }

            var perMember = h.Connector.DeliveriesPerMember();
            Assert.All(perMember, kv => Assert.Equal(1, kv.Value));                          // nobody got it twice
            var csv = await (await CallAsync(second.Http, HttpMethod.Get, $"/api/campaigns/{id}/recipients.csv", h.CoachToken())).Content.ReadAsStringAsync();
            var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.TrimEnd('\r').Split(',')).ToList();
            Assert.Equal(402, rows.Count);
            var unknown = rows.Where(r => r[7] == "outcomeUnknown").Select(r => r[1]).ToList();
            // Everyone is accounted for: delivered exactly once, or (sends in flight at the kill) reported as an unknown outcome.
            Assert.All(rows.Where(r => r[7] != "outcomeUnknown"), r => Assert.Equal("sent", r[3]));
            Assert.Equal(402, rows.Count(r => r[3] == "sent") + unknown.Count);
            Assert.True(unknown.Count <= 32, $"{unknown.Count} unknown outcomes: more than the sends one replica keeps in flight");
            Assert.Equal(402 - unknown.Count, Count(done, "sent"));
            // What the ledger calls sent really reached that person; what reached someone without being recorded is an unknown outcome.
            var delivered = perMember.Keys.ToHashSet();
            Assert.All(rows.Where(r => r[3] == "sent"), r => Assert.Contains(r[1], delivered));
            Assert.All(delivered.Except(rows.Where(r => r[3] == "sent").Select(r => r[1])), member => Assert.Contains(member, unknown));
            Assert.True(atKill < 402, "the kill came after the end");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" }) try { File.Delete(database + suffix); } catch (IOException) { }
        }
    }
}
