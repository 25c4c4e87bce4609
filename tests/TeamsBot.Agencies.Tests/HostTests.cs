using Moq;
using TeamsBot.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TeamsBot.Agencies.Tests.Fakes;

namespace TeamsBot.Agencies.Tests;

/// <summary>The slice inside the real app (Program.cs) and the background delta sync as a hosted service.</summary>
public sealed class HostTests
{
    private static WebApplicationFactory<Program> App(string dbPath, params (string Key, string Value)[] settings) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            b.UseSetting("ConnectionStrings:TeamsBot", $"Data Source={dbPath};Pooling=false");
            foreach (var (k, v) in settings) b.UseSetting(k, v);
        });

    [Fact]
    public async Task App_starts_with_defaults_and_resolves_sample_users()
    {
        var db = Path.Combine(Path.GetTempPath(), $"teamsbot-host-{Guid.NewGuid():N}.db");
        try
        {
            await using var app = App(db);
            using var client = app.CreateClient();
            Assert.True((await client.GetAsync("/readyz")).IsSuccessStatusCode);
            var directory = app.Services.GetRequiredService<IAgencyDirectory>();
            var user = await directory.ResolveAsync(new UserKey("00000000-0000-4000-8000-000000000001", DirectoryHarness.SampleTenant), default);
            Assert.Equal("gsa", user.AgencyId);
            Assert.Equal(7, (await app.Services.GetRequiredService<IAgencyRegistry>().ListAsync(default)).Count);
        }
        finally
        {
            File.Delete(db);
        }
    }

    [Fact]
    public async Task App_refuses_to_start_with_a_bad_directory_file_one_line_per_problem()
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("teamsbot-host-").FullName;
        var broken = Path.Combine(dir, "users.json");
        await File.WriteAllTextAsync(broken, "{ not json");
        var (exitCode, lines) = await BotProcess.RunUntilExitAsync(new Dictionary<string, string>
        {
            ["Directory__File"] = broken,
            ["Directory__Source"] = "File",
            ["Directory__CacheTtl"] = "0",
        });

        Assert.Equal(2, exitCode);
        Assert.Contains(lines, l => l.StartsWith("Configuration error: Directory:CacheTtl must be positive"));
        Assert.Contains(lines, l => l.StartsWith($"Configuration error: Directory:File: directory file '{broken}' is not valid JSON"));
        System.IO.Directory.Delete(dir, true);
    }

    [Fact]
    public async Task The_sync_job_fills_the_cache_from_the_delta_query_then_goes_incremental()
    {
        await using var graph = await FakeGraphServer.StartAsync();
        graph.AddUser(new FakeUser { Id = "b1", UserPrincipalName = "b1@nasa.gov", Mail = "b1@nasa.gov" });
        await using var h = await DirectoryHarness.GraphAsync(graph, new() { ["Directory:Sync:Enabled"] = "true", ["Directory:Sync:Interval"] = "00:10:00" });
        var cache = h.Services.GetRequiredService<IDirectoryCache>();
        // The fake serves one tenant: keep the sample NASA tenant out of the sync so only the default tenant is read.
        await h.Registry.UpsertAsync((await h.Registry.FindAsync("nasa", default))! with { TenantIds = [] }, default);
        var definition = h.Services.GetServices<TeamsBot.Storage.Jobs.RecurringJobDefinition>().Single(d => d.Name == DirectorySyncJob.Name);
        Assert.Equal("every 00:10:00", definition.Schedule(h.Services).Signature);

        // What the scheduler does each interval: a scope, the job, Execute.
        async Task RunJobAsync()
        {
            await using var scope = h.Services.CreateAsyncScope();
            await ((Quartz.IJob)scope.ServiceProvider.GetRequiredService(definition.JobType)).Execute(Mock.Of<Quartz.IJobExecutionContext>(), default);
        }

        await RunJobAsync();
        Assert.Equal("nasa", (await cache.FindAsync("b1", default))?.AgencyId);
        Assert.Contains(graph.RequestLog, r => r.StartsWith("GET /v1.0/users/delta") && !r.Contains("deltatoken"));
        graph.AddUser(new FakeUser { Id = "b2", UserPrincipalName = "b2@nih.gov", Mail = "b2@nih.gov" });
        await RunJobAsync();
        Assert.Equal("nih", (await cache.FindAsync("b2", default))?.AgencyId);
        Assert.Contains(graph.RequestLog, r => r.Contains("deltatoken="));
    }

    private static async Task WaitFor(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("condition not met in 15 s");
            await Task.Delay(50);
        }
    }
}
