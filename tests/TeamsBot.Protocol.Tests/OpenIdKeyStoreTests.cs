using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TeamsBot.Protocol.Auth;
using TeamsBot.Testing;

namespace TeamsBot.Protocol.Tests;

public class OpenIdKeyStoreTests : IAsyncLifetime
{
    private FakeChannelIssuer _issuer = null!;
    private readonly FakeTimeProvider _time = new();

    public async Task InitializeAsync() => _issuer = await FakeChannelIssuer.StartAsync();
    public async Task DisposeAsync() => await _issuer.DisposeAsync();

    [Fact]
    public async Task Keys_are_cached_refetched_for_an_unknown_kid_at_most_every_30_seconds_and_carry_endorsements()
    {
        var store = new OpenIdKeyStore(new HttpClient(), _issuer.MetadataUrl, _time, NullLogger.Instance);

        var key = await store.GetKeyAsync("channel-key-1", default);
        Assert.NotNull(key);
        Assert.Contains("msteams", key.Endorsements);
        Assert.DoesNotContain("msteams", (await store.GetKeyAsync("channel-key-unendorsed", default))!.Endorsements);
        Assert.Equal(1, _issuer.JwksFetches);

        var rotated = _issuer.RotateKey();
        Assert.Null(await store.GetKeyAsync(rotated, default)); // too soon: a forged kid cannot make us hammer the issuer
        Assert.Equal(1, _issuer.JwksFetches);

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.NotNull(await store.GetKeyAsync(rotated, default));
        Assert.Equal(2, _issuer.JwksFetches);
        Assert.NotNull(await store.GetKeyAsync("channel-key-1", default));
        Assert.Equal(2, _issuer.JwksFetches);

        _time.Advance(TimeSpan.FromHours(25)); // cache expired: refreshed on next use
        Assert.NotNull(await store.GetKeyAsync("channel-key-1", default));
        Assert.Equal(3, _issuer.JwksFetches);
    }

    [Fact]
    public async Task An_unreachable_issuer_yields_no_key_rather_than_an_exception()
    {
        var store = new OpenIdKeyStore(new HttpClient(), "http://127.0.0.1:9/v1/.well-known/openidconfiguration", _time, NullLogger.Instance);
        Assert.Null(await store.GetKeyAsync("channel-key-1", default));
    }

    [Theory]
    [InlineData("6A1F8A2E-3C4B-4D5E-8F90-123456789ABC")]
    [InlineData("{6a1f8a2e-3c4b-4d5e-8f90-123456789abc}")]
    [InlineData("6a1f8a2e3c4b4d5e8f90123456789abc")]
    public void Audience_accepts_the_canonical_app_id_whatever_form_it_was_configured_in(string configured)
    {
        var audiences = ChannelTokenValidator.Audiences(configured);
        Assert.Contains("6a1f8a2e-3c4b-4d5e-8f90-123456789abc", audiences);
        Assert.Contains("api://6a1f8a2e-3c4b-4d5e-8f90-123456789abc", audiences);
    }
}
