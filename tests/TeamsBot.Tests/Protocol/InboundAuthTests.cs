using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using TeamsBot.Conversations;
using TeamsBot.Storage;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Protocol;

/// <summary>Every inbound token case of the Bot Framework authentication spec, over real HTTP.</summary>
public class InboundAuthTests : IAsyncLifetime
{
    private AuthenticatedBot _env = null!;

    public async Task InitializeAsync() => _env = await AuthenticatedBot.StartAsync(new Dictionary<string, string?>
    {
        ["Bot:AllowedTenants"] = $"{TestActivities.TenantId},22222222-2222-2222-2222-222222222222",
    });

    public async Task DisposeAsync() => await _env.DisposeAsync();

    private Task<HttpResponseMessage> SendHelp(string? token, string? serviceUrl = null, string tenant = TestActivities.TenantId) =>
        _env.Bot.SendAsync(TestActivities.Message(serviceUrl ?? _env.Connector.ServiceUrl, "help") is var a
            ? a with { Conversation = a.Conversation! with { TenantId = tenant }, ChannelData = a.ChannelData! with { Tenant = new() { Id = tenant } } }
            : a, token);

    private async Task AssertNothingProcessedAsync()
    {
        await Task.Delay(150);
        Assert.Empty(_env.Connector.Requests);
        var db = await _env.Bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync();
        Assert.Equal(0, await db.Set<ConversationRecord>().CountAsync());
    }

    [Fact]
    public async Task Health_probes_never_run_channel_token_validation()
    {
        // ASP.NET Core makes a lone authentication scheme the default; the channel's must not be, or every probe would be
        // "authenticated" against the channel's keys and logged as a rejected activity.
        var schemes = _env.Bot.Services.GetRequiredService<Microsoft.AspNetCore.Authentication.IAuthenticationSchemeProvider>();
        Assert.Null(await schemes.GetDefaultAuthenticateSchemeAsync());
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await _env.Bot.Http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Valid_token_is_accepted_and_the_reply_carries_the_connector_bearer_token()
    {
        var response = await SendHelp(_env.Token());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sends = await _env.Connector.WaitForSendsAsync(1);
        var reply = sends.Single(r => r.IsSend);
        Assert.Equal($"Bearer {_env.Tokens.LastToken}", reply.Authorization);
        Assert.Contains("What I can do", reply.VisibleText);

        var tokenRequest = Assert.Single(_env.Tokens.Requests);
        Assert.Equal("client_credentials", tokenRequest["grant_type"]);
        Assert.Equal(AuthenticatedBot.AppId, tokenRequest["client_id"]);
        Assert.Equal("https://api.botframework.com/.default", tokenRequest["scope"]);
    }

    [Fact]
    public async Task The_connector_token_is_cached_across_replies()
    {
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await SendHelp(_env.Token())).StatusCode);
        await _env.Connector.WaitForSendsAsync(3);
        Assert.Single(_env.Tokens.Requests);
    }

    public static TheoryData<string, Func<ChannelTokenSpec, ChannelTokenSpec>> Rejected => new()
    {
        { "wrong issuer", s => s with { Issuer = "https://sts.windows.net/evil/" } },
        { "US Gov issuer on a public-cloud bot", s => s with { Issuer = "https://api.botframework.us" } },
        { "wrong audience", s => s with { Audience = "00000000-0000-0000-0000-000000000000" } },
        { "expired beyond the 5 minute skew", s => s with { ExpiresIn = TimeSpan.FromMinutes(-6), NotBeforeOffset = TimeSpan.FromMinutes(-70) } },
        { "not valid yet beyond the skew", s => s with { NotBeforeOffset = TimeSpan.FromMinutes(10), ExpiresIn = TimeSpan.FromMinutes(70) } },
        { "key not in the JWKS", s => s with { SignWithUnknownKey = true } },
        { "serviceurl claim for another service", s => s with { ServiceUrl = "https://smba.trafficmanager.net/amer/" } },
        { "no serviceurl claim", s => s with { IncludeServiceUrl = false } },
        { "PS256 is not an allowed algorithm", s => s with { Algorithm = SecurityAlgorithms.RsaSsaPssSha256 } },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public async Task Invalid_tokens_get_401_with_no_detail_and_nothing_is_processed(string because, Func<ChannelTokenSpec, ChannelTokenSpec> change)
    {
        var response = await SendHelp(_env.Token(change));
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, because);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        await AssertNothingProcessedAsync();
    }

    [Fact]
    public async Task Missing_or_malformed_bearer_and_symmetric_forgery_get_401()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendHelp(null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendHelp("not-a-jwt")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendHelp(_env.Issuer.CreateSymmetricForgery(AuthenticatedBot.AppId, _env.Connector.ServiceUrl))).StatusCode);
        var unsigned = string.Join('.', _env.Token().Split('.')[..2]) + ".";
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendHelp(unsigned)).StatusCode);
        await AssertNothingProcessedAsync();
    }

    [Fact]
    public async Task Expired_within_the_skew_and_RS384_RS512_tokens_are_accepted()
    {
        Assert.Equal(HttpStatusCode.OK, (await SendHelp(_env.Token(s => s with { ExpiresIn = TimeSpan.FromMinutes(-4), NotBeforeOffset = TimeSpan.FromMinutes(-60) }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendHelp(_env.Token(s => s with { Algorithm = SecurityAlgorithms.RsaSha384 }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendHelp(_env.Token(s => s with { Algorithm = SecurityAlgorithms.RsaSha512 }))).StatusCode);
    }

    [Fact]
    public async Task A_key_that_does_not_endorse_msteams_gets_403()
    {
        var response = await SendHelp(_env.Token(s => s with { SignWithUnendorsedKey = true }));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await AssertNothingProcessedAsync();
    }

    [Fact]
    public async Task A_tenant_outside_AllowedTenants_is_refused()
    {
        var response = await SendHelp(_env.Token(), tenant: "99999999-9999-9999-9999-999999999999");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await AssertNothingProcessedAsync();
    }
}
