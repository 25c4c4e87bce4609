using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TeamsBot.Cards;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Storage.Jobs;

namespace TeamsBot.Agencies;

public static class DirectoryExtensions
{
    /// <summary>
    /// The directory slice: agency registry (<see cref="IAgencyRegistry"/>), user → agency resolution and audiences
    /// (<see cref="IAgencyDirectory"/>) from a file (default) or Microsoft Graph, coach/admin roles (<see cref="IDirectoryRoles"/>),
    /// a database cache and the delta sync.
    /// </summary>
    public static IHostApplicationBuilder AddDirectory(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDirectoryServices(builder.Configuration);
        return builder;
    }

    internal static IServiceCollection AddDirectoryServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DirectoryOptions>().BindConfiguration(DirectoryOptions.Section).ValidateOnStart();
        services.AddOptions<GraphOptions>().BindConfiguration(GraphOptions.Section);
        services.AddSingleton<IValidateOptions<DirectoryOptions>, DirectoryOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DirectoryFiles>();
        services.AddSingleton<AgencyRegistry>();
        services.AddSingleton<IAgencyRegistry>(sp => sp.GetRequiredService<AgencyRegistry>());
        services.AddSingleton<IAgencySnapshotSource>(sp => sp.GetRequiredService<AgencyRegistry>());
        services.AddSingleton<IDirectoryCache, DirectoryCache>();
        services.AddAzureCredentials();
        services.AddSingleton<IGraphCredentialFactory, EntraCredentialFactory>();
        services.AddSingleton<GraphClients>();
        services.AddSingleton<BotChats>();
        services.AddSingleton<AudienceStaging>();
        services.AddSingleton<FileDirectorySource>();
        services.AddSingleton<GraphDirectorySource>();
        services.AddSingleton<IDirectorySource>(sp =>
            sp.GetRequiredService<IOptions<DirectoryOptions>>().Value.Source.Equals(DirectoryOptions.SourceGraph, StringComparison.OrdinalIgnoreCase)
                ? sp.GetRequiredService<GraphDirectorySource>()
                : sp.GetRequiredService<FileDirectorySource>());
        services.AddSingleton<AgencyDirectory>();
        services.AddSingleton<IAgencyDirectory>(sp => sp.GetRequiredService<AgencyDirectory>());
        services.AddSingleton<IDirectoryRoles, AgencyDirectoryRoles>();
        services.AddCardLibrary();
        services.AddSingleton<IBotRoleGuard, TeamsRoleGuard>();
        services.AddSingleton<DirectorySyncer>();
        services.AddHostedService<AgencyRegistrySeeder>();
        var sync = configuration.GetSection(DirectoryOptions.Section).Get<DirectoryOptions>() ?? new DirectoryOptions();
        var graph = sync.Source.Equals(DirectoryOptions.SourceGraph, StringComparison.OrdinalIgnoreCase);
        if (sync.Sync.Enabled ?? graph)
            services.AddRecurringJob<DirectorySyncJob>(DirectorySyncJob.Name, "Users delta sync of every directory tenant",
                sp => JobSchedule.Every(sp.GetRequiredService<IOptions<DirectoryOptions>>().Value.Sync.Interval));
        return services;
    }
}

/// <summary>Seeds the agency registry on start (after the schema exists), so a bad agency file shows at once in the log.</summary>
internal sealed class AgencyRegistrySeeder(AgencyRegistry registry, ILogger<AgencyRegistrySeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await registry.GetSnapshotAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            logger.LogError("Agency registry not loaded: {Reason}", e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Checks <c>Directory:*</c> and, for <c>Source=Graph</c>, <c>Graph:*</c>; one line per problem at startup.</summary>
internal sealed class DirectoryOptionsValidator(IOptions<GraphOptions> graph, IOptions<WorkloadIdentityOptions> workload, IHostEnvironment environment)
    : IValidateOptions<DirectoryOptions>
{
    public ValidateOptionsResult Validate(string? name, DirectoryOptions o)
    {
        var problems = new List<string>();
        var isGraph = o.Source.Equals(DirectoryOptions.SourceGraph, StringComparison.OrdinalIgnoreCase);
        if (!isGraph && !o.Source.Equals(DirectoryOptions.SourceFile, StringComparison.OrdinalIgnoreCase))
            problems.Add($"Directory:Source must be File or Graph (was '{o.Source}').");
        foreach (var r in o.EffectiveRules.Where(r => !AgencyRuleKind.All.Contains(r)))
            problems.Add($"Directory:Rules has unknown rule '{r}' (use {string.Join(", ", AgencyRuleKind.All)}).");
        if (o.CacheTtl <= TimeSpan.Zero) problems.Add("Directory:CacheTtl must be positive (e.g. 12:00:00).");
        if (o.Sync.Interval < TimeSpan.FromSeconds(1)) problems.Add("Directory:Sync:Interval must be at least 00:00:01.");
        try
        {
            AgencyJson.Load(DirectoryFiles.Resolve(o.AgenciesFile, environment.ContentRootPath));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"Directory:AgenciesFile: {e.Message}");
        }
        if (!isGraph)
        {
            try
            {
                DirectoryFileData.Load(DirectoryFiles.Resolve(o.File, environment.ContentRootPath));
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                problems.Add($"Directory:File: {e.Message}");
            }
        }
        else
        {
            var g = graph.Value;
            if (!Uri.TryCreate(g.BaseUrl, UriKind.Absolute, out var baseUrl) || !(baseUrl.Scheme == Uri.UriSchemeHttps || (baseUrl.Scheme == Uri.UriSchemeHttp && baseUrl.IsLoopback)))
                problems.Add($"Graph:BaseUrl must be an https URL such as https://graph.microsoft.us (was '{g.BaseUrl}').");
            if (string.IsNullOrWhiteSpace(g.TenantId)) problems.Add("Graph:TenantId is required for Directory:Source=Graph.");
            problems.AddRange(CredentialProblems(g));
            if (g.MaxTenantClients < 1) problems.Add($"Graph:MaxTenantClients must be at least 1 (was {g.MaxTenantClients}).");
            if (g.AuthorityHost is { Length: > 0 } a && !Uri.TryCreate(a, UriKind.Absolute, out _))
                problems.Add($"Graph:AuthorityHost must be an absolute URL (was '{a}').");
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private IEnumerable<string> CredentialProblems(GraphOptions g)
    {
        var credential = g.EffectiveCredential;
        if (!GraphOptions.Credentials.Contains(credential))
        {
            yield return $"Graph:Credential '{g.Credential}' is unknown: use ClientSecret, Certificate, ManagedIdentity or WorkloadIdentity.";
            yield break;
        }
        if (credential != KeylessCredential.ManagedIdentity && !string.IsNullOrWhiteSpace(g.ManagedIdentityClientId))
            yield return "Graph:ManagedIdentityClientId is used only with Graph:Credential=ManagedIdentity.";
        switch (credential)
        {
            case KeylessCredential.ManagedIdentity:
                if (!string.IsNullOrWhiteSpace(g.ClientSecret) || !string.IsNullOrWhiteSpace(g.CertificatePath))
                    yield return "Graph:ClientSecret and Graph:CertificatePath must be empty with Graph:Credential=ManagedIdentity (keyless: remove them).";
                break;
            case KeylessCredential.WorkloadIdentity:
                if (!string.IsNullOrWhiteSpace(g.ClientSecret) || !string.IsNullOrWhiteSpace(g.CertificatePath))
                    yield return "Graph:ClientSecret and Graph:CertificatePath must be empty with Graph:Credential=WorkloadIdentity (keyless: remove them).";
                // Graph:TenantId is required for every credential (checked above).
                foreach (var p in workload.Value.Problems("Graph:Credential", g.ClientId ?? workload.Value.ClientId, "Graph:ClientId or AZURE_CLIENT_ID"))
                    yield return p;
                break;
            default:
                if (string.IsNullOrWhiteSpace(g.ClientId)) yield return "Graph:ClientId is required for Directory:Source=Graph.";
                if (credential == GraphOptions.CertificateCredential)
                {
                    if (string.IsNullOrWhiteSpace(g.CertificatePath)) yield return "Graph:CertificatePath is required for Graph:Credential=Certificate.";
                    else if (!System.IO.File.Exists(g.CertificatePath)) yield return $"Graph:CertificatePath '{g.CertificatePath}' does not exist.";
                }
                else if (string.IsNullOrWhiteSpace(g.ClientSecret))
                    yield return "Graph:ClientSecret or Graph:CertificatePath is required for Directory:Source=Graph.";
                break;
        }
    }
}
