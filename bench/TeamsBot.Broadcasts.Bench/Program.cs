// Campaign fan-out benchmarks. Usage:
//   dotnet run -c Release --project bench/TeamsBot.Broadcasts.Bench -- send    [recipients=20000] [limit=500] [sqlite|pg]
//   dotnet run -c Release --project bench/TeamsBot.Broadcasts.Bench -- kill    [recipients=20000] [limit=500] [sqlite|pg]
//   dotnet run -c Release --project bench/TeamsBot.Broadcasts.Bench -- ledger  [rows=2000000] [sqlite|pg|both]
//   dotnet run -c Release --project bench/TeamsBot.Broadcasts.Bench -- tenants [perTenant=10000] [limit=500] [sqlite|pg]
// The bot runs as the real TeamsBot.dll process (RunningBot), on SQLite or a scratch PostgreSQL database
// (TEAMSBOT_TEST_POSTGRES), against the test FakeConnector enforcing Teams' limits (per tenant per sliding second, 429 + Retry-After past it).
// Each scenario prints one SUMMARY line. Machines are shared: compare ratios, not absolute figures.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Agencies;
using TeamsBot.Broadcasts;
using TeamsBot.Storage;
using TeamsBot.Testing;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var scenario = args.ElementAtOrDefault(0) ?? "send";
int Arg(int i, int fallback) => int.TryParse(args.ElementAtOrDefault(i), out var v) ? v : fallback;
string Str(int i, string fallback) => args.ElementAtOrDefault(i) ?? fallback;

switch (scenario)
{
    case "send":
        await Scenarios.SendAsync(Arg(1, 20_000), Arg(2, 500), Str(3, "sqlite"));
        break;
    case "kill":
        await Scenarios.KillAsync(Arg(1, 20_000), Arg(2, 500), Str(3, "sqlite"));
        break;
    case "tenants":
        await Scenarios.TenantsAsync(Arg(1, 10_000), Arg(2, 500), Str(3, "sqlite"));
        break;
    case "ledger":
        await Scenarios.LedgerAsync(Arg(1, 2_000_000), Str(2, "both"));
        break;
    case "ledger-one": // child process: one build, so the peak working set is this build's alone
        await Scenarios.LedgerOneAsync(Str(1, "sqlite"), Arg(2, 100_000));
        break;
    default:
        Console.Error.WriteLine("scenarios: send | kill | ledger | tenants");
        return 2;
}
return 0;

internal static class Scenarios
{
    private static readonly string[] TenantIds =
    [
        "7a1c0f4e-1111-4a5b-9c3d-000000000001", "7a1c0f4e-2222-4a5b-9c3d-000000000002",
        "7a1c0f4e-3333-4a5b-9c3d-000000000003", "7a1c0f4e-4444-4a5b-9c3d-000000000004",
    ];

    private static string ObjectId(int tenant, int i) => $"{tenant + 1:x8}-0000-4000-8000-{i:x12}";

    /// <summary>A directory file: <paramref name="perTenant"/> users in each of the first <paramref name="tenants"/> tenants.</summary>
    private static string WriteDirectory(int tenants, int perTenant)
    {
        var path = Path.Combine(Path.GetTempPath(), $"bench-directory-{Guid.NewGuid():N}.json");
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteString("tenantId", TenantIds[0]);
        json.WriteStartArray("users");
        for (var t = 0; t < tenants; t++)
            for (var i = 0; i < perTenant; i++)
            {
                json.WriteStartObject();
                json.WriteString("id", ObjectId(t, i));
                json.WriteString("userPrincipalName", $"u{t}x{i}@gsa.gov");
                json.WriteString("tenantId", TenantIds[t]);
                json.WriteEndObject();
            }
        json.WriteEndArray();
        json.WriteEndObject();
        return path;
    }

    private sealed record Harness(FakeConnector Connector, FakeEntraIssuer Entra, string Directory, Dictionary<string, string> Environment, TestPostgres? Postgres, string? SqliteFile) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Connector.DisposeAsync();
            await Entra.DisposeAsync();
            if (Postgres is not null) await Postgres.DisposeAsync();
            File.Delete(Directory);
            if (SqliteFile is not null)
                foreach (var s in new[] { "", "-wal", "-shm" }) try { File.Delete(SqliteFile + s); } catch (IOException) { }
        }
    }

    private static async Task<Harness> StartHarnessAsync(int tenants, int perTenant, int limit, string storage)
    {
        var connector = await FakeConnector.StartAsync(expectedConversations: tenants * perTenant + 16);
        connector.EnforceLimits(limit);
        connector.RecordRequests = false; // keeps who got what (no bodies): memory stays flat over 100,000s of sends
        var entra = await FakeEntraIssuer.StartAsync();
        var directory = WriteDirectory(tenants, perTenant);
        var env = new Dictionary<string, string>
        {
            ["Api__Authority"] = entra.Authority,
            ["Api__Audience"] = FakeEntraIssuer.ApiAudience,
            ["Directory__Source"] = "File",
            ["Directory__File"] = directory,
            ["Broadcasts__ServiceUrl"] = connector.ServiceUrl,
            ["Broadcasts__ApprovalThreshold"] = "100000000",
            // A short lease so the kill scenario settles the dead process's rows quickly (it must outlast two connector total timeouts).
            ["Broadcasts__ClaimLease"] = "00:00:25",
            ["Connector__TotalTimeout"] = "00:00:12",
            ["Connector__AttemptTimeout"] = "00:00:10",
            ["Connector__TenantRequestsPerSecond"] = limit.ToString(CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft"] = "Warning",
            ["Logging__LogLevel__System.Net.Http"] = "Warning",
            ["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning",
        };
        // BENCH_PARALLEL overrides Broadcasts:MaxParallelSendsPerTenant (default 32) to tell latency-bound from CPU-bound.
        // BENCH_BOT_ENV="K=V;K2=V2": extra environment for the bot process only (e.g. GC settings).
        foreach (var pair in (System.Environment.GetEnvironmentVariable("BENCH_BOT_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
            if (pair.Split('=', 2) is [var k, var v]) env[k] = v;
        if (System.Environment.GetEnvironmentVariable("BENCH_BUDGET") is { Length: > 0 } budget) env["Connector__TenantRequestsPerSecond"] = budget;
        if (System.Environment.GetEnvironmentVariable("BENCH_PARALLEL") is { Length: > 0 } parallel) env["Broadcasts__MaxParallelSendsPerTenant"] = parallel;
        TestPostgres? pg = null;
        string? sqlite = null;
        if (storage == "pg")
        {
            pg = TestPostgres.TryCreate("bench") ?? throw new InvalidOperationException("TEAMSBOT_TEST_POSTGRES is not set");
            env["Storage__Provider"] = "Postgres";
            env["ConnectionStrings__TeamsBot"] = pg.ConnectionString;
        }
        else
        {
            sqlite = Path.Combine(Path.GetTempPath(), $"bench-bot-{Guid.NewGuid():N}.db");
            env["ConnectionStrings__TeamsBot"] = $"Data Source={sqlite}";
        }
        return new Harness(connector, entra, directory, env, pg, sqlite);
    }

    private static HttpClient Api(RunningBot bot, FakeEntraIssuer entra)
    {
        var http = new HttpClient { BaseAddress = new Uri(bot.BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", entra.CreateToken(new EntraTokenSpec { Roles = [TeamsBot.Security.Roles.Coach] }));
        return http;
    }

    private static async Task<string> StartCampaignAsync(HttpClient api, string tenantId)
    {
        var created = await api.PostAsJsonAsync("/api/campaigns", new
        {
            kind = "announcement",
            title = "Benchmark",
            body = "Fan-out benchmark message.",
            audience = new { type = "tenant", tenantId },
        });
        var text = await created.Content.ReadAsStringAsync();
        if (!created.IsSuccessStatusCode) throw new InvalidOperationException($"create: {(int)created.StatusCode} {text}");
        var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
        var sent = await api.PostAsync($"/api/campaigns/{id}/send", null);
        if (!sent.IsSuccessStatusCode) throw new InvalidOperationException($"send: {(int)sent.StatusCode} {await sent.Content.ReadAsStringAsync()}");
        return id;
    }

    private static async Task<JsonElement> StatusAsync(HttpClient api, string id) =>
        JsonDocument.Parse(await api.GetStringAsync($"/api/campaigns/{id}")).RootElement.Clone();

    private static async Task<JsonElement> WaitCompletedAsync(HttpClient api, string id, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var status = await StatusAsync(api, id);
            var s = status.GetProperty("status").GetString();
            if (s is "completed" or "cancelled" or "failed") return status;
            if (deadline.Elapsed > timeout) throw new TimeoutException($"campaign {id} still {s} after {timeout}: {status}");
            await Task.Delay(1000);
        }
    }

    /// <summary>Recipients by CSV row: object id → (status, error).</summary>
    private static async Task<Dictionary<string, (string Status, string Error)>> ReportAsync(HttpClient api, string id)
    {
        var rows = new Dictionary<string, (string, string)>(StringComparer.OrdinalIgnoreCase);
        var csv = await api.GetStringAsync($"/api/campaigns/{id}/recipients.csv");
        foreach (var line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var f = line.TrimEnd('\r').Split(',');
            rows[f[1]] = (f[3], f[7]);
        }
        return rows;
    }

    /// <summary>Seconds from the first delivery to the last.</summary>
    private static double Span(FakeConnector connector)
    {
        var deliveries = connector.Deliveries;
        return deliveries.Count < 2 ? 0 : (deliveries.Max(d => d.At) - deliveries.Min(d => d.At)).TotalSeconds;
    }

    private static double Rate(FakeConnector connector) => Span(connector) is var span and > 0 ? (connector.DeliveryCount - 1) / span : 0;

    private sealed record Tally(int Recipients, int Delivered, int Duplicates, int Lost, int Failed, int OutcomeUnknown, int OutcomeUnknownButDelivered);

    private static Tally Count(IEnumerable<string> expected, FakeConnector connector, Dictionary<string, (string Status, string Error)> report)
    {
        int recipients = 0, delivered = 0, lost = 0, failed = 0, unknown = 0, unknownDelivered = 0;
        var perMember = connector.DeliveriesPerMember();
        foreach (var id in expected)
        {
            recipients++;
            var got = perMember.TryGetValue(id, out var n) ? n : 0;
            if (got > 0) delivered++;
            var row = report.GetValueOrDefault(id);
            if (System.Environment.GetEnvironmentVariable("BENCH_DEBUG") == "1" && recipients < 3) Console.WriteLine($"  row {id}: {row.Status} {row.Error}");
            if (row.Status is "failed" or "notInstalled" or "blocked" or "notFound") failed++;
            // Lost = never delivered and not a person-level final state (an unknown outcome that never left counts as lost: skipped).
            if (got == 0 && (row.Error == "outcomeUnknown" || row.Status is not ("failed" or "notInstalled" or "blocked" or "notFound"))) lost++;
            if (row.Error == "outcomeUnknown") { unknown++; if (got > 0) unknownDelivered++; }
        }
        var duplicates = perMember.Count(kv => kv.Value > 1);
        return new Tally(recipients, delivered, duplicates, lost, failed, unknown, unknownDelivered);
    }

    public static async Task SendAsync(int recipients, int limit, string storage)
    {
        await using var h = await StartHarnessAsync(1, recipients, limit, storage);
        await using var bot = await RunningBot.StartAsync(h.Environment, TimeSpan.FromMinutes(2));
        using var api = Api(bot, h.Entra);
        var wall = Stopwatch.StartNew();
        var id = await StartCampaignAsync(api, TenantIds[0]);
        JsonElement status;
        Tally tally;
        try
        {
            status = await WaitCompletedAsync(api, id, TimeSpan.FromSeconds(recipients / (double)limit * 4 + 120));
            tally = Count(Enumerable.Range(0, recipients).Select(i => ObjectId(0, i)), h.Connector, await ReportAsync(api, id));
        }
        catch (Exception)
        {
            foreach (var line in bot.Output.TakeLast(40)) Console.Error.WriteLine("  bot| " + line);
            throw;
        }
        var rate = Rate(h.Connector);
        if (System.Environment.GetEnvironmentVariable("BENCH_DEBUG") == "1" && h.Connector.Deliveries.Count > 0)
        {
            var first = h.Connector.Deliveries.Min(d => d.At);
            Console.WriteLine("  429 at (s after first delivery): " + string.Join(", ", h.Connector.ThrottleTimes.Select(t => ((t - first).TotalSeconds).ToString("0.000"))));
            var perSecond = h.Connector.Deliveries.GroupBy(d => (int)(d.At - first).TotalSeconds).OrderBy(g => g.Key).Select(g => g.Count());
            Console.WriteLine("  deliveries per second: " + string.Join(" ", perSecond));
            foreach (var t in h.Connector.ThrottleTimes.Where(t => (t - first).TotalSeconds > 3).Take(2))
            {
                var buckets = h.Connector.Deliveries.Where(d => d.At > t.AddSeconds(-1.2) && d.At <= t).GroupBy(d => (int)((t - d.At).TotalMilliseconds / 20)).OrderByDescending(g => g.Key).Select(g => g.Count());
                Console.WriteLine($"  before 429 at {(t - first).TotalSeconds:0.000}: in the last second {h.Connector.Deliveries.Count(d => d.At > t.AddSeconds(-1) && d.At <= t)}; per 20 ms: " + string.Join(" ", buckets));
            }
            foreach (var line in bot.Output.Where(l => l.Contains("429") || l.Contains("hrottl") || l.Contains("etry") || l.Contains("arn") || l.Contains("fail")).Take(30)) Console.WriteLine("  bot| " + line);
        }
        if (System.Environment.GetEnvironmentVariable("BENCH_DEBUG") == "1") Console.WriteLine($"  bench gen0/gen1/gen2 collections: {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, total pause {GC.GetTotalPauseDuration().TotalMilliseconds:0} ms, max {Enumerable.Range(0, 3).Select(k => GC.GetGCMemoryInfo((GCKind)k)).SelectMany(i => i.PauseDurations.ToArray()).Max().TotalMilliseconds:0} ms");
        Console.WriteLine($"SUMMARY send storage={storage} recipients={recipients} limit={limit} delivered={tally.Delivered} " +
            $"rate={rate:0.0}/s ratio={rate / limit:0.000} throttled429={h.Connector.Throttled} duplicates={tally.Duplicates} lost={tally.Lost} " +
            $"failed={tally.Failed} span={Span(h.Connector):0.0}s wall={wall.Elapsed.TotalSeconds:0.0}s botReportedRate={status.GetProperty("sendRatePerSecond")}");
    }

    public static async Task KillAsync(int recipients, int limit, string storage)
    {
        await using var h = await StartHarnessAsync(1, recipients, limit, storage);
        // Sends in flight at the kill are settled by looking into the recipients' chats (Graph), unless BENCH_VERIFY=0.
        await using var identity = await FakeManagedIdentity.StartAsync();
        await using var graph = await FakeGraphServer.StartAsync();
        if (System.Environment.GetEnvironmentVariable("BENCH_VERIFY") != "0")
        {
            h.Connector.RecordBodies = true; // the fake Graph shows the delivered cards
            graph.AcceptsToken = token => identity.Requests.Any(r => r.IssuedToken == token);
            graph.EveryoneHasTheApp = true;
            graph.BotMessagesFor = member => h.Connector.Deliveries.Where(d => d.MemberId == member).ToList();
            foreach (var (key, value) in identity.Environment) h.Environment[key] = value;
            h.Environment["Broadcasts__VerifyUnknownDeliveries"] = "true";
            h.Environment["Broadcasts__TeamsAppCatalogId"] = graph.CatalogAppId;
            h.Environment["Graph__BaseUrl"] = graph.BaseUrl;
            h.Environment["Graph__TenantId"] = TenantIds[0];
            h.Environment["Graph__Credential"] = "ManagedIdentity";
            h.Environment["Graph__ManagedIdentityClientId"] = "6b1e4f3a-0000-4000-8000-00000000f00d";
        }
        var wall = Stopwatch.StartNew();
        string id;
        long atKill;
        await using (var first = await RunningBot.StartAsync(h.Environment, TimeSpan.FromMinutes(2)))
        {
            using var api = Api(first, h.Entra);
            id = await StartCampaignAsync(api, TenantIds[0]);
            while (h.Connector.DeliveryCount < recipients / 2) await Task.Delay(20);
            first.Kill();
            atKill = h.Connector.DeliveryCount;
        }
        var killedAt = wall.Elapsed;
        await using var second = await RunningBot.StartAsync(h.Environment, TimeSpan.FromMinutes(2));
        using var api2 = Api(second, h.Entra);
        var status = await WaitCompletedAsync(api2, id, TimeSpan.FromSeconds(recipients / (double)limit * 4 + 180));
        var tally = Count(Enumerable.Range(0, recipients).Select(i => ObjectId(0, i)), h.Connector, await ReportAsync(api2, id));
        Console.WriteLine($"SUMMARY kill storage={storage} recipients={recipients} limit={limit} deliveredAtKill={atKill} killedAt={killedAt.TotalSeconds:0.0}s " +
            $"delivered={tally.Delivered} duplicates={tally.Duplicates} lost={tally.Lost} outcomeUnknown={tally.OutcomeUnknown} " +
            $"(of which actually delivered={tally.OutcomeUnknownButDelivered}, never sent={tally.OutcomeUnknown - tally.OutcomeUnknownButDelivered}) " +
            $"failed={tally.Failed} verifiedInGraph={graph.ChatMessageReads} throttled429={h.Connector.Throttled} wall={wall.Elapsed.TotalSeconds:0.0}s status={status.GetProperty("status")}");
    }

    public static async Task TenantsAsync(int perTenant, int limit, string storage)
    {
        var one = await RunTenantsAsync(1, perTenant, limit, storage);
        var four = await RunTenantsAsync(4, perTenant, limit, storage);
        Console.WriteLine($"SUMMARY tenants storage={storage} perTenant={perTenant} limit={limit} oneTenant={one.Rate:0.0}/s fourTenants={four.Rate:0.0}/s " +
            $"ratio={four.Rate / one.Rate:0.00}x (ideal 4.00x) perTenantRatio={four.Rate / 4 / limit:0.000} throttled429={one.Throttled}/{four.Throttled} " +
            $"duplicates={one.Duplicates}/{four.Duplicates} lost={one.Lost}/{four.Lost}");
    }

    private static async Task<(double Rate, long Throttled, int Duplicates, int Lost)> RunTenantsAsync(int tenants, int perTenant, int limit, string storage)
    {
        await using var h = await StartHarnessAsync(tenants, perTenant, limit, storage);
        await using var bot = await RunningBot.StartAsync(h.Environment, TimeSpan.FromMinutes(2));
        using var api = Api(bot, h.Entra);
        var ids = new List<string>();
        foreach (var t in TenantIds.Take(tenants)) ids.Add(await StartCampaignAsync(api, t));
        foreach (var id in ids) await WaitCompletedAsync(api, id, TimeSpan.FromSeconds(perTenant / (double)limit * 6 + 180));
        int duplicates = 0, lost = 0;
        for (var t = 0; t < tenants; t++)
        {
            var tt = t;
            var tally = Count(Enumerable.Range(0, perTenant).Select(i => ObjectId(tt, i)), h.Connector, await ReportAsync(api, ids[t]));
            lost += tally.Lost;
            duplicates = tally.Duplicates;
        }
        // Object ids start with the tenant's number (ObjectId): deliveries per tenant from the member ids.
        var per = string.Join(" ", h.Connector.Deliveries.GroupBy(d => d.MemberId?[..8]).OrderBy(g => g.Key).Select(g => g.Count()));
        Console.WriteLine($"  tenants={tenants} delivered={h.Connector.DeliveryCount} (per tenant {per}) rate={Rate(h.Connector):0.0}/s " +
            $"span={Span(h.Connector):0.0}s 429={h.Connector.Throttled}");
        return (Rate(h.Connector), h.Connector.Throttled, duplicates, lost);
    }

    public static async Task LedgerAsync(int rows, string storage)
    {
        var providers = storage == "both" ? new[] { "pg", "sqlite" } : [storage];
        var lines = new List<string>();
        foreach (var p in providers)
            foreach (var n in new[] { 100_000, 1_000_000, rows }.Distinct())
                lines.Add(await RunChildAsync("ledger-one", p, n.ToString(CultureInfo.InvariantCulture)));
        Console.WriteLine("SUMMARY ledger");
        foreach (var l in lines) Console.WriteLine("  " + l);
    }

    private static async Task<string> RunChildAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", ["exec", typeof(Scenarios).Assembly.Location, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var result = (await stdout).Split('\n').LastOrDefault(l => l.StartsWith("ledger-one", StringComparison.Ordinal));
        return result ?? $"{string.Join(' ', arguments)} FAILED {process.ExitCode}: {(await stderr).Split('\n').FirstOrDefault()} {(await stdout)[^Math.Min(2000, (await stdout).Length)..]}";
    }

    private static async IAsyncEnumerable<DirectoryUser> Users(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return new DirectoryUser { ObjectId = ObjectId(0, i), TenantId = TenantIds[0], UserPrincipalName = $"u0x{i}@gsa.gov", AgencyId = "gsa" };
            if ((i & 0xFFFF) == 0) await Task.Yield();
        }
    }

    public static async Task LedgerOneAsync(string provider, int count)
    {
        TestPostgres? pg = null;
        string? file = null;
        var args = new List<string> { "--environment=Development", "--Logging:LogLevel:Default=Warning" };
        if (provider == "pg")
        {
            pg = TestPostgres.TryCreate("benchledger") ?? throw new InvalidOperationException("TEAMSBOT_TEST_POSTGRES is not set");
            args.Add("--Storage:Provider=Postgres");
            args.Add($"--ConnectionStrings:TeamsBot={pg.ConnectionString}");
        }
        else
        {
            file = Path.Combine(Path.GetTempPath(), $"bench-ledger-{Guid.NewGuid():N}.db");
            args.Add($"--ConnectionStrings:TeamsBot=Data Source={file}");
        }
        try
        {
            var app = TeamsBot.TeamsBotApplication.Build([.. args]);
            await app.Services.MigrateDatabaseAsync();
            var ledger = app.Services.GetRequiredService<DeliveryLedger>();
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            var before = self.WorkingSet64;
            var allocated = GC.GetTotalAllocatedBytes();
            var watch = Stopwatch.StartNew();
            var built = await ledger.BuildAsync("benchcampaign", Users(count), int.MaxValue, CancellationToken.None);
            var seconds = watch.Elapsed.TotalSeconds;
            self.Refresh();
            var gc = GC.GetGCMemoryInfo(GCKind.Any);
            Console.WriteLine($"ledger-one provider={provider} rows={built} seconds={seconds:0.0} rowsPerSecond={built / seconds:0} " +
                $"peakWorkingSetMB={self.PeakWorkingSet64 / 1048576.0:0} workingSetBeforeMB={before / 1048576.0:0} gcPeakHeapMB={gc.HeapSizeBytes / 1048576.0:0} " +
                $"allocatedMB={(GC.GetTotalAllocatedBytes() - allocated) / 1048576.0:0} gen2={GC.CollectionCount(2)}");
            await app.DisposeAsync();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (pg is not null) await pg.DisposeAsync();
            if (file is not null) foreach (var s in new[] { "", "-wal", "-shm" }) try { File.Delete(file + s); } catch (IOException) { }
        }
    }
}
