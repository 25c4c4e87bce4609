using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Protocol;

/// <summary>
/// An Azure Bot of type UserAssignedMSI: the bot process gets its connector token from the managed identity endpoint
/// (a fake App Service identity endpoint on 127.0.0.1, given to the bot process only), with no password or certificate.
/// </summary>
public sealed class ManagedIdentityBotTests
{
    private const string IdentityClientId = "0b7c1e2d-4f3a-4b5c-9d8e-7f6a5b4c3d2e";

    /// <summary>A UserAssignedMSI bot: app id = the identity's client id, no secret, the fake identity endpoint in its environment.</summary>
    private static Dictionary<string, string> UserAssignedMsiBot(FakeManagedIdentity identity, FakeChannelIssuer issuer, string cloud = "Public") =>
        new(identity.Environment)
        {
            ["Bot__AppId"] = IdentityClientId,
            ["Bot__ManagedIdentityClientId"] = IdentityClientId,
            ["Bot__OpenIdMetadataUrl"] = issuer.MetadataUrl,
            ["Bot__Cloud"] = cloud,
        };

    [Theory]
    [InlineData("Public", "https://api.botframework.com", "https://api.botframework.com")]
    [InlineData("USGovHigh", "https://api.botframework.us", "https://api.botframework.us")]
    public async Task Replies_carry_the_managed_identity_token_for_the_clouds_bot_framework_resource_and_it_is_reused(string cloud, string channelIssuer, string resource)
    {
        await using var issuer = await FakeChannelIssuer.StartAsync();
        await using var identity = await FakeManagedIdentity.StartAsync();
        await using var connector = await FakeConnector.StartAsync();
        await using var bot = await RunningBot.StartAsync(UserAssignedMsiBot(identity, issuer, cloud));
        var channelToken = issuer.CreateToken(new ChannelTokenSpec { Issuer = channelIssuer, Audience = IdentityClientId, ServiceUrl = connector.ServiceUrl });

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(bot, TestActivities.Message(connector.ServiceUrl, "help"), channelToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(bot, TestActivities.Message(connector.ServiceUrl, "help"), channelToken)).StatusCode);
        var replies = (await connector.WaitForSendsAsync(2)).Where(r => r.IsSend).ToList();

        var issued = Assert.Single(identity.Requests); // cached: one token for both replies
        Assert.Equal(resource, issued.Resource);
        Assert.Equal(IdentityClientId, issued.ClientId);
        Assert.Equal("2019-08-01", issued.ApiVersion);
        Assert.All(replies, r => Assert.Equal($"Bearer {issued.IssuedToken}", r.Authorization));
        Assert.Equal(0, identity.Refused);
    }

    [Fact]
    public async Task Inbound_tokens_are_still_checked_against_the_app_id()
    {
        await using var issuer = await FakeChannelIssuer.StartAsync();
        await using var identity = await FakeManagedIdentity.StartAsync();
        await using var connector = await FakeConnector.StartAsync();
        await using var bot = await RunningBot.StartAsync(UserAssignedMsiBot(identity, issuer));
        var otherAudience = issuer.CreateToken(new ChannelTokenSpec { Audience = Guid.NewGuid().ToString(), ServiceUrl = connector.ServiceUrl });
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(bot, TestActivities.Message(connector.ServiceUrl, "help"), otherAudience)).StatusCode);
        Assert.Empty(identity.Requests);
    }

    [Fact]
    public async Task Managed_identity_settings_that_cannot_work_stop_startup_with_one_line_each()
    {
        var (code, lines) = await BotProcess.RunUntilExitAsync(new Dictionary<string, string>
        {
            ["Bot__AppId"] = IdentityClientId,
            ["Bot__ManagedIdentityClientId"] = "9d9d9d9d-1111-2222-3333-444444444444",
            ["Bot__AppPassword"] = "a-secret-that-should-not-be-here",
        });
        Assert.Equal(2, code);
        Assert.Contains("Configuration error: Bot:ManagedIdentityClientId must equal Bot:AppId (a UserAssignedMSI bot's app id is its managed identity's client id).", lines);
        Assert.Contains("Configuration error: Bot:ManagedIdentityClientId excludes Bot:AppPassword and Bot:CertificatePath; remove the secret or certificate.", lines);
    }

    private static async Task<HttpResponseMessage> PostAsync(RunningBot bot, Activity activity, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = JsonContent.Create(activity, options: ProtocolJson.Options) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await bot.Http.SendAsync(request);
    }
}
