using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using TeamsBot.Agencies.Tests.Fakes;

namespace TeamsBot.Agencies.Tests;

/// <summary>The default configuration: the shipped sample registry and directory file.</summary>
public sealed class FileDirectoryTests
{
    private const string Tenant = DirectoryHarness.SampleTenant;
    private static string Id(int n) => $"00000000-0000-4000-8000-{n:x12}";

    [Theory]
    [InlineData(1, "gsa", "Domain")]
    [InlineData(3, "nih", "Attribute")]
    [InlineData(4, "treasury", "Domain")]
    [InlineData(5, "afrl", "Attribute")]
    [InlineData(6, "afrl", "Group")]       // nested group in the file
    [InlineData(7, "daf", "Domain")]
    [InlineData(8, "nasa", "Domain")]      // guest with a nasa.gov home
    [InlineData(10, "unassigned", "None")]
    [InlineData(11, "doe-labs", "Attribute")]
    public async Task Sample_json_directory_maps_each_user(int n, string agency, string rule)
    {
        await using var h = await DirectoryHarness.FileAsync();
        var user = await h.Directory.ResolveAsync(new UserKey(Id(n), Tenant), default);
        Assert.Equal((agency, rule), (user.AgencyId, user.MatchedBy));
    }

    [Fact]
    public async Task Sample_user_on_the_nasa_tenant_maps_by_tenant_with_time_zone_and_name()
    {
        await using var h = await DirectoryHarness.FileAsync();
        var user = await h.Directory.ResolveAsync(new UserKey(Id(2), "7e57a5a0-0000-4000-8000-0000000a5a00"), default);
        Assert.Equal(("nasa", "Tenant", "Eastern Standard Time", "Sam Chen", "Goddard Space Flight Center"),
            (user.AgencyId, user.MatchedBy, user.TimeZone, user.DisplayName, user.Department));
    }

    [Fact]
    public async Task Sample_flags_guests_and_disabled_users_and_unknown_users_are_deleted()
    {
        await using var h = await DirectoryHarness.FileAsync();
        Assert.True((await h.Directory.ResolveAsync(new UserKey(Id(8), Tenant), default)).IsGuest);
        Assert.True((await h.Directory.ResolveAsync(new UserKey(Id(9), Tenant), default)).IsDisabled);
        Assert.True((await h.Directory.ResolveAsync(new UserKey("not-in-file", Tenant), default)).IsDeleted);
        Assert.Equal("gsa", (await h.Directory.ResolveAsync(new UserKey("", Tenant, "alex.rivera@gsa.gov"), default)).AgencyId);
    }

    [Fact]
    public async Task Csv_directory_works_through_the_same_interface()
    {
        await using var h = await DirectoryHarness.FileAsync(new() { ["Directory:File"] = "Agencies/Data/directory.csv" });
        var guest = await h.Directory.ResolveAsync(new UserKey(Id(8), Tenant), default);
        Assert.Equal(("nasa", true, "Patel, Robin (NASA)"), (guest.AgencyId, guest.IsGuest, guest.DisplayName));
        Assert.Equal("afrl", (await h.Directory.ResolveAsync(new UserKey(Id(6), Tenant), default)).AgencyId);
        Assert.True((await h.Directory.ResolveAsync(new UserKey(Id(9), Tenant), default)).IsDisabled);
    }

    [Fact]
    public async Task File_audiences_cover_tenant_agencies_groups_and_lists()
    {
        await using var h = await DirectoryHarness.FileAsync();
        var tenant = await h.Directory.ResolveAudienceAsync(AudienceSpec.Tenant(Tenant) with { IncludeGuests = true }, default).ToListAsync();
        var tenantWithoutGuests = await h.Directory.ResolveAudienceAsync(AudienceSpec.Tenant(Tenant), default).ToListAsync();
        var afrl = await h.Directory.ResolveAudienceAsync(AudienceSpec.Agencies("afrl"), default).ToListAsync();
        var group = await h.Directory.ResolveAudienceAsync(AudienceSpec.Groups("0af71000-0000-4000-8000-0000000af710"), default).ToListAsync();
        var list = await h.Directory.ResolveAudienceAsync(AudienceSpec.Users(["jordan.lee@irs.gov", Id(1), "nobody@gsa.gov"]), default).ToListAsync();

        Assert.Equal(11, tenant.Count); // 13 users: one on the NASA tenant, one disabled
        Assert.Equal(10, tenantWithoutGuests.Count); // the sample's one guest is left out by default
        Assert.Equal([Id(5), Id(6)], afrl.Select(u => u.ObjectId).Order());
        Assert.Equal([Id(6)], group.Select(u => u.ObjectId));
        Assert.Equal(["treasury", "gsa", "gsa"], list.Select(u => u.AgencyId));
        Assert.True(list[2].IsDeleted);
    }

    [Fact]
    public async Task Cached_user_is_served_until_the_ttl_expires()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero));
        await using var h = await DirectoryHarness.FileAsync(new() { ["Directory:CacheTtl"] = "01:00:00" }, time);
        var source = new Mock<IDirectorySource>();
        source.SetupGet(s => s.DefaultTenantId).Returns(Tenant);
        source.Setup(s => s.GetUserAsync(Tenant, "u", It.IsAny<CancellationToken>())).ReturnsAsync(new SourceUser { Id = "u", Mail = "a@gsa.gov" });
        var directory = new AgencyDirectory(source.Object, h.Services.GetRequiredService<IAgencySnapshotSource>(), h.Services.GetRequiredService<IDirectoryCache>(),
            h.Services.GetRequiredService<AudienceStaging>(), h.Services.GetRequiredService<IOptions<DirectoryOptions>>(), time, Microsoft.Extensions.Logging.Abstractions.NullLogger<AgencyDirectory>.Instance);

        await directory.ResolveAsync(new UserKey("u", Tenant), default);
        time.Advance(TimeSpan.FromMinutes(59));
        source.Setup(s => s.GetUserAsync(Tenant, "u", It.IsAny<CancellationToken>())).ReturnsAsync(new SourceUser { Id = "u", Mail = "a@nasa.gov" });
        Assert.Equal("gsa", (await directory.ResolveAsync(new UserKey("u", Tenant), default)).AgencyId);
        source.Verify(s => s.GetUserAsync(Tenant, "u", It.IsAny<CancellationToken>()), Times.Once);

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("nasa", (await directory.ResolveAsync(new UserKey("u", Tenant), default)).AgencyId);
        source.Verify(s => s.GetUserAsync(Tenant, "u", It.IsAny<CancellationToken>()), Times.Exactly(2));
    }
}

public sealed class AgencyRegistryTests
{
    [Fact]
    public async Task Registry_is_seeded_from_the_sample_with_real_agencies_and_domains()
    {
        await using var h = await DirectoryHarness.FileAsync();
        var agencies = await h.Registry.ListAsync(default);
        foreach (var (id, domain) in new[] { ("gsa", "gsa.gov"), ("nasa", "nasa.gov"), ("nih", "nih.gov"), ("treasury", "treasury.gov"), ("afrl", "afrl.af.mil") })
            Assert.Contains(domain, agencies.Single(a => a.Id == id).EmailDomains);
    }

    [Fact]
    public async Task Edits_are_stored_and_change_resolution_at_once()
    {
        await using var h = await DirectoryHarness.FileAsync();
        var contractor = new UserKey("00000000-0000-4000-8000-00000000000a", DirectoryHarness.SampleTenant);
        Assert.True((await h.Directory.ResolveAsync(contractor, default)).IsUnassigned);

        await h.Registry.UpsertAsync(new Agency { Id = "ED", Name = "Department of Education", EmailDomains = ["contractor.example.com"] }, default);
        await using (var db = await h.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<TeamsBot.Storage.TeamsBotDbContext>>().CreateDbContextAsync())
            await db.Database.ExecuteSqlRawAsync("DELETE FROM directory_users");

        Assert.Equal("ed", (await h.Directory.ResolveAsync(contractor, default)).AgencyId);
        Assert.True(await h.Registry.RemoveAsync("ed", default));
        Assert.Null(await h.Registry.FindAsync("ed", default));
        await Assert.ThrowsAsync<ArgumentException>(() => h.Registry.UpsertAsync(new Agency { Id = "bad id", Name = "" }, default));
    }

    [Fact]
    public async Task Entitlement_windows_open_and_close_with_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var h = await DirectoryHarness.FileAsync(time: time);
        var start = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);
        await h.Registry.SetEntitlementAsync("nih", new EntitlementWindow("advanced-voice", start, start.AddDays(60)), default);

        Assert.False(await h.Registry.IsEntitledAsync("nih", "advanced-voice", default));
        time.SetUtcNow(start.AddDays(59));
        Assert.True(await h.Registry.IsEntitledAsync("nih", "advanced-voice", default));
        time.SetUtcNow(start.AddDays(60));
        Assert.False(await h.Registry.IsEntitledAsync("nih", "advanced-voice", default));
        Assert.Contains((await h.Registry.FindAsync("nih", default))!.Entitlements, w => w.Feature == "deep-research"); // other windows kept
    }
}
