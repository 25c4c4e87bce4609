using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace TeamsBot.Agencies.Tests;

/// <summary>The rules and the directory around them, with the source, registry and cache mocked.</summary>
public sealed class AgencyRulesTests
{
    private const string Tenant = "tenant-shared";
    private const string NasaTenant = "tenant-nasa";

    private static readonly Agency[] Agencies =
    [
        new() { Id = "gsa", Name = "GSA", EmailDomains = ["gsa.gov"], CompanyNames = ["General Services Administration"] },
        new() { Id = "nasa", Name = "NASA", TenantIds = [NasaTenant], EmailDomains = ["nasa.gov"] },
        new() { Id = "afrl", Name = "AFRL", EmailDomains = ["afrl.af.mil"], Departments = ["Air Force Research Laboratory"], Divisions = ["AFRL"], MemberGroupIds = ["grp-afrl"] },
        new() { Id = "daf", Name = "Air Force", EmailDomains = ["us.af.mil"] },
    ];

    private readonly Mock<IDirectorySource> _source = new(MockBehavior.Strict);
    private readonly Mock<IDirectoryCache> _cache = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    private AgencyDirectory Directory(params string[] rules)
    {
        var snapshot = new Mock<IAgencySnapshotSource>();
        snapshot.Setup(s => s.GetSnapshotAsync(It.IsAny<CancellationToken>())).ReturnsAsync(new AgencySnapshot(Agencies));
        _source.SetupGet(s => s.DefaultTenantId).Returns(Tenant);
        var options = Options.Create(new DirectoryOptions { Rules = rules.Length > 0 ? rules : null });
        return new AgencyDirectory(_source.Object, snapshot.Object, _cache.Object,
            new AudienceStaging(Mock.Of<Microsoft.EntityFrameworkCore.IDbContextFactory<TeamsBot.Storage.TeamsBotDbContext>>(), _time), options, _time, NullLogger<AgencyDirectory>.Instance);
    }

    private void Returns(SourceUser user) =>
        _source.Setup(s => s.GetUserAsync(It.IsAny<string>(), user.Id, It.IsAny<CancellationToken>())).ReturnsAsync(user);

    [Fact]
    public async Task Tenant_rule_maps_an_agency_on_its_own_tenant_before_anything_else()
    {
        Returns(new SourceUser { Id = "u", Mail = "someone@gsa.gov" });
        var user = await Directory().ResolveAsync(new UserKey("u", NasaTenant), default);
        Assert.Equal(("nasa", AgencyRuleKind.Tenant), (user.AgencyId, user.MatchedBy));
    }

    [Fact]
    public async Task Attribute_rule_beats_the_shared_domain_and_rule_order_is_configurable()
    {
        var airman = new SourceUser { Id = "u", Mail = "pat@us.af.mil", Department = "Air Force Research Laboratory" };
        Returns(airman);
        Assert.Equal("afrl", (await Directory().ResolveAsync(new UserKey("u", Tenant), default)).AgencyId);
        Assert.Equal("daf", (await Directory(AgencyRuleKind.Domain, AgencyRuleKind.Attribute).ResolveAsync(new UserKey("u", Tenant), default)).AgencyId);
    }

    [Theory]
    [InlineData(null, null, "AFRL", "afrl")]
    [InlineData("General Services Administration", null, null, "gsa")]
    [InlineData(null, "Air Force Research Laboratory", null, "afrl")]
    [InlineData("general services administration ", null, null, "gsa")]
    public async Task Attribute_rule_reads_companyName_department_and_division(string? company, string? department, string? division, string expected)
    {
        Returns(new SourceUser { Id = "u", CompanyName = company, Department = department, Division = division });
        var user = await Directory().ResolveAsync(new UserKey("u", Tenant), default);
        Assert.Equal((expected, AgencyRuleKind.Attribute), (user.AgencyId, user.MatchedBy));
    }

    [Theory]
    [InlineData("a@gsa.gov", null, "gsa")]
    [InlineData(null, "a@GSA.GOV", "gsa")]
    [InlineData("a@rl.afrl.af.mil", null, "afrl")]
    [InlineData("a@notgsa.gov", null, "unassigned")]
    [InlineData(null, "a_nasa.gov#EXT#@gsa.onmicrosoft.com", "nasa")]
    public async Task Domain_rule_matches_mail_upn_subdomains_and_guest_home_domains(string? mail, string? upn, string expected)
    {
        Returns(new SourceUser { Id = "u", Mail = mail, UserPrincipalName = upn, UserType = upn?.Contains("#EXT#") == true ? "Guest" : "Member" });
        _source.Setup(s => s.GetGroupIdsAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<string>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Dictionary<string, IReadOnlySet<string>> { ["u"] = new HashSet<string>() });
        Assert.Equal(expected, (await Directory().ResolveAsync(new UserKey("u", Tenant), default)).AgencyId);
    }

    [Fact]
    public async Task Group_lookup_happens_only_when_earlier_rules_found_nothing()
    {
        Returns(new SourceUser { Id = "mapped", Mail = "a@gsa.gov" });
        Returns(new SourceUser { Id = "contractor", Mail = "b@contractor.example.com" });
        _source.Setup(s => s.GetGroupIdsAsync(Tenant, It.Is<IReadOnlyList<string>>(l => l.SequenceEqual(new[] { "contractor" })), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Dictionary<string, IReadOnlySet<string>> { ["contractor"] = new HashSet<string> { "grp-other", "grp-afrl" } });
        var directory = Directory();

        Assert.Equal("gsa", (await directory.ResolveAsync(new UserKey("mapped", Tenant), default)).AgencyId);
        _source.Verify(s => s.GetGroupIdsAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<string>>(), It.IsAny<CancellationToken>()), Times.Never);
        var contractor = await directory.ResolveAsync(new UserKey("contractor", Tenant), default);
        Assert.Equal(("afrl", AgencyRuleKind.Group), (contractor.AgencyId, contractor.MatchedBy));
        _source.Verify(s => s.GetGroupIdsAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<string>>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_page_asks_for_groups_once_for_all_its_unmapped_users()
    {
        var page = new[]
        {
            new SourceUser { Id = "1", Mail = "a@gsa.gov" },
            new SourceUser { Id = "2", Mail = "b@x.example" },
            new SourceUser { Id = "3", Mail = "c@y.example" },
        };
        _source.Setup(s => s.GetGroupIdsAsync(Tenant, It.Is<IReadOnlyList<string>>(l => l.SequenceEqual(new[] { "2", "3" })), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Dictionary<string, IReadOnlySet<string>> { ["2"] = new HashSet<string> { "grp-afrl" }, ["3"] = new HashSet<string>() });

        var records = await Directory().MapPageAsync(page, Tenant, default);

        Assert.Equal(["gsa", "afrl", "unassigned"], records.Select(r => r.AgencyId));
        _source.Verify(s => s.GetGroupIdsAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<string>>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Without_the_group_rule_groups_are_never_fetched()
    {
        Returns(new SourceUser { Id = "u", Mail = "b@contractor.example.com" });
        var user = await Directory(AgencyRuleKind.Tenant, AgencyRuleKind.Domain).ResolveAsync(new UserKey("u", Tenant), default);
        Assert.True(user.IsUnassigned);
        _source.Verify(s => s.GetGroupIdsAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<string>>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_failing_source_never_throws_it_maps_what_the_activity_carries()
    {
        _source.Setup(s => s.GetUserAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(new HttpRequestException("down"));
        var directory = Directory();

        var byUpn = await directory.ResolveAsync(new UserKey("u", Tenant, "x@nasa.gov"), default);
        var unknown = await directory.ResolveAsync(new UserKey("v", Tenant), default);
        var empty = await directory.ResolveAsync(new UserKey("", ""), default);

        Assert.Equal("nasa", byUpn.AgencyId);
        Assert.True(unknown.IsUnassigned);
        Assert.True(empty.IsUnassigned);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_swallowed()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        _source.Setup(s => s.GetUserAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(new OperationCanceledException(cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Directory().ResolveAsync(new UserKey("u", Tenant), cts.Token));
    }

    [Fact]
    public async Task Disabled_users_are_flagged()
    {
        Returns(new SourceUser { Id = "u", Mail = "a@gsa.gov", AccountEnabled = false });
        var user = await Directory().ResolveAsync(new UserKey("u", Tenant), default);
        Assert.Equal((true, "gsa"), (user.IsDisabled, user.AgencyId));
    }

    [Fact]
    public void Guest_home_address_is_decoded_from_the_ext_upn()
    {
        Assert.Equal("jane.doe@nasa.gov", AgencyRules.GuestHomeAddress("jane.doe_nasa.gov#EXT#@gsa.onmicrosoft.com"));
        Assert.Null(AgencyRules.GuestHomeAddress("jane.doe@nasa.gov"));
    }
}
