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

    /// <summary>Starts the campaign on a first bot, kills it (-9) once 200 cards are out, and restarts on the same database.</summary>
    private static async Task<(string Id, RunningBot Second, int AtKill)> KillAndRestartAsync(BroadcastHarness h, Dictionary<string, string> environment)
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
        return (id, await RunningBot.StartAsync(environment), atKill);
    }

    private static async Task<List<string[]>> RecipientRowsAsync(BroadcastHarness h, RunningBot bot, string id)
    {
        var csv = await (await CallAsync(bot.Http, HttpMethod.Get, $"/api/campaigns/{id}/recipients.csv", h.CoachToken())).Content.ReadAsStringAsync();
        return csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.TrimEnd('\r').Split(',')).ToList();
    }

    private static async Task<JsonElement> CompletedAsync(BroadcastHarness h, RunningBot bot, string id)
    {
        try { return await h.WaitForStatusAsync(bot.Http, id, "completed", TimeSpan.FromSeconds(120)); }
        catch (TimeoutException e) { throw new TimeoutException(e.Message + "\n" + string.Join("\n", bot.Output.TakeLast(60)), e); }
    }

    private static string TempDatabase() => Path.Combine(Path.GetTempPath(), $"teamsbot-kill-{Guid.NewGuid():N}.db");

    private static void DeleteDatabase(string database)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" }) try { File.Delete(database + suffix); } catch (IOException) { }
    }

    [Fact]
    public async Task Killed_mid_campaign_a_restarted_bot_resumes_with_no_duplicate_and_accounts_for_everyone()
    {
        await using var h = await BroadcastHarness.StartAsync(gsaUsers: 400);
        var database = TempDatabase();
        try
        {
            var (id, second, atKill) = await KillAndRestartAsync(h, Environment(h, 60, ("ConnectionStrings__TeamsBot", $"Data Source={database}")));
            await using var _ = second;
            var done = await CompletedAsync(h, second, id);

            var perMember = h.Connector.DeliveriesPerMember();
            Assert.All(perMember, kv => Assert.Equal(1, kv.Value));                          // nobody got it twice
            var rows = await RecipientRowsAsync(h, second, id);
            Assert.Equal(402, rows.Count);
            var unknown = rows.Where(r => r[7] == "outcomeUnknown").Select(r => r[1]).ToList();
            // Without a way to look into chats, everyone is accounted for: delivered exactly once, or (sends in flight at the
            // kill) reported as an unknown outcome.
            Assert.All(rows.Where(r => r[7] != "outcomeUnknown"), r => Assert.Equal("sent", r[3]));
            Assert.Equal(402, rows.Count(r => r[3] == "sent") + unknown.Count);
            Assert.True(unknown.Count <= 64, $"{unknown.Count} unknown outcomes: more than the sends one replica keeps in flight");
            Assert.Equal(402 - unknown.Count, Count(done, "sent"));
            // What the ledger calls sent really reached that person; what reached someone without being recorded is an unknown outcome.
            var delivered = perMember.Keys.ToHashSet();
            Assert.All(rows.Where(r => r[3] == "sent"), r => Assert.Contains(r[1], delivered));
            Assert.All(delivered.Except(rows.Where(r => r[3] == "sent").Select(r => r[1])), member => Assert.Contains(member, unknown));
            Assert.True(atKill < 402, "the kill came after the end");
        }
        finally
        {
            DeleteDatabase(database);
        }
    }

    [Fact]
    public async Task Killed_mid_campaign_with_chats_verified_in_Graph_everyone_gets_the_card_exactly_once()
    {
        await using var h = await BroadcastHarness.StartAsync(gsaUsers: 400);
        await using var identity = await FakeManagedIdentity.StartAsync();
        await using var graph = await FakeGraphServer.StartAsync();
        graph.AcceptsToken = token => identity.Requests.Any(r => r.IssuedToken == token);
        graph.EveryoneHasTheApp = true;
        // The chats Graph shows are what the connector delivered: a card that left before the kill is found there.
        graph.BotMessagesFor = member => h.Connector.Deliveries.Where(d => d.MemberId == member).ToList();
        var database = TempDatabase();
        var environment = Environment(h, 60,
            ("ConnectionStrings__TeamsBot", $"Data Source={database}"),
            ("Broadcasts__VerifyUnknownDeliveries", "true"),
            ("Broadcasts__TeamsAppCatalogId", graph.CatalogAppId),
            ("Graph__BaseUrl", graph.BaseUrl),
            ("Graph__TenantId", TenantA),
            ("Graph__Credential", "ManagedIdentity"),
            ("Graph__ManagedIdentityClientId", "6b1e4f3a-0000-4000-8000-00000000f00d"));
        foreach (var (key, value) in identity.Environment) environment[key] = value;
        try
        {
            var (id, second, atKill) = await KillAndRestartAsync(h, environment);
            await using var _ = second;
            var done = await CompletedAsync(h, second, id);

            // None skipped, none twice: every recipient got exactly one card, and the ledger says sent for each.
            var perMember = h.Connector.DeliveriesPerMember();
            var rows = await RecipientRowsAsync(h, second, id);
            Assert.Equal(402, rows.Count);
            Assert.All(rows, r => Assert.Equal(1, perMember.GetValueOrDefault(r[1])));
            Assert.All(rows, r => Assert.Equal("sent", r[3]));
            Assert.Equal(402, Count(done, "sent"));
            Assert.True(atKill < 402, "the kill came after the end");
            // The sends in flight at the kill were settled by looking into those chats.
            Assert.InRange(graph.ChatMessageReads, 1, 64);
            Assert.Contains(second.Output, l => l.Contains("settled", StringComparison.Ordinal) && l.Contains("stopped mid-send", StringComparison.Ordinal));
        }
        finally
        {
            DeleteDatabase(database);
        }
    }
}
