using Azure.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using TeamsBot.Storage;
using TeamsBot.Testing;

namespace TeamsBot.Agencies.Tests.Fakes;

/// <summary>A token credential that hands out the fake Graph's token and records the scopes and tenants asked for.</summary>
public sealed class FakeGraphCredentials : IGraphCredentialFactory
{
    public List<string> Tenants { get; } = [];
    public List<string> Scopes { get; } = [];

    TokenCredential IGraphCredentialFactory.Create(string tenantId)
    {
        lock (Tenants) Tenants.Add(tenantId);
        return new Credential(this);
    }

    private sealed class Credential(FakeGraphCredentials owner) : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (owner.Scopes) owner.Scopes.AddRange(requestContext.Scopes);
            return new AccessToken(FakeGraphServer.Token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }
}

/// <summary>The directory slice as the app composes it (storage + AddDirectory), on a temporary SQLite file.</summary>
public sealed class DirectoryHarness : IAsyncDisposable
{
    public const string SampleTenant = "5a3b1e00-0000-4000-8000-00000000d1a0";
    private readonly WebApplication _app;
    private readonly string _dbPath;

    private DirectoryHarness(WebApplication app, string dbPath)
    {
        _app = app;
        _dbPath = dbPath;
    }

    public IServiceProvider Services => _app.Services;
    public IAgencyDirectory Directory => Services.GetRequiredService<IAgencyDirectory>();
    public IAgencyRegistry Registry => Services.GetRequiredService<IAgencyRegistry>();
    internal DirectorySyncer Syncer => Services.GetRequiredService<DirectorySyncer>();
    public FakeGraphCredentials Credentials { get; private set; } = new();

    public static Task<DirectoryHarness> FileAsync(Dictionary<string, string?>? settings = null, TimeProvider? time = null) =>
        CreateAsync(new Dictionary<string, string?>(settings ?? []), time);

    public static Task<DirectoryHarness> GraphAsync(FakeGraphServer graph, Dictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var s = new Dictionary<string, string?>
        {
            ["Directory:Source"] = "Graph",
            ["Directory:Sync:Enabled"] = "false",
            ["Graph:BaseUrl"] = graph.BaseUrl,
            ["Graph:TenantId"] = SampleTenant,
            ["Graph:ClientId"] = "11111111-2222-3333-4444-555555555555",
            ["Graph:ClientSecret"] = "not-used-by-the-fake-credential",
        };
        foreach (var (k, v) in settings ?? []) s[k] = v;
        return CreateAsync(s, time);
    }

    private static async Task<DirectoryHarness> CreateAsync(Dictionary<string, string?> settings, TimeProvider? time)
    {
        var dbPath = Path.Combine(Path.GetTempPath(), $"teamsbot-directory-{Guid.NewGuid():N}.db");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:TeamsBot"] = $"Data Source={dbPath};Pooling=false" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddStorage();
        builder.AddDirectory();
        var credentials = new FakeGraphCredentials();
        builder.Services.Replace(ServiceDescriptor.Singleton<IGraphCredentialFactory>(credentials));
        if (time is not null) builder.Services.Replace(ServiceDescriptor.Singleton(time));
        var app = builder.Build();
        var harness = new DirectoryHarness(app, dbPath);
        harness.Credentials = credentials;
        await app.Services.MigrateDatabaseAsync();
        return harness;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        foreach (var f in new[] { _dbPath, _dbPath + "-wal", _dbPath + "-shm" })
            try { File.Delete(f); } catch (IOException) { }
    }
}
