using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using TeamsBot.Agencies.Tests.Fakes;

namespace TeamsBot.Agencies.Tests;

public sealed class StreamingAndSyncTests
{
    private const string Tenant = DirectoryHarness.SampleTenant;

    private static AgencyDirectory Directory(DirectoryHarness h, IDirectorySource source) =>
        new(source, h.Services.GetRequiredService<IAgencySnapshotSource>(), h.Services.GetRequiredService<IDirectoryCache>(),
            h.Services.GetRequiredService<AudienceStaging>(), h.Services.GetRequiredService<IOptions<DirectoryOptions>>(), TimeProvider.System, NullLogger<AgencyDirectory>.Instance);

    [Fact]
    public async Task Audience_yields_the_first_page_before_the_source_has_produced_the_next()
    {
        await using var h = await DirectoryHarness.FileAsync();
        var secondPageAllowed = new TaskCompletionSource();
        async IAsyncEnumerable<IReadOnlyList<SourceUser>> Pages()
        {
            yield return [new SourceUser { Id = "p1", Mail = "a@gsa.gov" }];
            await secondPageAllowed.Task; // the source is still paging
            yield return [new SourceUser { Id = "p2", Mail = "b@nasa.gov" }];
        }
        var source = new Mock<IDirectorySource>();
        source.Setup(s => s.GetTenantUsersAsync(Tenant, It.IsAny<CancellationToken>())).Returns(Pages());

        await using var audience = Directory(h, source.Object).ResolveAudienceAsync(AudienceSpec.Tenant(Tenant), default).GetAsyncEnumerator();
        var first = audience.MoveNextAsync().AsTask();
        Assert.Same(first, await Task.WhenAny(first, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Equal(("p1", "gsa"), (audience.Current.ObjectId, audience.Current.AgencyId));
        secondPageAllowed.SetResult();
        Assert.True(await audience.MoveNextAsync());
        Assert.Equal(("p2", "nasa"), (audience.Current.ObjectId, audience.Current.AgencyId));
        Assert.False(await audience.MoveNextAsync());
    }

    [Fact]
    public async Task Incremental_delta_with_only_changed_properties_keeps_the_rest_from_the_cache()
    {
        await using var h = await DirectoryHarness.FileAsync();
        var source = new Mock<IDirectorySource>();
        source.SetupGet(s => s.DefaultTenantId).Returns(Tenant);
        source.Setup(s => s.GetDeltaPageAsync(Tenant, null, It.IsAny<CancellationToken>())).ReturnsAsync(new DeltaPage(
            [DeltaUser.Complete(new SourceUser { Id = "m1", Mail = "pat@us.af.mil", UserPrincipalName = "pat@us.af.mil", Department = "Air Mobility Command", AccountEnabled = true })], [], null, "delta-1"));
        // Graph may send only what changed: here the department (and no mail).
        source.Setup(s => s.GetDeltaPageAsync(Tenant, "delta-1", It.IsAny<CancellationToken>())).ReturnsAsync(new DeltaPage(
            [new DeltaUser(new SourceUser { Id = "m1", Department = "Air Force Research Laboratory" }, DeltaProperties.Department)], [], null, "delta-2"));
        source.Setup(s => s.GetDeltaPageAsync(Tenant, "delta-2", It.IsAny<CancellationToken>())).ReturnsAsync(new DeltaPage(
            [new DeltaUser(new SourceUser { Id = "m1", Department = "Air Mobility Command" }, DeltaProperties.Department)], [], null, "delta-3"));
        var cache = h.Services.GetRequiredService<IDirectoryCache>();
        var syncer = new DirectorySyncer(source.Object, Directory(h, source.Object), cache, TimeProvider.System, NullLogger<DirectorySyncer>.Instance);

        await syncer.RunOnceAsync(Tenant, default);
        Assert.Equal("daf", (await cache.FindAsync("m1", default))!.AgencyId);
        await syncer.RunOnceAsync(Tenant, default);
        Assert.Equal("afrl", (await cache.FindAsync("m1", default))!.AgencyId);
        await syncer.RunOnceAsync(Tenant, default);
        var back = await cache.FindAsync("m1", default);
        Assert.Equal(("daf", "pat@us.af.mil"), (back!.AgencyId, back.Mail));
    }

    [Fact]
    public async Task Concurrent_first_lookups_of_the_same_user_all_get_stored_without_errors()
    {
        await using var h = await DirectoryHarness.FileAsync();
        var cache = h.Services.GetRequiredService<IDirectoryCache>();
        var now = DateTimeOffset.UtcNow;

        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => cache.StoreAsync(
            [new DirectoryUserRecord { ObjectId = "same", TenantId = Tenant, AgencyId = "gsa", MatchedBy = AgencyRuleKind.Domain, Department = $"d{i}", ResolvedAt = now }], default))));

        Assert.StartsWith("d", (await cache.FindAsync("same", default))!.Department);
    }
}
