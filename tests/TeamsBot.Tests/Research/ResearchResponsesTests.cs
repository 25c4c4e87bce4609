using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Agencies;
using TeamsBot.Research;
using TeamsBot.Storage;
using TeamsBot.Testing;
using TeamsBot.Tests.Broadcasts;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;
using static TeamsBot.Tests.Events.EventHarness;

namespace TeamsBot.Tests.Research;

/// <summary>
/// A fake OpenAI Responses API on 127.0.0.1 in background mode: a response goes queued → in_progress → completed (with
/// url and file citations), or fails, or is cancelled through <c>POST /v1/responses/{id}/cancel</c>. Azure OpenAI's
/// <c>/openai/v1/…</c> paths are served alike.
/// </summary>
internal sealed class FakeResponses : IAsyncDisposable
{
    public const string Text = "Agencies keep AI chat records under their own retention schedules.\n"
        + "- Chat logs are federal records when they document agency business.\n"
        + "- Never paste personal data into the assistant.";
    private LocalServer _server = null!;
    private readonly ConcurrentQueue<string> _statuses = new();

    public ConcurrentQueue<(string Method, string Path, string? Authorization, string Body, string? ApiKey)> Requests { get; } = new();
    public string BaseUrl => _server.BaseUrl + "/v1";
    /// <summary>The resource root an Azure OpenAI <c>Model:Endpoint</c> names (the bot appends <c>/openai/v1/</c>).</summary>
    public string AzureEndpoint => _server.BaseUrl;

    /// <summary>What successive polls answer (the last one repeats).</summary>
    public void Script(params string[] statuses) { foreach (var s in statuses) _statuses.Enqueue(s); }

    public static async Task<FakeResponses> StartAsync()
    {
        var fake = new FakeResponses();
        fake._server = await LocalServer.StartAsync(app =>
        {
            app.Map("/v1/{**path}", fake.HandleAsync);
            app.Map("/openai/v1/{**path}", fake.HandleAsync);
        });
        return fake;
    }

    private string _last = "queued";

    private async Task HandleAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync();
        var raw = http.Request.Path.Value!;
        var apiKey = http.Request.Headers.TryGetValue("api-key", out var key) ? key.ToString() : null;
        Requests.Enqueue((http.Request.Method, raw, http.Request.Headers.Authorization.ToString(), body, apiKey));
        var path = raw.StartsWith("/openai/", StringComparison.Ordinal) ? raw["/openai".Length..] : raw;
        if (HttpMethods.IsPost(http.Request.Method) && path == "/v1/responses")
        {
            await http.Response.WriteAsJsonAsync(new { id = "resp_fake_1", @object = "response", status = "queued", background = true });
            return;
        }
        if (HttpMethods.IsPost(http.Request.Method) && path.EndsWith("/cancel", StringComparison.Ordinal))
        {
            _last = "cancelled";
            _statuses.Clear();
            await http.Response.WriteAsJsonAsync(new { id = "resp_fake_1", status = "cancelled" });
            return;
        }
        var status = _statuses.TryDequeue(out var next) ? _last = next : _last;
        object[] output = status switch
        {
            "in_progress" => [new { type = "file_search_call", id = "fs_1", status = "completed" }, new { type = "file_search_call", id = "fs_2", status = "in_progress" }],
            "completed" =>
            [
                new { type = "file_search_call", id = "fs_1", status = "completed" },
                new
                {
                    type = "message", role = "assistant",
                    content = new object[]
                    {
                        new
                        {
                            type = "output_text", text = Text,
                            annotations = new object[]
                            {
                                new { type = "url_citation", url = "https://www.archives.gov/records-mgmt/ai", title = "NARA guidance on AI records",
                                      start_index = Text.IndexOf("federal records", StringComparison.Ordinal), end_index = Text.IndexOf("federal records", StringComparison.Ordinal) + 15 },
                                new { type = "file_citation", file_id = "file_data_rules", filename = "data-rules.md", index = Text.IndexOf("personal data", StringComparison.Ordinal) },
                            },
                        },
                    },
                },
            ],
            _ => [],
        };
        await http.Response.WriteAsJsonAsync(new { id = "resp_fake_1", @object = "response", status, output });
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

public sealed class ResearchResponsesTests : IAsyncLifetime
{
    private BroadcastHarness _h = null!;
    private FakeResponses _api = null!;
    private BotApp _bot = null!;

    public async Task InitializeAsync()
    {
        _h = await BroadcastHarness.StartAsync(gsaUsers: 3);
        _api = await FakeResponses.StartAsync();
        _bot = await StartBotAsync(_h, _api);
    }

    /// <summary>A bot researching through <paramref name="api"/> with an API key, GSA's window open.</summary>
    internal static async Task<BotApp> StartBotAsync(BroadcastHarness h, FakeResponses api, params (string Key, string Value)[] extra)
    {
        var settings = Settings(h, "Compatible", api.BaseUrl);
        settings["Model:ApiKey"] = "sk-test-research";
        foreach (var (key, value) in extra) settings[key] = value;
        var bot = await BotApp.StartAsync(settings);
        await ResearchTests.OpenWindowAsync(bot.Services.GetRequiredService<IAgencyRegistry>(), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return bot;
    }

    /// <summary>The Responses provider over the approved documents' vector store, on the model endpoint of <paramref name="provider"/>.</summary>
    internal static Dictionary<string, string?> Settings(BroadcastHarness h, string provider, string endpoint)
    {
        var settings = ResearchTests.Settings(h, stepDelay: "00:00:00");
        settings["Research:Provider"] = "Responses";
        settings["Research:VectorStoreIds"] = "vs_approved_docs";
        settings["Research:PollInterval"] = "00:00:00.2";
        settings["Model:Provider"] = provider;
        settings["Model:Endpoint"] = endpoint;
        settings["Model:Name"] = "gpt-test";
        return settings;
    }

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        await _api.DisposeAsync();
        await _h.DisposeAsync();
    }

    private Task AskAsync(int user) =>
        _bot.SendAsync(Person(TestActivities.Message(_h.Connector.ServiceUrl, "research How should agencies keep AI chat records?", conversationId: ChatOf(UserId(user))), UserId(user), TenantA));

    [Fact]
    public async Task A_background_response_is_polled_until_completed_and_its_citations_become_Teams_citations()
    {
        _api.Script("queued", "in_progress", "in_progress", "completed");
        await AskAsync(1);
        var requests = await _h.Connector.WaitForAsync(r => r.Any(ResearchTests.IsConsentCard), TimeSpan.FromSeconds(30));

        var create = _api.Requests.First();
        Assert.Equal(("POST", "/v1/responses", "Bearer sk-test-research"), (create.Method, create.Path, create.Authorization));
        var body = JsonDocument.Parse(create.Body).RootElement;
        Assert.True(body.GetProperty("background").GetBoolean());
        Assert.Equal("o4-mini-deep-research", body.GetProperty("model").GetString());
        Assert.Equal("file_search", body.GetProperty("tools")[0].GetProperty("type").GetString());
        Assert.Equal("vs_approved_docs", body.GetProperty("tools")[0].GetProperty("vector_store_ids")[0].GetString());
        Assert.Equal(1, body.GetProperty("tools").GetArrayLength()); // no web: the agency did not allow it
        Assert.Single(_api.Requests, r => r.Method == "POST" && r.Path == "/v1/responses"); // created once, then polled
        Assert.True(_api.Requests.Count(r => r.Method == "GET" && r.Path == "/v1/responses/resp_fake_1") >= 4);

        var report = JsonDocument.Parse(requests.Single(ResearchTests.IsReport).Body).RootElement;
        var text = report.GetProperty("text").GetString()!;
        Assert.Contains("Chat logs are federal records when they document agency business. [1]", text);
        Assert.Contains("Never paste personal data into the assistant. [2]", text);
        var citations = report.GetProperty("entities")[0].GetProperty("citation");
        Assert.Equal("NARA guidance on AI records", citations[0].GetProperty("appearance").GetProperty("name").GetString());
        Assert.Equal("https://www.archives.gov/records-mgmt/ai", citations[0].GetProperty("appearance").GetProperty("url").GetString());
        Assert.Equal("data-rules.md", citations[1].GetProperty("appearance").GetProperty("name").GetString());
        Assert.Equal("AIGeneratedContent", report.GetProperty("entities")[0].GetProperty("additionalType")[0].GetString());
    }

    [Fact]
    public async Task Cancel_cancels_the_background_response_and_a_failed_one_is_reported_without_a_report()
    {
        _api.Script("in_progress");
        await AskAsync(2);
        await _h.Connector.WaitForAsync(r => r.Any(x => x.Method == "PUT" && x.ConversationId == ChatOf(UserId(2)) && x.Body.Contains("Reading sources", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        await using (var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
        {
            var job = await db.Set<ResearchJob>().SingleAsync(j => j.ObjectId == UserId(2));
            await CardOfAsync(await _bot.SendAsync(Person(TestActivities.Invoke(_h.Connector.ServiceUrl, "adaptiveCard/action",
                new { action = new { type = "Action.Execute", verb = "research.cancel", data = new { researchId = job.Id } }, trigger = "manual" },
                conversationId: ChatOf(UserId(2))), UserId(2), TenantA)));
        }
        Assert.Contains(_api.Requests, r => r.Method == "POST" && r.Path == "/v1/responses/resp_fake_1/cancel");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(_h.Connector.Requests, r => r.ConversationId == ChatOf(UserId(2)) && ResearchTests.IsReport(r));

        // An agency that allows web research gets the web search tool too.
        var registry = _bot.Services.GetRequiredService<IAgencyRegistry>();
        await registry.UpsertAsync((await registry.FindAsync("gsa", default))! with { AllowWebResearch = true }, default);
        _api.Script("in_progress", "failed");
        await AskAsync(3);
        var told = await _h.Connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == ChatOf(UserId(3)) && x.Body.Contains("Something went wrong", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(told, r => r.ConversationId == ChatOf(UserId(3)) && ResearchTests.IsReport(r));
        var tools = JsonDocument.Parse(_api.Requests.Last(r => r.Method == "POST" && r.Path == "/v1/responses").Body).RootElement.GetProperty("tools");
        Assert.Equal(["file_search", "web_search_preview"], tools.EnumerateArray().Select(t => t.GetProperty("type").GetString()));
    }
    [Fact]
    public async Task A_research_past_its_time_limit_cancels_its_background_response_at_the_provider()
    {
        await using (var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
        {
            db.Add(new ResearchJob
            {
                Id = "overdue", ObjectId = UserId(1), TenantId = TenantA, AgencyId = "gsa", ServiceUrl = _h.Connector.ServiceUrl, ConversationId = ChatOf(UserId(1)),
                Question = "q", Status = ResearchStatus.Running, CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-31),
                State = JsonSerializer.Serialize(new ResearchState { Step = 1, Polls = 40, ResponseId = "resp_overdue_7" }, new JsonSerializerOptions(JsonSerializerDefaults.Web)),
            });
            await db.SaveChangesAsync();
        }
        await _bot.Services.GetRequiredService<ResearchService>().ResumeStrandedAsync(default);
        var told = await _h.Connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == ChatOf(UserId(1)) && x.Body.Contains("ran past 30 minutes", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));

        // The response would otherwise run (and bill) on at the provider: stopped there too, once, and nothing is delivered.
        Assert.Single(_api.Requests, r => r.Method == "POST" && r.Path == "/v1/responses/resp_overdue_7/cancel");
        Assert.DoesNotContain(told, r => r.ConversationId == ChatOf(UserId(1)) && ResearchTests.IsReport(r));
    }
}

/// <summary>The Responses provider on Azure OpenAI through a managed identity (<c>Model:Credential</c>): an Entra token for the endpoint's cloud, no key.</summary>
public sealed class ResearchResponsesKeylessTests
{
    private const string IdentityClientId = "3c2b1a00-5e4d-4c3b-8a29-1f0e9d8c7b6a";

    [Fact]
    public async Task A_managed_identity_token_for_Azure_OpenAI_reaches_the_Responses_API_and_no_api_key_is_sent()
    {
        await using var h = await BroadcastHarness.StartAsync(gsaUsers: 1);
        await using var identity = await FakeManagedIdentity.StartAsync();
        await using var api = await FakeResponses.StartAsync();
        api.Script("in_progress", "completed");
        var settings = ResearchResponsesTests.Settings(h, "AzureOpenAI", api.AzureEndpoint);
        settings["Model:Credential"] = "ManagedIdentity";
        settings["Model:ManagedIdentityClientId"] = IdentityClientId;
        var environment = ResearchTests.Environment(settings);
        foreach (var (key, value) in identity.Environment) environment[key] = value;
        await using var bot = await RunningBot.StartAsync(environment);

        await ResearchTests.OpenWindowAndAskAsync(bot, h, user: 1);
        var requests = await h.Connector.WaitForAsync(r => r.Any(ResearchTests.IsConsentCard), TimeSpan.FromSeconds(60));

        Assert.Contains("Chat logs are federal records", requests.Single(ResearchTests.IsReport).Body);
        var issued = identity.Requests.Where(r => r.Resource == "https://cognitiveservices.azure.com").ToList();
        Assert.NotEmpty(issued);
        Assert.All(issued, r => Assert.Equal(IdentityClientId, r.ClientId));
        var calls = api.Requests.ToList();
        Assert.Contains(calls, c => c is { Method: "POST", Path: "/openai/v1/responses" });
        Assert.Contains(calls, c => c is { Method: "GET", Path: "/openai/v1/responses/resp_fake_1" });
        Assert.All(calls, c => Assert.Contains(c.Authorization, issued.Select(r => $"Bearer {r.IssuedToken}")));
        Assert.All(calls, c => Assert.Null(c.ApiKey));
    }

    [Theory]
    [InlineData("https://my-agency.openai.azure.us/", "https://cognitiveservices.azure.us/.default")]
    [InlineData("https://my-agency.openai.azure.com/", "https://cognitiveservices.azure.com/.default")]
    public void The_token_is_asked_for_the_audience_of_the_endpoints_cloud(string endpoint, string scope) =>
        Assert.Equal(scope, ResponsesResearch.Scope(new TeamsBot.Answers.ModelOptions { Provider = "AzureOpenAI", Endpoint = endpoint, Credential = "ManagedIdentity" }));
}
