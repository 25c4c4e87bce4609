using System.Net.Http.Json;
using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;

// Per-tenant budget accuracy: achieved ÷ configured requests per second at a fake connector, under full demand (every
// inbound activity of one tenant wants a reply at once), for one replica on SQLite, one on PostgreSQL and two on PostgreSQL.
// Usage: TEAMSBOT_TEST_POSTGRES="Host=…;Username=…;Password=…;Database=postgres" \
//        dotnet run -c Release --project bench/TeamsBot.Platform.Bench [-- rate replies]
// The fake connector runs in this process: no starved pool here stamping a late batch of arrivals with one time.
ThreadPool.SetMinThreads(64, 64);
var rate = args.Length > 0 ? int.Parse(args[0]) : 50;
var replies = args.Length > 1 ? int.Parse(args[1]) : 600;
const string tenant = "aaaaaaaa-0000-4000-8000-00000000000a";
Console.WriteLine($"configured {rate}/s per tenant, {replies} replies per run, cores={Environment.ProcessorCount}");

await RunAsync("1 replica, SQLite (in memory)", 1, null);
if (TestPostgres.TryCreate("teamsbot_bench") is { } postgres1) await using (postgres1) await RunAsync("1 replica, PostgreSQL", 1, postgres1);
else Console.WriteLine("(set TEAMSBOT_TEST_POSTGRES for the PostgreSQL runs)");
if (TestPostgres.TryCreate("teamsbot_bench") is { } postgres2) await using (postgres2) await RunAsync("2 replicas, PostgreSQL", 2, postgres2);

async Task RunAsync(string label, int count, TestPostgres? postgres)
{
    await using var connector = await FakeConnector.StartAsync();
    var environment = new Dictionary<string, string> { ["Connector__TenantRequestsPerSecond"] = rate.ToString(), ["Logging__LogLevel__Default"] = "Warning" };
    if (postgres is not null)
    {
        environment["Storage__Provider"] = "Postgres";
        environment["ConnectionStrings__TeamsBot"] = postgres.ConnectionString;
    }
    var bots = new List<RunningBot>();
    for (var i = 0; i < count; i++) bots.Add(await RunningBot.StartAsync(environment)); // one after the other: the first migrates
    try
    {
        // Warm-up: connections, JIT, database pools (replies to another tenant).
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Send(bots[i % count], connector, $"a:warm-{i}", "bbbbbbbb-0000-4000-8000-00000000000b")));
        await connector.WaitForSendsAsync(40, TimeSpan.FromSeconds(60));
        var before = connector.Requests.Count;

        await Task.WhenAll(Enumerable.Range(0, replies).Select(i => Send(bots[i % count], connector, $"a:bench-{i}", tenant)));
        var sends = (await connector.WaitForAsync(r => r.Skip(before).Count(x => x.IsSend) >= replies, TimeSpan.FromMinutes(5)))
            .Skip(before).Where(r => r.IsSend && r.TenantId == tenant).OrderBy(r => r.At).ToList();
        // After the first fifth: 600 new conversations at once make a cold single SQLite instance stall for a couple of
        // seconds, and what it sends then arrives bunched; the budget itself is measured once that has passed.
        var steady = sends.Skip(replies / 5).ToList();
        var achieved = (steady.Count - 1) / (steady[^1].At - steady[0].At).TotalSeconds;
        var maxSecond = steady.Select((s, i) => steady.Skip(i).TakeWhile(t => t.At < s.At.AddSeconds(1)).Count()).Max();
        var throttled = connector.Requests.Skip(before).Count(r => r.IsSend && r.TenantId == tenant) - replies;
        Console.WriteLine($"{label}: achieved {achieved:F1}/s = {achieved / rate:F3} of configured; busiest second {maxSecond} = {(double)maxSecond / rate:F2}; extra requests {throttled}");
    }
    finally
    {
        foreach (var bot in bots) await bot.DisposeAsync();
    }
}

static Task<HttpResponseMessage> Send(RunningBot bot, FakeConnector connector, string conversationId, string tenant)
{
    var message = TestActivities.Message(connector.ServiceUrl, "help", conversationId: conversationId);
    message = message with
    {
        Conversation = message.Conversation! with { TenantId = tenant },
        ChannelData = message.ChannelData! with { Tenant = new TenantInfo { Id = tenant } },
    };
    return bot.Http.PostAsJsonAsync("/api/messages", message, ProtocolJson.Options);
}
