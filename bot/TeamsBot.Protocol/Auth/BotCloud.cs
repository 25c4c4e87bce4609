namespace TeamsBot.Protocol.Auth;

/// <summary>Bot Framework endpoints of one cloud: OpenID metadata and issuer of inbound tokens, login host, tenant and scope of outbound ones (Bot Framework authentication spec).</summary>
public sealed record BotCloud(
    string Name,
    string OpenIdMetadataUrl,
    string Issuer,
    string LoginEndpoint,
    string MultiTenantAuthority,
    string ConnectorScope)
{
    public static readonly BotCloud Public = new(
        "Public",
        "https://login.botframework.com/v1/.well-known/openidconfiguration",
        "https://api.botframework.com",
        "https://login.microsoftonline.com",
        "botframework.com",
        "https://api.botframework.com/.default");

    // Azure Government bot registrations serve GCC High and DoD tenants (and GCC tenants whose bot is registered there);
    // a GCC-moderate tenant served by a public-cloud registration uses Public.
    private static readonly BotCloud Government = new(
        "USGov",
        "https://login.botframework.azure.us/v1/.well-known/openidconfiguration",
        "https://api.botframework.us",
        "https://login.microsoftonline.us",
        "MicrosoftServices.onmicrosoft.us",
        "https://api.botframework.us/.default");

    public static readonly IReadOnlyDictionary<string, BotCloud> All = new Dictionary<string, BotCloud>(StringComparer.OrdinalIgnoreCase)
    {
        ["Public"] = Public,
        ["USGov"] = Government,
        ["USGovHigh"] = Government with { Name = "USGovHigh" },
        ["USGovDoD"] = Government with { Name = "USGovDoD" },
    };
}
