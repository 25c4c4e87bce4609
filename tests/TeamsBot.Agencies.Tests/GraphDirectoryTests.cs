using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Agencies.Tests.Fakes;
using TeamsBot.Testing;

namespace TeamsBot.Agencies.Tests;

/// <summary>The Graph source through the real Microsoft.Graph SDK against the local fake Graph.</summary>
public sealed class GraphDirectoryTests : IAsyncLifetime
{
    private const string Tenant = DirectoryHarness.SampleTenant;
    private const string AfrlGroup = "0af71000-0000-4000-8000-0000000af710";
    private const string SensorsGroup = "1ab51000-0000-4000-8000-000000001ab5";
    private FakeGraphServer _graph = null!;

    public async Task InitializeAsync()
    {
        _graph = await FakeGraphServer.StartAsync();
        _graph.AddGroup(AfrlGroup);
        _graph.AddGroup(SensorsGroup, AfrlGroup);
    }

    public async Task DisposeAsync() => await _graph.DisposeAsync();

    private static FakeUser User(string id, string upn, string? department = null, string? company = null, string? timeZone = "Eastern Standard Time") =>
        new() { Id = id, UserPrincipalName = upn, Mail = upn.Contains("#EXT#") ? null : upn, DisplayName = $"User {id}", Department = department, CompanyName = company, TimeZone = timeZone };

    [Fact]
    public async Task Batch_request_bodies_carry_Content_Length_and_are_never_chunked()
    {
        // Gateways and proxies on some government networks refuse chunked request bodies.
        _graph.AddUser(User("u1", "alex@irs.gov"));
        _graph.AddUser(User("u2", "sam@irs.gov"));
        await using var h = await DirectoryHarness.GraphAsync(_graph);

        await h.Directory.ResolveAsync(new UserKey("u1", Tenant), default);
        await h.Directory.ResolveAsync(new UserKey("u2", Tenant), default);

        var framed = _graph.BodyFraming.ToList();
        Assert.Equal(2, framed.Count(f => f.Request == "POST /v1.0/$batch"));
        Assert.All(framed, f =>
        {
            Assert.False(f.Chunked, $"{f.Request} was sent chunked");
            Assert.True(f.ContentLength > 0, $"{f.Request} had no Content-Length");
        });
    }

    [Fact]
    public async Task Resolves_agency_department_time_zone_and_name_with_selected_fields_in_one_batch()
    {
        _graph.AddUser(User("u1", "alex@irs.gov", department: "Taxpayer Services", timeZone: "Central Standard Time"));
        await using var h = await DirectoryHarness.GraphAsync(_graph);

        var user = await h.Directory.ResolveAsync(new UserKey("u1", Tenant), default);

        Assert.Equal(("treasury", "Taxpayer Services", "Central Standard Time", "User u1", AgencyRuleKind.Domain),
            (user.AgencyId, user.Department, user.TimeZone, user.DisplayName, user.MatchedBy));
        Assert.Equal(["POST /v1.0/$batch"], _graph.RequestLog);
        Assert.Equal(2, _graph.BatchStepCount); // the user ($select) and its mailbox time zone
        Assert.Empty(_graph.UnauthorizedLog);
        Assert.Contains($"{new Uri(_graph.BaseUrl).GetLeftPart(UriPartial.Authority)}/.default", h.Credentials.Scopes);
        Assert.Equal([Tenant], h.Credentials.Tenants);
    }

    [Fact]
    public async Task Deleted_user_answers_404_and_comes_back_flagged_not_as_an_exception()
    {
        await using var h = await DirectoryHarness.GraphAsync(_graph);

        var user = await h.Directory.ResolveAsync(new UserKey("gone", Tenant, "gone@nasa.gov"), default);

        Assert.True(user.IsDeleted);
        Assert.Equal("nasa", user.AgencyId); // the UPN from the activity still maps by domain
    }

    [Fact]
    public async Task A_user_not_found_yet_is_looked_up_again_after_minutes_not_after_the_cache_TTL()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await DirectoryHarness.GraphAsync(_graph, time: time);
        Assert.True((await h.Directory.ResolveAsync(new UserKey("new-hire", Tenant), default)).IsDeleted); // not replicated yet

        _graph.AddUser(new FakeUser { Id = "new-hire", UserPrincipalName = "new.hire@gsa.gov", Mail = "new.hire@gsa.gov" });
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.True((await h.Directory.ResolveAsync(new UserKey("new-hire", Tenant), default)).IsDeleted); // cached briefly
        time.Advance(TimeSpan.FromMinutes(4));
        var user = await h.Directory.ResolveAsync(new UserKey("new-hire", Tenant), default);
        Assert.Equal(("gsa", false), (user.AgencyId, user.IsDeleted));
    }

    [Fact]
    public async Task User_of_a_tenant_the_app_cannot_read_is_mapped_from_the_activity_without_calling_graph()
    {
        await using var h = await DirectoryHarness.GraphAsync(_graph);

        var user = await h.Directory.ResolveAsync(new UserKey("foreign", "99999999-0000-4000-8000-000000000000", "kim@treasury.gov"), default);
        var nasaTenant = await h.Directory.ResolveAsync(new UserKey("n", "7e57a5a0-0000-4000-8000-0000000a5a00"), default);

        Assert.Equal(("treasury", AgencyRuleKind.Domain), (user.AgencyId, user.MatchedBy));
        Assert.Equal("nasa", nasaTenant.AgencyId); // an agency's own tenant is read through Graph (here: 404, still mapped by tenant)
        Assert.Equal(["7e57a5a0-0000-4000-8000-0000000a5a00"], h.Credentials.Tenants);
        Assert.Single(_graph.RequestLog);
    }

    [Fact]
    public async Task Guest_is_flagged_and_mapped_by_home_domain_not_by_the_host_tenant()
    {
        _graph.AddUser(new FakeUser { Id = "g1", UserPrincipalName = "robin.patel_nasa.gov#EXT#@gsa.onmicrosoft.com", UserType = "Guest", DisplayName = "Robin" });
        await using var h = await DirectoryHarness.GraphAsync(_graph);
        await h.Registry.UpsertAsync((await h.Registry.FindAsync("gsa", default))! with { TenantIds = [Tenant] }, default);

        var user = await h.Directory.ResolveAsync(new UserKey("g1", Tenant), default);

        Assert.True(user.IsGuest);
        Assert.Equal("nasa", user.AgencyId);
        Assert.Null(user.TimeZone); // no mailbox: mailboxSettings answered 404, the lookup still succeeds
    }

    [Fact]
    public async Task Group_rule_uses_transitive_membership()
    {
        _graph.AddUser(new FakeUser { Id = "c1", UserPrincipalName = "taylor@contractor.example.com", Mail = "taylor@contractor.example.com", MemberOf = [SensorsGroup] });
        _graph.AddUser(new FakeUser { Id = "c2", UserPrincipalName = "dana@contractor.example.com", Mail = "dana@contractor.example.com" });
        await using var h = await DirectoryHarness.GraphAsync(_graph);

        var member = await h.Directory.ResolveAsync(new UserKey("c1", Tenant), default);
        var other = await h.Directory.ResolveAsync(new UserKey("c2", Tenant), default);

        Assert.Equal(("afrl", AgencyRuleKind.Group), (member.AgencyId, member.MatchedBy));
        Assert.True(other.IsUnassigned);
        Assert.Equal(Agency.UnassignedId, other.AgencyId);
    }

    [Fact]
    public async Task Coach_and_admin_roles_come_from_transitive_membership_of_the_registry_groups()
    {
        const string coaches = "6a1c0c5e-0000-4000-8000-00000000c0a1", admins = "6a1c0c5e-0000-4000-8000-00000000ad01", nested = "nested-coaches";
        _graph.AddGroup(coaches);
        _graph.AddGroup(admins);
        _graph.AddGroup(nested, coaches);
        _graph.AddUser(new FakeUser { Id = "coach", UserPrincipalName = "coach@gsa.gov", MemberOf = [nested] });
        _graph.AddUser(new FakeUser { Id = "admin", UserPrincipalName = "admin@gsa.gov", MemberOf = [admins, coaches] });
        _graph.AddUser(new FakeUser { Id = "employee", UserPrincipalName = "e@gsa.gov" });
        await using var h = await DirectoryHarness.GraphAsync(_graph);
        var roles = h.Services.GetRequiredService<IDirectoryRoles>();

        var coach = await roles.GetRolesAsync(new UserKey("coach", Tenant), default);
        var admin = await roles.GetRolesAsync(new UserKey("admin", Tenant), default);
        var employee = await roles.GetRolesAsync(new UserKey("employee", Tenant), default);
        await roles.GetRolesAsync(new UserKey("coach", Tenant), default); // from memory
        _graph.ThrottleNextRequests(1000);
        _graph.RetryAfterSeconds = 0;
        var unreachable = await roles.GetRolesAsync(new UserKey("someone-else", Tenant), default);

        Assert.Equal((true, false, true), (coach.CanCoach("gsa"), coach.IsAdmin, coach.CanCoach("GSA")));
        Assert.Equal((true, true), (admin.CanCoach("gsa"), admin.CanAdminister("gsa")));
        Assert.Equal((false, false), (employee.IsCoach, employee.IsAdmin));
        Assert.Equal(DirectoryRoles.None, unreachable);
        Assert.Equal(3, _graph.BatchStepCount);
    }

    [Fact]
    public async Task Tenant_audience_streams_pages_of_999_following_nextLink()
    {
        _graph.SyntheticCount = 2_500;
        _graph.Synthetic = i => new FakeUser { Id = $"s{i}", UserPrincipalName = $"user{i}@gsa.gov", Mail = $"user{i}@gsa.gov", AccountEnabled = i % 500 != 7 };
        await using var h = await DirectoryHarness.GraphAsync(_graph);

        var ids = new List<string>();
        await foreach (var u in h.Directory.ResolveAudienceAsync(AudienceSpec.Tenant(), default))
        {
            Assert.Equal("gsa", u.AgencyId);
            ids.Add(u.ObjectId);
        }

        Assert.Equal(2_500 - 5, ids.Count); // 5 disabled accounts skipped
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var lists = _graph.RequestLog.Where(r => r.StartsWith("GET /v1.0/users", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, lists.Count);
        Assert.All(lists, r => Assert.Contains("$top=999", Uri.UnescapeDataString(r)));
        Assert.All(lists, r => Assert.Contains("$select=id,userPrincipalName,mail,displayName,companyName,department,employeeOrgData,userType,accountEnabled", Uri.UnescapeDataString(r)));
        Assert.Contains("$skiptoken=1998", lists[2]);

        var withDisabled = 0;
        await foreach (var _ in h.Directory.ResolveAudienceAsync(AudienceSpec.Tenant() with { IncludeDisabled = true }, default)) withDisabled++;
        Assert.Equal(2_500, withDisabled);
    }

    [Fact]
    public async Task Agency_audience_keeps_only_users_the_rules_map_to_those_agencies()
    {
        _graph.AddUser(User("n1", "n1@nih.gov"));
        _graph.AddUser(User("n2", "n2@example.org", company: "National Institutes of Health"));
        _graph.AddUser(User("g1", "g1@gsa.gov"));
        _graph.AddUser(new FakeUser { Id = "c1", UserPrincipalName = "c1@contractor.example.com", MemberOf = [SensorsGroup] });
        await using var h = await DirectoryHarness.GraphAsync(_graph);

        var nih = await h.Directory.ResolveAudienceAsync(AudienceSpec.Agencies("nih"), default).ToListAsync();
        var afrlAndGsa = await h.Directory.ResolveAudienceAsync(AudienceSpec.Agencies("afrl", "gsa"), default).ToListAsync();

        Assert.Equal(["n1", "n2"], nih.Select(u => u.ObjectId));
        Assert.Equal(["c1", "g1"], afrlAndGsa.Select(u => u.ObjectId).Order());
    }

    [Fact]
    public async Task Group_and_team_audiences_stream_transitive_members()
    {
        _graph.AddUser(new FakeUser { Id = "a1", UserPrincipalName = "a1@us.af.mil", Mail = "a1@us.af.mil", Department = "AFRL", MemberOf = [AfrlGroup] });
        _graph.AddUser(new FakeUser { Id = "a2", UserPrincipalName = "a2@contractor.example.com", Mail = "a2@contractor.example.com", MemberOf = [SensorsGroup] });
        _graph.AddUser(new FakeUser { Id = "a3", UserPrincipalName = "a3@gsa.gov", Mail = "a3@gsa.gov" });
        _graph.AddUser(new FakeUser { Id = "a4", UserPrincipalName = "a4_nasa.gov#EXT#@x.onmicrosoft.com", UserType = "Guest", MemberOf = [SensorsGroup] });
        await using var h = await DirectoryHarness.GraphAsync(_graph);

        var group = await h.Directory.ResolveAudienceAsync(AudienceSpec.Groups(AfrlGroup, SensorsGroup) with { IncludeGuests = true }, default).ToListAsync();
        var team = await h.Directory.ResolveAudienceAsync(AudienceSpec.Team(SensorsGroup), default).ToListAsync(); // guests are left out by default
        var missing = await h.Directory.ResolveAudienceAsync(AudienceSpec.Groups("no-such-group"), default).ToListAsync();

        Assert.Equal(["a1", "a2", "a4"], group.Select(u => u.ObjectId).Order());
        Assert.Equal(("afrl", "afrl"), (group.Single(u => u.ObjectId == "a2").AgencyId, group.Single(u => u.ObjectId == "a1").AgencyId));
        Assert.Equal(["a2"], team.Select(u => u.ObjectId));
        Assert.Empty(missing);
        Assert.Contains(_graph.RequestLog, r => r.Contains("/groups/" + AfrlGroup + "/transitiveMembers/graph.user"));
    }

    [Fact]
    public async Task Explicit_list_is_looked_up_in_batches_of_at_most_20_and_reports_deleted_users()
    {
        for (var i = 0; i < 44; i++) _graph.AddUser(User($"e{i}", $"e{i}@nih.gov"));
        await using var h = await DirectoryHarness.GraphAsync(_graph);
        var keys = Enumerable.Range(0, 44).Select(i => i % 2 == 0 ? $"e{i}" : $"e{i}@nih.gov").Append("deleted-user").ToList();

        var users = await h.Directory.ResolveAudienceAsync(AudienceSpec.Users(keys), default).ToListAsync();

        Assert.Equal(45, users.Count);
        Assert.All(users.Where(u => !u.IsDeleted), u => Assert.Equal(("nih", "Eastern Standard Time"), (u.AgencyId, u.TimeZone)));
        Assert.Equal("deleted-user", users.Single(u => u.IsDeleted).ObjectId);
        // 45 users x 2 steps = 90 steps: 5 $batch requests (the fake rejects more than 20 steps).
        Assert.Equal(5, _graph.RequestLog.Count(r => r == "POST /v1.0/$batch"));
        Assert.Equal(90, _graph.BatchStepCount);
    }

    [Fact]
    public async Task Throttled_requests_are_retried_after_Retry_After_by_the_sdk()
    {
        _graph.SyntheticCount = 1_200;
        _graph.Synthetic = i => new FakeUser { Id = $"s{i}", UserPrincipalName = $"u{i}@nasa.gov", Mail = $"u{i}@nasa.gov" };
        await using var h = await DirectoryHarness.GraphAsync(_graph);
        _graph.ThrottleNextRequests(2);

        var clock = Stopwatch.StartNew();
        var count = 0;
        await foreach (var _ in h.Directory.ResolveAudienceAsync(AudienceSpec.Tenant(), default)) count++;

        Assert.Equal(1_200, count);
        Assert.Equal(2 + 2, _graph.RequestCount); // two 429s, then two pages
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"waited {clock.Elapsed} instead of Retry-After");
    }

    [Fact]
    public async Task Throttled_batch_steps_are_sent_again()
    {
        _graph.AddUser(User("t1", "t1@gsa.gov"));
        await using var h = await DirectoryHarness.GraphAsync(_graph);
        _graph.ThrottleNextBatchSteps(1);

        var user = await h.Directory.ResolveAsync(new UserKey("t1", Tenant), default);

        Assert.Equal(("gsa", false), (user.AgencyId, user.IsDeleted));
        Assert.Equal(2, _graph.RequestLog.Count(r => r == "POST /v1.0/$batch"));
        Assert.Equal(3, _graph.BatchStepCount);
    }

    [Fact]
    public async Task Delta_sync_runs_a_full_pass_then_applies_only_changes_and_removals()
    {
        for (var i = 0; i < 5; i++) _graph.AddUser(User($"d{i}", $"d{i}@gsa.gov"));
        _graph.DeltaPageSize = 2;
        await using var h = await DirectoryHarness.GraphAsync(_graph, new() { ["Directory:CacheTtl"] = "1.00:00:00" });

        var first = await h.Syncer.RunOnceAsync(Tenant, default);
        Assert.Equal((true, 5, 0, 3), (first.FullPass, first.Changed, first.Removed, first.Pages));

        _graph.UpdateUser("d1", u => { u.Mail = "d1@nasa.gov"; u.UserPrincipalName = "d1@nasa.gov"; });
        _graph.DeleteUser("d2");
        _graph.AddUser(User("d5", "d5@nih.gov"));
        var before = _graph.RequestCount;
        var second = await h.Syncer.RunOnceAsync(Tenant, default);

        Assert.Equal((false, 2, 1), (second.FullPass, second.Changed, second.Removed));
        Assert.Contains("$deltatoken=", _graph.RequestLog.Skip(before).First());
        _graph.ThrottleNextRequests(100); // from here on only the cache can answer
        Assert.Equal("nasa", (await h.Directory.ResolveAsync(new UserKey("d1", Tenant), default)).AgencyId);
        Assert.True((await h.Directory.ResolveAsync(new UserKey("d2", Tenant), default)).IsDeleted);
        Assert.Equal("nih", (await h.Directory.ResolveAsync(new UserKey("d5", Tenant), default)).AgencyId);
        Assert.Equal("gsa", (await h.Directory.ResolveAsync(new UserKey("d0", Tenant), default)).AgencyId);
        _graph.ThrottleNextRequests(0);

        var third = await h.Syncer.RunOnceAsync(Tenant, default);
        Assert.Equal((false, 0, 0), (third.FullPass, third.Changed, third.Removed));
    }

    [Fact]
    public async Task Expired_delta_link_restarts_with_a_full_pass()
    {
        for (var i = 0; i < 3; i++) _graph.AddUser(User($"x{i}", $"x{i}@gsa.gov"));
        await using var h = await DirectoryHarness.GraphAsync(_graph);
        await h.Syncer.RunOnceAsync(Tenant, default);
        _graph.ExpireDeltaTokens();

        var again = await h.Syncer.RunOnceAsync(Tenant, default);

        Assert.Equal((true, 3), (again.FullPass, again.Changed));
    }

    [Fact]
    public async Task Graph_outage_serves_the_stale_cache_entry()
    {
        _graph.AddUser(User("o1", "o1@gsa.gov"));
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await DirectoryHarness.GraphAsync(_graph, new() { ["Directory:CacheTtl"] = "01:00:00" }, time);
        await h.Directory.ResolveAsync(new UserKey("o1", Tenant), default);
        time.Advance(TimeSpan.FromHours(2));
        _graph.UpdateUser("o1", u => u.Mail = "o1@nasa.gov");
        _graph.RetryAfterSeconds = 0;
        _graph.ThrottleNextRequests(1000);

        var user = await h.Directory.ResolveAsync(new UserKey("o1", Tenant), default);

        Assert.Equal("gsa", user.AgencyId);
    }
}

internal static class AsyncEnumerableTestExtensions
{
    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source) list.Add(item);
        return list;
    }
}
