using System.Security.Cryptography.X509Certificates;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Options;
using Microsoft.Graph;

namespace TeamsBot.Agencies;

/// <summary>
/// The credential the Graph client authenticates with, per tenant (<c>Graph:Credential</c>). Tests substitute a credential
/// that returns a fixed token so the real <see cref="GraphServiceClient"/> talks to a local fake Graph over http://127.0.0.1.
/// </summary>
internal interface IGraphCredentialFactory
{
    TokenCredential Create(string tenantId);
}

/// <summary>
/// App-only credentials against the cloud's Entra login host: client secret, certificate, workload identity (federated
/// token file), or the host's managed identity. A managed identity gets tokens only for its own tenant (<c>Graph:TenantId</c>).
/// </summary>
internal sealed class EntraCredentialFactory(IOptions<GraphOptions> options, AzureCredentialFactory keyless) : IGraphCredentialFactory
{
    public TokenCredential Create(string tenantId)
    {
        var o = options.Value;
        switch (o.EffectiveCredential)
        {
            case KeylessCredential.ManagedIdentity:
                if (!string.Equals(tenantId, o.TenantId, StringComparison.OrdinalIgnoreCase))
                    throw new GraphLookupException($"Graph:Credential=ManagedIdentity reaches only the identity's own tenant (Graph:TenantId), not tenant {tenantId}.");
                return keyless.ManagedIdentity(o.ManagedIdentityClientId);
            case KeylessCredential.WorkloadIdentity:
                return keyless.WorkloadIdentity(o.ClientId, tenantId, o.EffectiveAuthorityHost);
            case GraphOptions.CertificateCredential:
                var path = o.CertificatePath!;
                var certificate = Path.GetExtension(path).Equals(".pem", StringComparison.OrdinalIgnoreCase)
                    ? X509Certificate2.CreateFromPemFile(path)
                    : X509CertificateLoader.LoadPkcs12FromFile(path, o.CertificatePassword);
                return new ClientCertificateCredential(tenantId, o.ClientId, certificate, new ClientCertificateCredentialOptions { AuthorityHost = o.EffectiveAuthorityHost });
            default:
                return new ClientSecretCredential(tenantId, o.ClientId, o.ClientSecret, new ClientSecretCredentialOptions { AuthorityHost = o.EffectiveAuthorityHost });
        }
    }
}
