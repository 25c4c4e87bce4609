using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace TeamsBot.Agencies.Tests;

/// <summary>Bad settings or files stop startup with one readable line each; they never crash a running host.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("teamsbot-dir-").FullName;

    public void Dispose() => System.IO.Directory.Delete(_dir, true);

    private static IReadOnlyList<string> Failures(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddDirectory();
        using var app = builder.Build();
        try
        {
            _ = app.Services.GetRequiredService<IOptions<DirectoryOptions>>().Value;
            return [];
        }
        catch (OptionsValidationException e)
        {
            return e.Failures.ToList();
        }
    }

    [Fact]
    public void Defaults_are_valid_on_a_fresh_machine() => Assert.Empty(Failures([]));

    [Fact]
    public void Malformed_directory_file_is_reported_with_its_path()
    {
        var path = Path.Combine(_dir, "broken.json");
        File.WriteAllText(path, "{ \"users\": [ { \"id\": ");
        var failure = Assert.Single(Failures(new() { ["Directory:File"] = path }));
        Assert.StartsWith($"Directory:File: directory file '{path}' is not valid JSON", failure);
    }

    [Fact]
    public void Bad_csv_value_names_the_record()
    {
        var path = Path.Combine(_dir, "users.csv");
        File.WriteAllText(path, "id,mail,accountEnabled\nu1,a@gsa.gov,true\nu2,b@gsa.gov,maybe\n");
        var failure = Assert.Single(Failures(new() { ["Directory:File"] = path }));
        Assert.Contains("record 2: accountEnabled must be true or false", failure);
    }

    [Fact]
    public void Missing_files_and_bad_settings_each_give_one_line()
    {
        var failures = Failures(new()
        {
            ["Directory:File"] = Path.Combine(_dir, "missing.json"),
            ["Directory:AgenciesFile"] = Path.Combine(_dir, "missing-agencies.json"),
            ["Directory:Rules:0"] = "Tenant",
            ["Directory:Rules:1"] = "Zodiac",
            ["Directory:CacheTtl"] = "-00:01:00",
        });
        Assert.Equal(4, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Directory:Rules has unknown rule 'Zodiac'"));
        Assert.Contains(failures, f => f.StartsWith("Directory:CacheTtl"));
        Assert.Contains(failures, f => f.StartsWith("Directory:File:") && f.Contains("does not exist"));
        Assert.Contains(failures, f => f.StartsWith("Directory:AgenciesFile:"));
    }

    [Fact]
    public void Duplicate_and_invalid_agencies_are_rejected()
    {
        var path = Path.Combine(_dir, "agencies.json");
        File.WriteAllText(path, """{ "agencies": [ { "id": "gsa", "name": "GSA", "emailDomains": ["@gsa"] }, { "id": "gsa", "name": "Again" } ] }""");
        var failure = Assert.Single(Failures(new() { ["Directory:AgenciesFile"] = path }));
        Assert.Contains("invalid email domain '@gsa'", failure);
        Assert.Contains("agency id 'gsa' appears 2 times", failure);
    }

    [Fact]
    public void Graph_source_requires_its_settings()
    {
        var failures = Failures(new() { ["Directory:Source"] = "Graph", ["Graph:BaseUrl"] = "http://graph.example.com" });
        Assert.Equal(4, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Graph:BaseUrl must be an https URL"));
        Assert.Contains(failures, f => f.StartsWith("Graph:TenantId is required"));
        Assert.Contains(failures, f => f.StartsWith("Graph:ClientId is required"));
        Assert.Contains(failures, f => f.StartsWith("Graph:ClientSecret or Graph:CertificatePath"));
        Assert.Equal(["Directory:Source must be File or Graph (was 'Ldap')."], Failures(new() { ["Directory:Source"] = "Ldap" }));
    }

    [Fact]
    public void Keyless_graph_credentials_report_what_they_lack_on_one_line_each()
    {
        // The workload identity variables are read through configuration; empty here whatever the machine has.
        Dictionary<string, string?> Graph(string credential, Dictionary<string, string?> extra)
        {
            var s = new Dictionary<string, string?>
            {
                ["Directory:Source"] = "Graph", ["Graph:TenantId"] = Fakes.DirectoryHarness.SampleTenant, ["Graph:Credential"] = credential,
                ["AZURE_CLIENT_ID"] = "", ["AZURE_TENANT_ID"] = "", ["AZURE_FEDERATED_TOKEN_FILE"] = "",
            };
            foreach (var (k, v) in extra) s[k] = v;
            return s;
        }

        Assert.Empty(Failures(Graph("ManagedIdentity", [])));
        Assert.Empty(Failures(Graph("ManagedIdentity", new() { ["Graph:ManagedIdentityClientId"] = "4d3c2b1a-6f5e-4d4c-9b3a-2f1e0d9c8b7a" })));
        Assert.Equal(["Graph:Credential 'Vault' is unknown: use ClientSecret, Certificate, ManagedIdentity or WorkloadIdentity."], Failures(Graph("Vault", [])));
        Assert.Equal(["Graph:ClientSecret and Graph:CertificatePath must be empty with Graph:Credential=ManagedIdentity (keyless: remove them)."],
            Failures(Graph("ManagedIdentity", new() { ["Graph:ClientSecret"] = "s" })));
        Assert.Equal(["Graph:Credential=WorkloadIdentity needs AZURE_FEDERATED_TOKEN_FILE (set by the AKS workload identity webhook).",
                      "Graph:Credential=WorkloadIdentity needs Graph:ClientId or AZURE_CLIENT_ID."], Failures(Graph("WorkloadIdentity", [])));
        var missingFile = Path.Combine(_dir, "no-token");
        Assert.Equal([$"Graph:Credential=WorkloadIdentity: AZURE_FEDERATED_TOKEN_FILE '{missingFile}' does not exist."],
            Failures(Graph("WorkloadIdentity", new() { ["AZURE_CLIENT_ID"] = "4d3c2b1a-6f5e-4d4c-9b3a-2f1e0d9c8b7a", ["AZURE_FEDERATED_TOKEN_FILE"] = missingFile })));
        Assert.Equal(["Graph:ManagedIdentityClientId is used only with Graph:Credential=ManagedIdentity.", "Graph:ClientId is required for Directory:Source=Graph.",
                      "Graph:CertificatePath is required for Graph:Credential=Certificate."],
            Failures(Graph("Certificate", new() { ["Graph:ManagedIdentityClientId"] = "4d3c2b1a-6f5e-4d4c-9b3a-2f1e0d9c8b7a" })));
    }

    [Theory]
    [InlineData("https://graph.microsoft.com", "https://graph.microsoft.com/v1.0", "https://graph.microsoft.com/.default", "https://login.microsoftonline.com/")]
    [InlineData("https://graph.microsoft.us", "https://graph.microsoft.us/v1.0", "https://graph.microsoft.us/.default", "https://login.microsoftonline.us/")]
    [InlineData("https://dod-graph.microsoft.us/", "https://dod-graph.microsoft.us/v1.0", "https://dod-graph.microsoft.us/.default", "https://login.microsoftonline.us/")]
    [InlineData("https://graph.microsoft.us/beta", "https://graph.microsoft.us/beta", "https://graph.microsoft.us/.default", "https://login.microsoftonline.us/")]
    public void National_clouds_follow_the_base_url(string baseUrl, string api, string scope, string authority)
    {
        var o = new GraphOptions { BaseUrl = baseUrl };
        Assert.Equal((api, scope, authority), (o.ApiBaseUrl, o.Scope, o.EffectiveAuthorityHost.ToString()));
    }

    [Fact]
    public void Background_sync_is_on_for_graph_and_off_for_file_unless_configured()
    {
        static bool HasSync(Dictionary<string, string?> s)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
            builder.Configuration.AddInMemoryCollection(s);
            builder.AddDirectory();
            return builder.Services.Any(d => d.ImplementationInstance is TeamsBot.Storage.Jobs.RecurringJobDefinition { Name: DirectorySyncJob.Name });
        }
        Assert.False(HasSync([]));
        Assert.True(HasSync(new() { ["Directory:Source"] = "Graph" }));
        Assert.False(HasSync(new() { ["Directory:Source"] = "Graph", ["Directory:Sync:Enabled"] = "false" }));
        Assert.True(HasSync(new() { ["Directory:Sync:Enabled"] = "true" }));
    }
}
