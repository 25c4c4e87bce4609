using System.Net;
using System.Net.Http.Json;
using System.Text;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Moq;
using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;

namespace TeamsBot.Answers.Tests;

/// <summary>Azure OpenAI through Entra ID (<c>Model:Credential</c>) instead of a key, with the audience of the endpoint's cloud.</summary>
public sealed class KeylessModelTests
{
    private const string IdentityClientId = "3c2b1a00-5e4d-4c3b-8a29-1f0e9d8c7b6a";

    [Fact]
    public async Task Managed_identity_token_reaches_Azure_OpenAI_and_no_api_key_is_sent()
    {
        await using var identity = await FakeManagedIdentity.StartAsync();
        await using var model = await FakeOpenAI.StartAsync();
        await using var connector = await FakeConnector.StartAsync();
        model.Enqueue(ModelScript.Answer("Hello through Entra ID [1]."));
        var environment = new Dictionary<string, string>(identity.Environment)
        {
            ["Model__Provider"] = "AzureOpenAI",
            ["Model__Endpoint"] = model.RootUrl,
            ["Model__Name"] = "gpt-test",
            ["Model__Credential"] = "ManagedIdentity",
            ["Model__ManagedIdentityClientId"] = IdentityClientId,
        };
        await using var bot = await RunningBot.StartAsync(environment);

        using var response = await bot.Http.PostAsync("/api/messages",
            JsonContent.Create(TestActivities.Message(connector.ServiceUrl, "How do I get access?"), options: ProtocolJson.Options));
        Assert.True(response.IsSuccessStatusCode);
        await connector.WaitForAsync(r => r.Any(x => x.IsSend && x.Activity?.Type == ActivityTypes.Message));

        Assert.Equal("Hello through Entra ID [1].", connector.SentActivities.Last(a => a.Type == ActivityTypes.Message).Text);
        var issued = Assert.Single(identity.Requests);
        Assert.Equal("https://cognitiveservices.azure.com", issued.Resource);
        Assert.Equal(IdentityClientId, issued.ClientId);
        var request = Assert.Single(model.Requests);
        Assert.Equal($"Bearer {issued.IssuedToken}", request.Authorization);
        Assert.Null(request.ApiKeyHeader);
    }

    [Theory]
    [InlineData("https://my-agency.openai.azure.us/", "https://cognitiveservices.azure.us/.default")]
    [InlineData("https://my-agency.cognitiveservices.azure.us/", "https://cognitiveservices.azure.us/.default")]
    [InlineData("https://my-agency.openai.azure.com/", "https://cognitiveservices.azure.com/.default")]
    public async Task The_token_is_asked_for_the_audience_of_the_endpoints_cloud(string endpoint, string expectedScope)
    {
        var credential = new RecordingCredential("entra-token");
        var model = new StubHandler(_ => ChatCompletion("Fine."));
        var o = new ModelOptions { Provider = "AzureOpenAI", Endpoint = endpoint, Name = "dep", Credential = "ManagedIdentity" };

        var answer = await ModelClient.Create(o, new HttpClient(model), credential)!.GetResponseAsync("Hello?");

        Assert.Equal("Fine.", answer.Text);
        Assert.Equal([expectedScope], credential.Scopes.Distinct());
        var sent = Assert.Single(model.Requests);
        Assert.Equal(new Uri(endpoint).Host, sent.Uri.Host);
        Assert.Equal("Bearer entra-token", sent.Authorization);
        Assert.False(sent.HasApiKey);
    }

    [Theory]
    [InlineData("https://my-agency.openai.azure.us/", "login.microsoftonline.us", "https://cognitiveservices.azure.us/.default")]
    [InlineData("https://my-agency.openai.azure.com/", "login.microsoftonline.com", "https://cognitiveservices.azure.com/.default")]
    public async Task Workload_identity_exchanges_the_federated_token_at_the_clouds_login_host(string endpoint, string loginHost, string scope)
    {
        var tokenFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(tokenFile, "federated-kubernetes-token");
        try
        {
            var entra = new StubHandler(_ => Json("""{"token_type":"Bearer","expires_in":3600,"access_token":"workload-token"}"""));
            var workload = new WorkloadIdentityOptions { ClientId = IdentityClientId, TenantId = "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918", TokenFilePath = tokenFile };
            var o = new ModelOptions { Provider = "AzureOpenAI", Endpoint = endpoint, Name = "dep", Credential = "WorkloadIdentity" };
            Assert.True(new ModelOptionsValidator(Options.Create(workload)).Validate(null, o).Succeeded);

            var credential = ModelClient.TokenCredentialFor(o, Factory(entra, workload));
            Assert.IsType<WorkloadIdentityCredential>(credential);
            var model = new StubHandler(_ => ChatCompletion("Fine."));
            await ModelClient.Create(o, new HttpClient(model), credential)!.GetResponseAsync("Hello?");

            var exchange = Assert.Single(entra.Requests, r => r.Uri.AbsolutePath.EndsWith("/oauth2/v2.0/token", StringComparison.Ordinal));
            Assert.Equal(loginHost, exchange.Uri.Host);
            Assert.StartsWith($"/{workload.TenantId}/", exchange.Uri.AbsolutePath);
            var form = exchange.Form;
            Assert.Equal("federated-kubernetes-token", form["client_assertion"]);
            Assert.Equal(IdentityClientId, form["client_id"]);
            Assert.Equal(scope, form["scope"]);
            Assert.Equal("Bearer workload-token", Assert.Single(model.Requests).Authorization);
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    [Theory]
    [InlineData("AzureOpenAI", "Vault", null, "Model:Credential 'Vault' is unknown: use Key, ManagedIdentity or WorkloadIdentity.")]
    [InlineData("OpenAI", "ManagedIdentity", null, "Model:Credential=ManagedIdentity works only with Model:Provider=AzureOpenAI; OpenAI needs Model:Credential=Key.")]
    [InlineData("Compatible", "WorkloadIdentity", null, "Model:Credential=WorkloadIdentity works only with Model:Provider=AzureOpenAI; Compatible needs Model:Credential=Key.")]
    [InlineData("AzureOpenAI", "Key", null, "Model:ApiKey is required for Model:Provider=AzureOpenAI (or set Model:Credential=ManagedIdentity or WorkloadIdentity).")]
    [InlineData("AzureOpenAI", "ManagedIdentity", "k", "Model:ApiKey must be empty with Model:Credential=ManagedIdentity (keyless: remove the key).")]
    [InlineData("AzureOpenAI", "WorkloadIdentity", null, "Model:Credential=WorkloadIdentity needs AZURE_FEDERATED_TOKEN_FILE (set by the AKS workload identity webhook).")]
    [InlineData("AzureOpenAI", "WorkloadIdentity", null, "Model:Credential=WorkloadIdentity needs AZURE_CLIENT_ID or Model:ManagedIdentityClientId.")]
    [InlineData("AzureOpenAI", "WorkloadIdentity", null, "Model:Credential=WorkloadIdentity needs AZURE_TENANT_ID.")]
    public void Credential_settings_that_cannot_work_fail_with_one_clear_line(string provider, string credential, string? key, string expected)
    {
        var o = new ModelOptions { Provider = provider, Endpoint = "https://x.openai.azure.us/", Name = "dep", Credential = credential, ApiKey = key };
        var result = new ModelOptionsValidator().Validate(null, o);
        Assert.True(result.Failed);
        Assert.Contains(expected, result.Failures!);
    }

    [Fact]
    public void A_managed_identity_client_id_without_a_keyless_credential_is_reported()
    {
        var o = new ModelOptions { Provider = "AzureOpenAI", Endpoint = "https://x.openai.azure.us/", Name = "dep", ApiKey = "k", ManagedIdentityClientId = IdentityClientId };
        Assert.Equal(["Model:ManagedIdentityClientId is used only with Model:Credential=ManagedIdentity or WorkloadIdentity."], new ModelOptionsValidator().Validate(null, o).Failures);
    }

    [Fact]
    public async Task The_bot_process_refuses_a_keyless_credential_for_a_provider_that_takes_keys()
    {
        var (code, lines) = await BotProcess.RunUntilExitAsync(new Dictionary<string, string>
        {
            ["Model__Provider"] = "OpenAI", ["Model__Name"] = "gpt-4o", ["Model__Credential"] = "ManagedIdentity",
        });
        Assert.Equal(2, code);
        Assert.Contains("Configuration error: Model:Credential=ManagedIdentity works only with Model:Provider=AzureOpenAI; OpenAI needs Model:Credential=Key.", lines);
    }

    private static AzureCredentialFactory Factory(HttpMessageHandler handler, WorkloadIdentityOptions workload)
    {
        var http = new Mock<IHttpClientFactory>();
        http.Setup(f => f.CreateClient(It.IsAny<string>())).Returns(() => new HttpClient(handler, disposeHandler: false));
        return new AzureCredentialFactory(http.Object, Options.Create(workload));
    }

    private static HttpResponseMessage Json(string body) => new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static HttpResponseMessage ChatCompletion(string text) => Json(
        $$"""{"id":"c1","object":"chat.completion","created":1700000000,"model":"dep","choices":[{"index":0,"message":{"role":"assistant","content":"{{text}}"},"finish_reason":"stop"}]}""");

    private sealed record SentRequest(Uri Uri, string? Authorization, bool HasApiKey, IReadOnlyDictionary<string, string> Form);

    /// <summary>Answers every request in memory (no DNS, no network) and records what was sent.</summary>
    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<SentRequest> _requests = new();
        public IReadOnlyList<SentRequest> Requests => [.. _requests];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var form = request.Content?.Headers.ContentType?.MediaType == "application/x-www-form-urlencoded"
                ? (await request.Content.ReadAsStringAsync(cancellationToken)).Split('&')
                    .Select(p => p.Split('=', 2)).ToDictionary(p => WebUtility.UrlDecode(p[0]), p => WebUtility.UrlDecode(p.ElementAtOrDefault(1) ?? ""))
                : new Dictionary<string, string>();
            _requests.Enqueue(new SentRequest(request.RequestUri!, request.Headers.Authorization?.ToString(), request.Headers.Contains("api-key"), form));
            return respond(request);
        }
    }

    private sealed class RecordingCredential(string token) : TokenCredential
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _scopes = new();
        public IReadOnlyList<string> Scopes => [.. _scopes];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            foreach (var s in requestContext.Scopes) _scopes.Enqueue(s);
            return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
