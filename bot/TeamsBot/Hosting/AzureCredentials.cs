using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Extensions.Options;

namespace TeamsBot;

/// <summary>The keyless credential names that <c>Model:Credential</c> and <c>Graph:Credential</c> accept besides their secrets.</summary>
public static class KeylessCredential
{
    /// <summary>The hosting service's managed identity (system-assigned, or user-assigned by client id).</summary>
    public const string ManagedIdentity = "ManagedIdentity";
    /// <summary>Kubernetes workload identity: a federated token file exchanged at Entra ID.</summary>
    public const string WorkloadIdentity = "WorkloadIdentity";
}

/// <summary>
/// The variables the AKS workload identity webhook injects into a pod. Read through configuration (environment variables
/// are part of it), so a test can give one app its own values.
/// </summary>
public sealed class WorkloadIdentityOptions
{
    [ConfigurationKeyName("AZURE_CLIENT_ID")] public string? ClientId { get; set; }
    [ConfigurationKeyName("AZURE_TENANT_ID")] public string? TenantId { get; set; }
    [ConfigurationKeyName("AZURE_FEDERATED_TOKEN_FILE")] public string? TokenFilePath { get; set; }

    /// <summary>What a <c>{owner}=WorkloadIdentity</c> setting still lacks, one line each (the tenant only when <paramref name="tenantIdSetting"/> is given).</summary>
    internal IEnumerable<string> Problems(string owner, string? clientId, string clientIdSetting, string? tenantId = null, string? tenantIdSetting = null)
    {
        if (string.IsNullOrWhiteSpace(TokenFilePath))
            yield return $"{owner}=WorkloadIdentity needs AZURE_FEDERATED_TOKEN_FILE (set by the AKS workload identity webhook).";
        else if (!File.Exists(TokenFilePath))
            yield return $"{owner}=WorkloadIdentity: AZURE_FEDERATED_TOKEN_FILE '{TokenFilePath}' does not exist.";
        if (string.IsNullOrWhiteSpace(clientId))
            yield return $"{owner}=WorkloadIdentity needs {clientIdSetting}.";
        if (tenantIdSetting is not null && string.IsNullOrWhiteSpace(tenantId))
            yield return $"{owner}=WorkloadIdentity needs {tenantIdSetting}.";
    }
}

/// <summary>Managed and workload identity credentials (Azure.Identity) whose HTTP goes through <see cref="IHttpClientFactory"/>.</summary>
internal static class AzureCredentials
{
    public const string HttpClientName = "azure-identity";

    /// <summary>Registers the factory once, whichever slices (Answers, Agencies) ask for it.</summary>
    public static IServiceCollection AddAzureCredentials(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(AzureCredentialFactory))) return services;
        services.AddOptions<WorkloadIdentityOptions>().Configure<IConfiguration>((o, configuration) => configuration.Bind(o));
        services.AddHttpClient(HttpClientName);
        services.AddSingleton(sp => new AzureCredentialFactory(sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<IOptions<WorkloadIdentityOptions>>()));
        return services;
    }
}

/// <summary>Builds keyless credentials; the workload identity settings come from <see cref="WorkloadIdentityOptions"/>.</summary>
public sealed class AzureCredentialFactory(IHttpClientFactory httpClients, IOptions<WorkloadIdentityOptions> workload)
{
    public WorkloadIdentityOptions Workload => workload.Value;

    /// <summary>System-assigned without a client id, else the user-assigned identity with that client id.</summary>
    public TokenCredential ManagedIdentity(string? clientId)
    {
        var id = string.IsNullOrWhiteSpace(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId);
        var options = new ManagedIdentityCredentialOptions(id);
        options.Transport = Transport();
        return new ManagedIdentityCredential(options);
    }

    /// <summary>Exchanges the federated token file at <paramref name="authorityHost"/> (the cloud's Entra login host).</summary>
    public WorkloadIdentityCredential WorkloadIdentity(string? clientId, string? tenantId, Uri authorityHost) =>
        new(new WorkloadIdentityCredentialOptions
        {
            ClientId = string.IsNullOrWhiteSpace(clientId) ? workload.Value.ClientId : clientId,
            TenantId = string.IsNullOrWhiteSpace(tenantId) ? workload.Value.TenantId : tenantId,
            TokenFilePath = workload.Value.TokenFilePath,
            AuthorityHost = authorityHost,
            Transport = Transport(),
        });

    private HttpClientTransport Transport() => new(httpClients.CreateClient(AzureCredentials.HttpClientName));
}
