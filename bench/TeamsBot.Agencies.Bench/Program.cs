using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using TeamsBot.Agencies;
using TeamsBot.Testing;
using TeamsBot.Storage;

// Directory benchmark: resolves audiences served by the local fake Graph (999 users per page) through the real Graph SDK,
// each size in its own process so peak memory is that size's alone, then measures cached-user lookups.
//   dotnet run -c Release --project bench/TeamsBot.Agencies.Bench            (20k and 200k audiences + lookups)
//   dotnet run -c Release --project bench/TeamsBot.Agencies.Bench -- 20000 200000 1000000
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;

if (args is ["--audience", var n, var mode]) try { return await Child.AudienceAsync(int.Parse(n), mode == "mapped"); } finally { Child.DeleteDatabases(); }
if (args is ["--lookup", var m]) try { return await Child.LookupAsync(int.Parse(m)); } finally { Child.DeleteDatabases(); }

var sizes = args.Length > 0 ? args.Select(int.Parse).ToArray() : [20_000, 200_000];
var results = new List<JsonElement>();
foreach (var size in sizes) results.Add(RunChild("--audience", size, "mixed"));
var mapped = RunChild("--audience", sizes[^1], "mapped");
var lookup = RunChild("--lookup", 20_000);

Console.WriteLine();
Console.WriteLine("| audience | seconds | users/s | Graph requests | requests / 1,000 users | peak managed heap MB | peak working set MB |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
foreach (var r in results)
    Console.WriteLine($"| {r.GetProperty("users").GetInt32():N0} | {r.GetProperty("seconds").GetDouble():F1} | {r.GetProperty("usersPerSecond").GetDouble():N0} | {r.GetProperty("requests").GetInt32()} | {r.GetProperty("requestsPer1000").GetDouble():F2} | {r.GetProperty("peakHeapMb").GetDouble():F0} | {r.GetProperty("peakWorkingSetMb").GetDouble():F0} |");
if (results.Count >= 2)
{
    var (small, large) = (results[0], results[^1]);
    Console.WriteLine();
    Console.WriteLine($"audience ratio {large.GetProperty("users").GetDouble() / small.GetProperty("users").GetDouble():F0}x; " +
        $"peak heap ratio {large.GetProperty("peakHeapMb").GetDouble() / small.GetProperty("peakHeapMb").GetDouble():F2}x; " +
        $"peak working set ratio {large.GetProperty("peakWorkingSetMb").GetDouble() / small.GetProperty("peakWorkingSetMb").GetDouble():F2}x; " +
        $"throughput ratio {large.GetProperty("usersPerSecond").GetDouble() / small.GetProperty("usersPerSecond").GetDouble():F2}x");
}
Console.WriteLine($"{mapped.GetProperty("users").GetInt32():N0} users all mapped by attribute/domain (no group lookups): {mapped.GetProperty("usersPerSecond").GetDouble():N0} users/s, " +
    $"{mapped.GetProperty("requestsPer1000").GetDouble():F2} Graph requests per 1,000 users, peak heap {mapped.GetProperty("peakHeapMb").GetDouble():F0} MB");
Console.WriteLine($"cached-user lookup over {lookup.GetProperty("cached").GetInt32():N0} cached users, {lookup.GetProperty("lookups").GetInt32():N0} lookups: " +
    $"p50 {lookup.GetProperty("p50Ms").GetDouble():F3} ms, p95 {lookup.GetProperty("p95Ms").GetDouble():F3} ms, Graph requests during lookups {lookup.GetProperty("graphRequestsDuringLookups").GetInt32()}");
return 0;

static JsonElement RunChild(string mode, int size, string? variant = null)
{
    var self = Environment.ProcessPath!;
    var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
    if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(Child).Assembly.Location);
    start.ArgumentList.Add(mode);
    start.ArgumentList.Add(size.ToString(CultureInfo.InvariantCulture));
    if (variant is not null) start.ArgumentList.Add(variant);
    using var p = Process.Start(start)!;
    var stderr = p.StandardError.ReadToEndAsync();
    var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"{mode} {size} failed: {stderr.Result}");
    var json = lines.Last(l => l.StartsWith('{'));
    Console.WriteLine($"{mode} {size} {variant}: {json}");
    return JsonDocument.Parse(json).RootElement.Clone();
}

internal static class Child
{
    private const string Tenant = "5a3b1e00-0000-4000-8000-00000000d1a0";
    private static readonly string[] Domains = ["gsa.gov", "nasa.gov", "nih.gov", "treasury.gov", "irs.gov", "us.af.mil", "ornl.gov", "contractor.example.com"];

    // "mixed": 1 user in 8 is on a domain no agency owns, so the group rule asks Graph for their groups ($batch of 20).
    // "mapped": every user maps by attribute or domain.
    private static Func<int, FakeUser> Synthetic(bool mapped) => i => Synthetic(i, mapped ? Domains.Length - 1 : Domains.Length);

    private static FakeUser Synthetic(int i) => Synthetic(i, Domains.Length);

    private static FakeUser Synthetic(int i, int domains) => new()
    {
        Id = $"{i:x8}-0000-4000-8000-000000000000",
        UserPrincipalName = $"user{i}@{Domains[i % domains]}",
        Mail = $"user{i}@{Domains[i % domains]}",
        DisplayName = $"User {i}",
        Department = i % 10 == 0 ? "Air Force Research Laboratory" : "Operations",
        UserType = i % 50 == 0 ? "Guest" : "Member",
        AccountEnabled = i % 100 != 1,
    };

    public static async Task<int> AudienceAsync(int size, bool mapped)
    {
        await using var graph = await FakeGraphServer.StartAsync();
        await using var app = await BuildAsync(graph);
        var directory = app.Services.GetRequiredService<IAgencyDirectory>();

        // Warm-up (JIT, connection, registry) on a small audience.
        graph.SyntheticCount = 2_000;
        graph.Synthetic = Synthetic(mapped);
        await foreach (var _ in directory.ResolveAudienceAsync(AudienceSpec.Tenant(), default)) { }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        graph.SyntheticCount = size;
        var requestsBefore = graph.RequestCount;
        long peakHeap = 0, peakWorkingSet = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            using var self = Process.GetCurrentProcess();
            while (!sampling.IsCancellationRequested)
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                self.Refresh();
                peakWorkingSet = Math.Max(peakWorkingSet, self.WorkingSet64);
                await Task.Delay(5);
            }
        });
        var clock = Stopwatch.StartNew();
        int users = 0, unassigned = 0;
        await foreach (var u in directory.ResolveAudienceAsync(AudienceSpec.Tenant() with { IncludeDisabled = true }, default))
        {
            users++;
            if (u.IsUnassigned) unassigned++;
        }
        clock.Stop();
        await sampling.CancelAsync();
        await sampler;
        var requests = graph.RequestCount - requestsBefore;
        if (users != size) throw new InvalidOperationException($"expected {size} users, got {users}");
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            users,
            unassigned,
            seconds = clock.Elapsed.TotalSeconds,
            usersPerSecond = users / clock.Elapsed.TotalSeconds,
            requests,
            requestsPer1000 = requests * 1000.0 / users,
            peakHeapMb = peakHeap / 1048576.0,
            peakWorkingSetMb = peakWorkingSet / 1048576.0,
        }));
        return 0;
    }

    public static async Task<int> LookupAsync(int cachedUsers)
    {
        await using var graph = await FakeGraphServer.StartAsync();
        graph.SyntheticCount = cachedUsers;
        graph.Synthetic = Synthetic(false);
        await using var app = await BuildAsync(graph);
        // The background sync's full delta pass fills the cache.
        await app.Services.GetRequiredService<DirectorySyncer>().RunOnceAsync(Tenant, default);
        var directory = app.Services.GetRequiredService<IAgencyDirectory>();
        var random = new Random(42);
        for (var i = 0; i < 500; i++) await directory.ResolveAsync(new UserKey(Synthetic(random.Next(cachedUsers)).Id, Tenant), default);
        var before = graph.RequestCount;
        const int lookups = 5_000;
        var times = new double[lookups];
        for (var i = 0; i < lookups; i++)
        {
            var key = new UserKey(Synthetic(random.Next(cachedUsers)).Id, Tenant);
            var t = Stopwatch.GetTimestamp();
            await directory.ResolveAsync(key, default);
            times[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }
        Array.Sort(times);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            cached = cachedUsers,
            lookups,
            p50Ms = times[lookups / 2],
            p95Ms = times[lookups * 95 / 100],
            graphRequestsDuringLookups = graph.RequestCount - before,
        }));
        return 0;
    }

    private static readonly List<string> Databases = [];

    public static void DeleteDatabases()
    {
        foreach (var db in Databases)
            foreach (var f in new[] { db, db + "-wal", db + "-shm" })
                try { File.Delete(f); } catch (IOException) { }
    }

    private static async Task<WebApplication> BuildAsync(FakeGraphServer graph)
    {
        var db = Path.Combine(Path.GetTempPath(), $"teamsbot-bench-{Guid.NewGuid():N}.db");
        Databases.Add(db);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Bench", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:TeamsBot"] = $"Data Source={db}",
            ["Directory:Source"] = "Graph",
            ["Directory:Sync:Enabled"] = "false",
            ["Graph:BaseUrl"] = graph.BaseUrl,
            ["Graph:TenantId"] = Tenant,
            ["Graph:ClientId"] = "bench",
            ["Graph:ClientSecret"] = "bench",
        });
        builder.AddStorage();
        builder.AddDirectory();
        builder.Services.Replace(ServiceDescriptor.Singleton<IGraphCredentialFactory>(new BenchCredentials()));
        var app = builder.Build();
        await app.Services.MigrateDatabaseAsync();
        return app;
    }

    private sealed class BenchCredentials : IGraphCredentialFactory
    {
        public TokenCredential Create(string tenantId) => new FakeGraphToken();
    }
}
