using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.AppConfig;

namespace TeamsBot.Protocol.Auth;

/// <summary>Bearer token for calls to the Bot Connector.</summary>
public interface IConnectorTokenProvider
{
    /// <summary>Null in local development mode (the Agents Playground takes unauthenticated calls).</summary>
    Task<string?> GetTokenAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Client credentials with MSAL (secret or certificate), or, with <c>Bot:ManagedIdentityClientId</c>, a token from the
/// user-assigned managed identity (UserAssignedMSI bots; the App Service / Container Apps identity endpoint or IMDS).
/// MSAL's in-memory token caches keep the token until shortly before expiry. Authority:
/// <c>{login}/{Bot:TenantId or botframework.com}</c>; scope per cloud. <c>Bot:TokenEndpoint</c> redirects MSAL's client
/// credentials request to another URL (tests: a loopback fake).
/// </summary>
internal sealed class MsalConnectorTokenProvider : IConnectorTokenProvider
{
    private readonly IConfidentialClientApplication? _app;
    private readonly IManagedIdentityApplication? _managedIdentity;
    private readonly string[] _scopes;

    public MsalConnectorTokenProvider(IOptions<BotOptions> options, IHttpClientFactory httpFactory)
    {
        var o = options.Value;
        var cloud = o.ResolveCloud();
        _scopes = [cloud.ConnectorScope];
        if (o.LocalDevelopment) return;
        if (o.UsesManagedIdentity)
        {
            _managedIdentity = ManagedIdentityApplicationBuilder.Create(ManagedIdentityId.WithUserAssignedClientId(o.ManagedIdentityClientId))
                .WithHttpClientFactory(new MsalHttpClientFactory(httpFactory, null))
                .Build();
            return;
        }

        var tenant = string.IsNullOrWhiteSpace(o.TenantId) ? cloud.MultiTenantAuthority : o.TenantId;
        var builder = ConfidentialClientApplicationBuilder.Create(o.AppId)
            .WithAuthority($"{cloud.LoginEndpoint}/{tenant}", validateAuthority: false)
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new MsalHttpClientFactory(httpFactory, o.TokenEndpoint));
        builder = !string.IsNullOrWhiteSpace(o.CertificatePath)
            ? builder.WithCertificate(X509CertificateLoader.LoadPkcs12FromFile(o.CertificatePath, o.CertificatePassword), sendX5C: true)
            : builder.WithClientSecret(o.AppPassword);
        _app = builder.Build();
    }

    public async Task<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_managedIdentity is not null)
        {
            var identityToken = await _managedIdentity.AcquireTokenForManagedIdentity(ManagedIdentityResource(_scopes[0]))
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            return identityToken.AccessToken;
        }
        if (_app is null) return null;
        var result = await _app.AcquireTokenForClient(_scopes).ExecuteAsync(cancellationToken).ConfigureAwait(false);
        return result.AccessToken;
    }

    /// <summary>Managed identity endpoints take a resource, not a scope: <c>https://api.botframework.us/.default</c> → <c>https://api.botframework.us</c>.</summary>
    internal static string ManagedIdentityResource(string scope) =>
        scope.EndsWith("/.default", StringComparison.Ordinal) ? scope[..^"/.default".Length] : scope;

    private sealed class MsalHttpClientFactory(IHttpClientFactory factory, string? tokenEndpoint) : IMsalHttpClientFactory
    {
        public HttpClient GetHttpClient()
        {
            if (string.IsNullOrWhiteSpace(tokenEndpoint)) return factory.CreateClient(nameof(MsalConnectorTokenProvider));
            return new HttpClient(new TokenEndpointRedirect(new Uri(tokenEndpoint)) { InnerHandler = new HttpClientHandler() });
        }
    }

    /// <summary>Sends MSAL's token POST to the configured endpoint instead of the cloud's login host.</summary>
    private sealed class TokenEndpointRedirect(Uri tokenEndpoint) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post && request.RequestUri?.AbsolutePath.EndsWith("/oauth2/v2.0/token", StringComparison.OrdinalIgnoreCase) == true)
                request.RequestUri = tokenEndpoint;
            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>Adds the connector bearer token to outbound connector requests.</summary>
internal sealed class ConnectorAuthHandler(IConnectorTokenProvider tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
