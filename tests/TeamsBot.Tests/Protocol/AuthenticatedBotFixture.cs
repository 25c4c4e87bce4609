using TeamsBot.Testing;

namespace TeamsBot.Tests.Protocol;

/// <summary>A bot with a real app id: fake channel issuer (OpenID + JWKS), fake token endpoint and fake connector.</summary>
public sealed class AuthenticatedBot : IAsyncDisposable
{
    public const string AppId = "6a1f8a2e-3c4b-4d5e-8f90-123456789abc";

    public required FakeChannelIssuer Issuer { get; init; }
    public required FakeTokenEndpoint Tokens { get; init; }
    public required FakeConnector Connector { get; init; }
    public required BotApp Bot { get; init; }

    public static async Task<AuthenticatedBot> StartAsync(IDictionary<string, string?>? extra = null, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? customize = null)
    {
        var issuer = await FakeChannelIssuer.StartAsync();
        var tokens = await FakeTokenEndpoint.StartAsync();
        var connector = await FakeConnector.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Bot:AppId"] = AppId,
            ["Bot:AppPassword"] = "test-secret-from-config",
            ["Bot:OpenIdMetadataUrl"] = issuer.MetadataUrl,
            ["Bot:TokenEndpoint"] = tokens.TokenUrl,
            ["Connector:BaseDelay"] = "00:00:00.050",
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) settings[k] = v;
        var bot = await BotApp.StartAsync(settings, customize);
        return new AuthenticatedBot { Issuer = issuer, Tokens = tokens, Connector = connector, Bot = bot };
    }

    public string Token(Func<ChannelTokenSpec, ChannelTokenSpec>? change = null)
    {
        var spec = new ChannelTokenSpec { Audience = AppId, ServiceUrl = Connector.ServiceUrl };
        return Issuer.CreateToken(change is null ? spec : change(spec));
    }

    public async ValueTask DisposeAsync()
    {
        await Bot.DisposeAsync();
        await Connector.DisposeAsync();
        await Tokens.DisposeAsync();
        await Issuer.DisposeAsync();
    }
}
