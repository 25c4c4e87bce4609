using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using TeamsBot.Agencies.Tests.Fakes;
using TeamsBot.Storage;
using TeamsBot.Testing;

namespace TeamsBot.Agencies.Tests;

/// <summary>
/// The cache says exactly what Entra says: cleared attributes, users a full resync no longer returns, agency audiences
/// from the fresh cache, multi-group audiences de-duplicated in the database. On SQLite and (with a server) PostgreSQL.
/// </summary>
public sealed class DirectoryExactnessTests : IAsyncLifetime
{
    private const string Tenant = DirectoryHarness.SampleTenant;
    private FakeGraphServer _graph = null!;
    private TestPostgres? _postgres;

    public async Task InitializeAsync() => _graph = await FakeGraphServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _graph.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    /// <summary>The harness on the provider, or null for PostgreSQL on a local run without a server.</summary>
    private async Task<DirectoryHarness?> HarnessAsync(string provider, TimeProvider time, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(extra ?? []);
        if (provider == "Postgres")
        {
            _postgres = TestPostgres.TryCreate("teamsbot_directory");
            if (_postgres is null) return null;
            foreach (var (k, v) in _postgres.Settings) settings[k] = v;
        }
        return await DirectoryHarness.GraphAsync(_graph, settings, time);
    }

    private static FakeUser User(string id, string mail, string? department = null, string? division = null) =>
        new() { Id = id, UserPrincipalName = mail, Mail = mail, DisplayName = $"User {id}", Department = department, Division = division };

    [Theory, InlineData("Sqlite"), InlineData("Postgres")]
    public async Task Delta_that_clears_an_attribute_clears_it_in_the_cache_and_the_user_falls_back_to_the_domain_rule(string provider)
    {
        _graph.AddUser(User("p1", "pat@us.af.mil", department: "Air Force Research Laboratory"));
        _graph.AddUser(User("p2", "sam@us.af.mil", division: "AFRL"));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await HarnessAsync(provider, time);
        if (h is null) return;
        var cache = h.Services.GetRequiredService<IDirectoryCache>();
        await h.Syncer.RunOnceAsync(Tenant, default);
        Assert.Equal(("afrl", "afrl"), ((await cache.FindAsync("p1", default))!.AgencyId, (await cache.FindAsync("p2", default))!.AgencyId));

        // Removed in Entra: the delta page sends "department": null (and "employeeOrgData": {"division": null}), nothing else.
        _graph.UpdateUser("p1", u => u.Department = null);
        _graph.UpdateUser("p2", u => u.Division = null);
        var incremental = await h.Syncer.RunOnceAsync(Tenant, default);

        var p1 = (await cache.FindAsync("p1", default))!;
        var p2 = (await cache.FindAsync("p2", default))!;
        Assert.Equal((false, 2), (incremental.FullPass, incremental.Changed));
        Assert.Equal((null, "daf", AgencyRuleKind.Domain, "pat@us.af.mil", "User p1"), (p1.Department, p1.AgencyId, p1.MatchedBy, p1.Mail, p1.DisplayName));
        Assert.Equal((null, "daf", "sam@us.af.mil"), (p2.Division, p2.AgencyId, p2.Mail));
    }

    [Theory, InlineData("Sqlite"), InlineData("Postgres")]
    public async Task Full_resync_removes_users_it_no_longer_returns_but_only_once_it_has_read_every_page(string provider)
    {
        for (var i = 0; i < 5; i++) _graph.AddUser(User($"r{i}", $"r{i}@gsa.gov"));
        _graph.DeltaPageSize = 2;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await HarnessAsync(provider, time);
        if (h is null) return;
        var cache = h.Services.GetRequiredService<IDirectoryCache>();
        await h.Syncer.RunOnceAsync(Tenant, default);
        time.Advance(TimeSpan.FromMinutes(1));
        // Deleted while the delta token was expiring: no @removed will ever name them; only a full resync can tell.
        _graph.DeleteUser("r1");
        _graph.DeleteUser("r4");
        _graph.ExpireDeltaTokens();

        _graph.FailRequestAfter(2); // 410 for the delta link, first full page, then the second page fails
        await Assert.ThrowsAnyAsync<Exception>(() => h.Syncer.RunOnceAsync(Tenant, default));
        foreach (var id in new[] { "r0", "r1", "r2", "r3", "r4" })
            Assert.False((await cache.FindAsync(id, default))!.IsDeleted, $"{id} removed by an incomplete full pass");

        var resync = await h.Syncer.RunOnceAsync(Tenant, default);

        Assert.Equal((true, 3, 2), (resync.FullPass, resync.Changed, resync.Removed));
        Assert.Equal(["r1", "r4"], await DeletedAsync(cache, "r0", "r1", "r2", "r3", "r4"));
        var gsa = await h.Directory.ResolveAudienceAsync(AudienceSpec.Agencies("gsa"), default).ToListAsync();
        Assert.Equal(["r0", "r2", "r3"], gsa.Select(u => u.ObjectId).Order());
    }

    private static async Task<List<string>> DeletedAsync(IDirectoryCache cache, params string[] ids)
    {
        var deleted = new List<string>();
        foreach (var id in ids) if ((await cache.FindAsync(id, default))!.IsDeleted) deleted.Add(id);
        return deleted;
    }

    [Theory, InlineData("Sqlite"), InlineData("Postgres")]
    public async Task Agency_audience_on_a_shared_tenant_is_read_from_the_fresh_cache_and_from_Graph_once_stale(string provider)
    {
        _graph.AddUser(User("n1", "n1@nih.gov"));
        _graph.AddUser(new FakeUser { Id = "n2", UserPrincipalName = "n2@example.org", Mail = "n2@example.org", CompanyName = "National Institutes of Health" });
        _graph.AddUser(new FakeUser { Id = "n3", UserPrincipalName = "n3@nih.gov", Mail = "n3@nih.gov", AccountEnabled = false });
        _graph.AddUser(User("g1", "g1@gsa.gov"));
        _graph.AddUser(User("x1", "x1@example.org"));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await HarnessAsync(provider, time, new() { ["Directory:Sync:Interval"] = "00:30:00" });
        if (h is null) return;
        await h.Syncer.RunOnceAsync(Tenant, default);

        var requests = _graph.RequestCount;
        var fromCache = await h.Directory.ResolveAudienceAsync(AudienceSpec.Agencies("NIH"), default).ToListAsync();
        Assert.Equal(["n1", "n2"], fromCache.Select(u => u.ObjectId)); // the disabled account is skipped, as from Graph
        Assert.Equal(requests, _graph.RequestCount); // not one Graph call

        time.Advance(TimeSpan.FromMinutes(31)); // the next sync is due and may still be running: the cache still answers
        Assert.Equal(["n1", "n2"], (await h.Directory.ResolveAudienceAsync(AudienceSpec.Agencies("nih"), default).ToListAsync()).Select(u => u.ObjectId));
        Assert.Equal(requests, _graph.RequestCount);

        time.Advance(TimeSpan.FromMinutes(30)); // a whole sync missed: the cache may be behind Entra
        _graph.AddUser(User("n4", "n4@nih.gov"));
        var stale = await h.Directory.ResolveAudienceAsync(AudienceSpec.Agencies("nih"), default).ToListAsync();
        Assert.Equal(["n1", "n2", "n4"], stale.Select(u => u.ObjectId).Order());
        Assert.Contains(_graph.RequestLog.Skip(requests), r => r.StartsWith("GET /v1.0/users?", StringComparison.Ordinal));

        await h.Syncer.RunOnceAsync(Tenant, default);
        // An agency edit maps users differently: until the full pass it asks for, the cache is not used.
        var nih = (await h.Registry.FindAsync("nih", default))!;
        await h.Registry.UpsertAsync(nih with { EmailDomains = [.. nih.EmailDomains, "example.org"] }, default);
        requests = _graph.RequestCount;
        var edited = await h.Directory.ResolveAudienceAsync(AudienceSpec.Agencies("nih"), default).ToListAsync();
        Assert.Equal(["n1", "n2", "n4", "x1"], edited.Select(u => u.ObjectId).Order());
        Assert.NotEqual(requests, _graph.RequestCount);

        Assert.True((await h.Syncer.RunOnceAsync(Tenant, default)).FullPass);
        requests = _graph.RequestCount;
        var remapped = await h.Directory.ResolveAudienceAsync(AudienceSpec.Agencies("nih"), default).ToListAsync();
        Assert.Equal(["n1", "n2", "n4", "x1"], remapped.Select(u => u.ObjectId));
        Assert.Equal(requests, _graph.RequestCount);
    }

    [Theory, InlineData("Sqlite"), InlineData("Postgres")]
    public async Task Overlapping_groups_yield_each_member_once_with_the_seen_ids_in_the_database_not_in_memory(string provider)
    {
        const string evens = "group-evens", thirds = "group-thirds";
        _graph.AddGroup(evens);
        _graph.AddGroup(thirds);
        _graph.SyntheticCount = 2_500;
        _graph.Synthetic = i => new FakeUser
        {
            Id = $"m{i:D5}", UserPrincipalName = $"m{i}@gsa.gov", Mail = $"m{i}@gsa.gov",
            MemberOf = [.. i % 2 == 0 ? new[] { evens } : [], .. i % 3 == 0 ? new[] { thirds } : []],
        };
        var expected = Enumerable.Range(0, 2_500).Where(i => i % 2 == 0 || i % 3 == 0).Select(i => $"m{i:D5}").ToList();
        await using var h = await HarnessAsync(provider, TimeProvider.System);
        if (h is null) return;
        var db = h.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>();

        var ids = new List<string>();
        var stagedAtTheEnd = 0;
        await foreach (var u in h.Directory.ResolveAudienceAsync(AudienceSpec.Groups(evens, thirds), default))
        {
            ids.Add(u.ObjectId);
            if (ids.Count == expected.Count)
            {
                await using var context = await db.CreateDbContextAsync();
                stagedAtTheEnd = await context.Set<AudienceMemberRecord>().CountAsync();
            }
        }

        Assert.Equal(expected, ids.Order());
        Assert.Equal(expected.Count, stagedAtTheEnd);
        await using (var context = await db.CreateDbContextAsync())
            Assert.Equal(0, await context.Set<AudienceMemberRecord>().CountAsync()); // forgotten once the audience is read
        Assert.Equal(3, _graph.RequestLog.Count(r => r.Contains("/transitiveMembers/", StringComparison.Ordinal))); // 1,250 + 834 members in pages of 999
    }

    [Fact]
    public async Task Multi_group_audience_yields_the_first_page_before_the_next_one_exists()
    {
        await using var h = await DirectoryHarness.FileAsync();
        var secondPageAllowed = new TaskCompletionSource();
        async IAsyncEnumerable<IReadOnlyList<SourceUser>> First()
        {
            yield return [new SourceUser { Id = "a", Mail = "a@gsa.gov" }, new SourceUser { Id = "b", Mail = "b@nasa.gov" }];
            await secondPageAllowed.Task;
            yield return [new SourceUser { Id = "c", Mail = "c@nih.gov" }];
        }
        async IAsyncEnumerable<IReadOnlyList<SourceUser>> Second()
        {
            await Task.Yield();
            yield return [new SourceUser { Id = "b", Mail = "b@nasa.gov" }, new SourceUser { Id = "d", Mail = "d@gsa.gov" }];
        }
        var source = new Mock<IDirectorySource>();
        source.Setup(s => s.GetGroupMembersAsync(Tenant, "g1", It.IsAny<CancellationToken>())).Returns(First());
        source.Setup(s => s.GetGroupMembersAsync(Tenant, "g2", It.IsAny<CancellationToken>())).Returns(Second());
        var directory = new AgencyDirectory(source.Object, h.Services.GetRequiredService<IAgencySnapshotSource>(), h.Services.GetRequiredService<IDirectoryCache>(),
            h.Services.GetRequiredService<AudienceStaging>(), h.Services.GetRequiredService<IOptions<DirectoryOptions>>(), TimeProvider.System, NullLogger<AgencyDirectory>.Instance);

        await using var audience = directory.ResolveAudienceAsync(AudienceSpec.Groups("g1", "g2") with { TenantId = Tenant }, default).GetAsyncEnumerator();
        var first = audience.MoveNextAsync().AsTask();
        Assert.Same(first, await Task.WhenAny(first, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Equal("a", audience.Current.ObjectId);
        Assert.True(await audience.MoveNextAsync());
        secondPageAllowed.SetResult();
        var rest = new List<string> { audience.Current.ObjectId };
        while (await audience.MoveNextAsync()) rest.Add(audience.Current.ObjectId);
        Assert.Equal(["b", "c", "d"], rest);
    }

    [Fact]
    public async Task Graph_clients_are_bounded_per_tenant_and_an_evicted_client_is_disposed_only_after_its_last_use()
    {
        await using var h = await DirectoryHarness.GraphAsync(_graph, new() { ["Graph:MaxTenantClients"] = "2" });
        var clients = h.Services.GetRequiredService<GraphClients>();

        var first = clients.Rent("tenant-a");
        using (clients.Rent("tenant-b")) { }
        using (clients.Rent("tenant-c")) { } // evicts tenant-a, the least recently rented, while it is still in use
        Assert.Equal(2, clients.Count);
        Assert.NotNull(await first.Client.Users.GetAsync()); // still usable by its caller
        var evicted = first.Client;
        first.Dispose();
        await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => evicted.Users.GetAsync());

        using (clients.Rent("tenant-a")) { } // a new client (and credential) for tenant-a
        Assert.Equal(2, h.Credentials.Tenants.Count(t => t == "tenant-a"));
        Assert.Equal(2, clients.Count);
    }

    [Fact]
    public void Graph_MaxTenantClients_below_one_is_a_configuration_error()
    {
        var validator = new DirectoryOptionsValidator(Options.Create(new GraphOptions { TenantId = "t", ClientId = "c", ClientSecret = "s", MaxTenantClients = 0 }),
            Options.Create(new WorkloadIdentityOptions()), new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { ContentRootPath = AppContext.BaseDirectory });

        var result = validator.Validate(null, new DirectoryOptions { Source = DirectoryOptions.SourceGraph });

        Assert.Contains("Graph:MaxTenantClients must be at least 1 (was 0).", result.Failures!);
    }
}
