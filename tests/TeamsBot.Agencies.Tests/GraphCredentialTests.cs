using System.Net;
using System.Net.Http.Json;
using System.Text;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Options;
using Moq;
using TeamsBot.Agencies.Tests.Fakes;
using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;

namespace TeamsBot.Agencies.Tests;

/// <summary><c>Graph:Credential</c>: the host's managed identity or a workload identity instead of a secret or certificate.</summary>
public sealed class GraphCredentialTests
{
    private const string IdentityClientId = "4d3c2b1a-6f5e-4d4c-9b3a-2f1e0d9c8b7a";

    [Fact]
    public async Task With_a_managed_identity_Graph_receives_the_identitys_token_for_the_graph_resource()
    {
        await using var identity = await FakeManagedIdentity.StartAsync();
        await using var graph = await FakeGraphServer.StartAsync();
        await using var connector = await FakeConnector.StartAsync();
        graph.AcceptsToken = token => identity.Requests.Any(r => r.IssuedToken == token);
        graph.AddUser(new FakeUser { Id = "aad-user-1", UserPrincipalName = "ada@gsa.gov", Mail = "ada@gsa.gov", DisplayName = "Ada" });
        var environment = new Dictionary<string, string>(identity.Environment)
        {
            ["Directory__Source"] = "Graph",
            ["Directory__Sync__Enabled"] = "false",
            ["Graph__BaseUrl"] = graph.BaseUrl,
            ["Graph__TenantId"] = TestActivities.TenantId,
            ["Graph__Credential"] = "ManagedIdentity",
            ["Graph__ManagedIdentityClientId"] = IdentityClientId,
        };
        await using var bot = await RunningBot.StartAsync(environment);

        // A thumbs-up is stored with the rater's agency: the invoke is answered after the directory looked the user up in Graph.
        var feedback = TestActivities.Invoke(connector.ServiceUrl, "message/submitAction", new { actionName = "feedback", actionValue = new { reaction = "like" } });
        using var response = await bot.Http.PostAsync("/api/messages", JsonContent.Create(feedback, options: ProtocolJson.Options));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var issued = Assert.Single(identity.Requests);
        Assert.Equal(graph.BaseUrl, issued.Resource);
        Assert.Equal(IdentityClientId, issued.ClientId);
        Assert.Contains(graph.RequestLog, r => r.StartsWith("POST /v1.0/$batch", StringComparison.Ordinal)); // the user lookup
        Assert.Empty(graph.UnauthorizedLog);
    }

    [Fact]
    public void A_managed_identity_is_never_used_for_another_tenant()
    {
        var factory = Factory(new GraphOptions { TenantId = DirectoryHarness.SampleTenant, Credential = "ManagedIdentity" }, new StubHandler(_ => throw new InvalidOperationException("no HTTP expected")));
        Assert.IsType<ManagedIdentityCredential>(factory.Create(DirectoryHarness.SampleTenant));
        var e = Assert.Throws<GraphLookupException>(() => factory.Create("99999999-0000-4000-8000-000000000000"));
        Assert.Equal("Graph:Credential=ManagedIdentity reaches only the identity's own tenant (Graph:TenantId), not tenant 99999999-0000-4000-8000-000000000000.", e.Message);
    }

    [Theory]
    [InlineData("https://graph.microsoft.us", "login.microsoftonline.us")]
    [InlineData("https://dod-graph.microsoft.us", "login.microsoftonline.us")]
    [InlineData("https://graph.microsoft.com", "login.microsoftonline.com")]
    public async Task Workload_identity_exchanges_the_federated_token_at_the_clouds_login_host(string baseUrl, string loginHost)
    {
        var tokenFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(tokenFile, "federated-kubernetes-token");
        try
        {
            var entra = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("""{"token_type":"Bearer","expires_in":3600,"access_token":"workload-token"}""", Encoding.UTF8, "application/json"),
            });
            var o = new GraphOptions { BaseUrl = baseUrl, TenantId = DirectoryHarness.SampleTenant, Credential = "WorkloadIdentity" };
            var credential = Factory(o, entra, new WorkloadIdentityOptions { ClientId = IdentityClientId, TokenFilePath = tokenFile }).Create(DirectoryHarness.SampleTenant);

            Assert.IsType<WorkloadIdentityCredential>(credential);
            var token = await credential.GetTokenAsync(new TokenRequestContext([o.Scope]), CancellationToken.None);

            Assert.Equal("workload-token", token.Token);
            var exchange = Assert.Single(entra.Requests, r => r.Uri.AbsolutePath.EndsWith("/oauth2/v2.0/token", StringComparison.Ordinal));
            Assert.Equal(loginHost, exchange.Uri.Host);
            Assert.StartsWith($"/{DirectoryHarness.SampleTenant}/", exchange.Uri.AbsolutePath);
            Assert.Contains("client_assertion=federated-kubernetes-token", exchange.Body);
            Assert.Contains($"client_id={IdentityClientId}", exchange.Body);
            Assert.Contains($"scope={WebUtility.UrlEncode(o.Scope)}", exchange.Body);
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    [Theory]
    [InlineData(null, "/x.pfx", "Certificate")]
    [InlineData(null, null, "ClientSecret")]
    [InlineData("managedidentity", null, "ManagedIdentity")]
    public void The_credential_is_inferred_as_before_when_unset(string? configured, string? certificatePath, string expected) =>
        Assert.Equal(expected, new GraphOptions { Credential = configured, CertificatePath = certificatePath }.EffectiveCredential);

    private static EntraCredentialFactory Factory(GraphOptions graph, HttpMessageHandler handler, WorkloadIdentityOptions? workload = null)
    {
        var http = new Mock<IHttpClientFactory>();
        http.Setup(f => f.CreateClient(It.IsAny<string>())).Returns(() => new HttpClient(handler, disposeHandler: false));
        return new EntraCredentialFactory(Options.Create(graph), new AzureCredentialFactory(http.Object, Options.Create(workload ?? new WorkloadIdentityOptions())));
    }

    private sealed record SentRequest(Uri Uri, string Body);

    /// <summary>Answers in memory (no DNS, no network) and records what was sent.</summary>
    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<SentRequest> _requests = new();
        public IReadOnlyList<SentRequest> Requests => [.. _requests];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _requests.Enqueue(new SentRequest(request.RequestUri!, request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken)));
            return respond(request);
        }
    }
}
