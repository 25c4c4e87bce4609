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
/// url and file citations), or fails, or is cancelled through <c>POST /v1/responses/{id}/cancel</c>.
/// </summary>
internal sealed class FakeResponses : IAsyncDisposable
{
    public const string Text = "Agencies keep AI chat records under their own retention schedules.\n"
        + "- Chat logs are federal records when they document agency business.\n"
        + "- Never paste personal data into the assistant.";
    private LocalServer _server = null!;
    private readonly ConcurrentQueue<string> _statuses = new();

    public ConcurrentQueue<(string Method, string Path, string? Authorization, string Body)> Requests { get; } = new();
    public string BaseUrl => _server.BaseUrl + "/v1";

    /// <summary>What successive polls answer (the last one repeats).</summary>
    public void Script(params string[] statuses) { foreach (var s in statuses) _statuses.Enqueue(s); }

    public static async Task<FakeResponses> StartAsync()
    {
        var fake = new FakeResponses();
        fake._server = await LocalServer.StartAsync(app => app.Map("/v1/{**path}", fake.HandleAsync));
        return fake;
    }

    private string _last = "queued";

    private async Task HandleAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync();
        var path = http.Request.Path.Value!;
        Requests.Enqueue((http.Request.Method, path, http.Request.Headers.Authorization.ToString(), body));
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
        var settings = ResearchTests.Settings(_h, stepDelay: "00:00:00");
        settings["Research:Provider"] = "Responses";
        settings["Research:VectorStoreIds"] = "vs_approved_docs";
        settings["Research:PollInterval"] = "00:00:00.2";
        settings["Model:Provider"] = "Compatible";
        settings["Model:Endpoint"] = _api.BaseUrl;
        settings["Model:ApiKey"] = "sk-test-research";
        settings["Model:Name"] = "gpt-test";
        _bot = await BotApp.StartAsync(settings);
        await ResearchTests.OpenWindowAsync(_bot.Services.GetRequiredService<IAgencyRegistry>(), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
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
}
