using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Testing;

/// <summary>The fake connector's Teams behaviours (limits, installs, failures, ledger) and the fake Graph's app installs, over real HTTP.</summary>
public sealed class FakeConnectorLimitsTests : IAsyncLifetime
{
    private const string Tenant = "tenant-1";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly HttpClient _http = new();
    private FakeConnector _connector = null!;

    public async Task InitializeAsync() => _connector = await FakeConnector.StartAsync(_time);

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _connector.DisposeAsync();
    }

    private static string Send(string text, string? tenant = Tenant) => JsonSerializer.Serialize(new
    {
        type = "message",
        text,
        conversation = tenant is null ? null : new { tenantId = tenant },
    });

    private static string Create(string member, string? text = "hello", string tenant = Tenant) => JsonSerializer.Serialize(new
    {
        bot = new { id = "28:bot" },
        members = new[] { new { id = member } },
        isGroup = false,
        tenantId = tenant,
        channelData = new { tenant = new { id = tenant } },
        activity = text is null ? null : new { type = "message", text },
    }, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> CallAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, _connector.ServiceUrl + path.TrimStart('/'));
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    private Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendToAsync(string conversation, string text, string? tenant = Tenant) =>
        CallAsync(HttpMethod.Post, $"v3/conversations/{Uri.EscapeDataString(conversation)}/activities", Send(text, tenant));

    private Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> CreateAsync(string member, string? text = "hello") =>
        CallAsync(HttpMethod.Post, "v3/conversations", Create(member, text));

    private static string Code(JsonElement body) => body.GetProperty("error").GetProperty("code").GetString()!;

    [Fact]
    public async Task Tenant_limit_answers_429_with_Retry_After_beyond_the_requests_per_second()
    {
        _connector.EnforceLimits(tenantRequestsPerSecond: 3, retryAfterSeconds: 2);
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.Created, (await SendToAsync($"a:chat-{i}", $"m{i}")).Status);

        var (status, body, response) = await SendToAsync("a:chat-3", "one too many");
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
        Assert.Equal("TooManyRequests", Code(body));
        // A bodiless DELETE counts against the tenant remembered for its conversation.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await CallAsync(HttpMethod.Delete, "v3/conversations/a:chat-0/activities/1")).Status);
        // Another tenant has its own budget.
        Assert.Equal(HttpStatusCode.Created, (await SendToAsync("a:other", "x", tenant: "tenant-2")).Status);

        Assert.Equal(2, _connector.Throttled);
        Assert.Equal(2, _connector.ThrottledByTenant[Tenant]);
        Assert.Equal(4, _connector.DeliveryCount);

        _time.Advance(TimeSpan.FromSeconds(1)); // the window slides on
        Assert.Equal(HttpStatusCode.Created, (await SendToAsync("a:chat-0", "later")).Status);
    }

    [Fact]
    public async Task Conversation_limit_is_seven_sends_per_second_including_the_create()
    {
        _connector.EnforceLimits(tenantRequestsPerSecond: 1000);
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync("29:ann")).Status); // 1
        for (var i = 2; i <= 7; i++) Assert.Equal(HttpStatusCode.Created, (await SendToAsync("a:1:29:ann", $"m{i}")).Status);

        var (status, body, response) = await SendToAsync("a:1:29:ann", "eighth");
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("TooManyRequests", Code(body));
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.Created, (await SendToAsync("a:1:29:bob", "another chat")).Status);
        Assert.Equal(1, _connector.Throttled);

        _time.Advance(TimeSpan.FromMilliseconds(1000));
        Assert.Equal(HttpStatusCode.Created, (await SendToAsync("a:1:29:ann", "next second")).Status);
        Assert.Equal(8, _connector.DeliveriesPerMember()["29:ann"]);
    }

    [Fact]
    public async Task FailUser_fails_creates_and_sends_for_that_member_only()
    {
        _connector.FailUser("29:blocked", 403, "MessageWritesBlocked");
        _connector.FailUser("29:flaky", 503, "ServiceUnavailable", times: 1);

        var (status, body, _) = await CreateAsync("29:blocked");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("MessageWritesBlocked", Code(body));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("message").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, (await SendToAsync("a:1:29:blocked", "again")).Status);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await CreateAsync("29:flaky")).Status);
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync("29:flaky")).Status);
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync("29:fine")).Status);

        Assert.Equal(["29:fine", "29:flaky"], _connector.Deliveries.Select(d => d.MemberId!).Order());
    }

    [Fact]
    public async Task A_user_without_the_app_gets_BotNotInConversationRoster_and_nothing_is_delivered()
    {
        _connector.IsInstalledFor = member => member != "aad-without-app";

        var (status, body, _) = await CreateAsync("aad-without-app");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("BotNotInConversationRoster", Code(body));
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync("aad-with-app")).Status);

        var delivery = Assert.Single(_connector.Deliveries);
        Assert.Equal("aad-with-app", delivery.MemberId);
        Assert.Equal("a:1:aad-with-app", delivery.ConversationId);
        Assert.Contains("\"hello\"", delivery.Body);
    }

    [Fact]
    public async Task One_on_one_conversations_are_deterministic_and_activity_ids_increase()
    {
        var first = await CreateAsync("aad-1");
        var again = await CreateAsync("aad-1");
        var withoutActivity = await CreateAsync("aad-2", text: null);
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal("a:1:aad-1", first.Body.GetProperty("id").GetString());
        Assert.Equal("a:1:aad-1", again.Body.GetProperty("id").GetString());
        Assert.Equal("a:1:aad-2", withoutActivity.Body.GetProperty("id").GetString());
        Assert.False(withoutActivity.Body.TryGetProperty("activityId", out _));

        var sent = await SendToAsync("a:1:aad-2", "into the chat", tenant: null);
        var ids = new[] { first.Body.GetProperty("activityId"), again.Body.GetProperty("activityId"), sent.Body.GetProperty("id") }
            .Select(e => long.Parse(e.GetString()!)).ToList();
        Assert.All(ids, id => Assert.True(id > FakeConnector.FirstActivityId));
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(3, ids.Distinct().Count());

        Assert.Equal(new Dictionary<string, int> { ["aad-1"] = 2, ["aad-2"] = 1 }, _connector.DeliveriesPerMember());
        Assert.Equal(3, _connector.DeliveryCount);
        Assert.Equal(ids.Select(i => i.ToString()), _connector.Deliveries.Select(d => d.ActivityId));
    }

    [Fact]
    public async Task Deletes_are_recorded()
    {
        var created = await CreateAsync("aad-1");
        var activityId = created.Body.GetProperty("activityId").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(HttpMethod.Delete, $"v3/conversations/a%3A1%3Aaad-1/activities/{activityId}")).Status);
        Assert.Equal([("a:1:aad-1", activityId)], _connector.Deleted);
    }

    [Fact]
    public async Task Scripted_answers_still_come_first()
    {
        _connector.EnforceLimits(tenantRequestsPerSecond: 1);
        _connector.ScriptSends(new FakeResponse(502), times: 1);
        Assert.Equal(HttpStatusCode.BadGateway, (await SendToAsync("a:1:x", "scripted")).Status);
        Assert.Equal(HttpStatusCode.Created, (await SendToAsync("a:1:x", "counted")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SendToAsync("a:1:x", "over")).Status);
        Assert.Equal(3, (await _connector.WaitForSendsAsync(3)).Count);
    }

    [Fact]
    public async Task Without_recording_deliveries_are_counted_but_nothing_is_kept()
    {
        using var connector = await FakeConnectorScope.StartAsync();
        var fake = connector.Fake;
        fake.RecordRequests = false;
        fake.EnforceLimits(tenantRequestsPerSecond: 100_000, conversationSendsPerSecond: 100_000);
        var url = fake.ServiceUrl;
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForAsync(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            using var content = new StringContent(Send($"message {i}"), Encoding.UTF8, "application/json");
            using var response = await _http.PostAsync($"{url}v3/conversations/a%3A1%3Auser-{i % 100}/activities", content, ct);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        });
        await fake.WaitForDeliveriesAsync(2000, TimeSpan.FromSeconds(5));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(4), $"2000 requests took {stopwatch.Elapsed}");
        Assert.Empty(fake.Requests);
        Assert.Equal(2000, fake.DeliveryCount);
        Assert.All(fake.Deliveries, d => Assert.Equal("", d.Body));
        Assert.Equal(100, fake.DeliveriesPerMember().Count);
        Assert.All(fake.DeliveriesPerMember().Values, n => Assert.Equal(20, n));
    }

    private sealed class FakeConnectorScope : IDisposable
    {
        public required FakeConnector Fake { get; init; }
        public static async Task<FakeConnectorScope> StartAsync() => new() { Fake = await FakeConnector.StartAsync() };
        public void Dispose() => Fake.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}

public sealed class FakeGraphInstallTests : IAsyncLifetime
{
    private const string AppId = "11111111-2222-3333-4444-555555555555";
    private FakeGraphServer _graph = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _graph = await FakeGraphServer.StartAsync();
        _graph.CatalogAppId = AppId;
        _graph.AddUser(new FakeUser { Id = "u-1", UserPrincipalName = "ann@contoso.test" });
        _graph.AddUser(new FakeUser { Id = "u-2", UserPrincipalName = "bob@contoso.test" });
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FakeGraphServer.Token);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _graph.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, string Body)> InstallAsync(string user, string? body = null)
    {
        body ??= JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["teamsApp@odata.bind"] = $"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{AppId}",
        });
        using var response = await _http.PostAsync($"{_graph.BaseUrl}/v1.0/users/{user}/teamwork/installedApps",
            new StringContent(body, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Install_answers_201_then_409_and_the_install_is_listed()
    {
        Assert.Equal(HttpStatusCode.Created, (await InstallAsync("u-1")).Status);
        var (status, body) = await InstallAsync("u-1");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("Conflict", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.True(_graph.IsInstalled("u-1"));
        Assert.False(_graph.IsInstalled("u-2"));

        var list = await _http.GetStringAsync($"{_graph.BaseUrl}/v1.0/users/u-1/teamwork/installedApps?$expand=teamsApp&$filter=teamsApp/id eq '{AppId}'");
        var installed = Assert.Single(JsonDocument.Parse(list).RootElement.GetProperty("value").EnumerateArray());
        Assert.Equal(AppId, installed.GetProperty("teamsApp").GetProperty("id").GetString());
        Assert.False(string.IsNullOrEmpty(installed.GetProperty("id").GetString()));
        var none = await _http.GetStringAsync($"{_graph.BaseUrl}/v1.0/users/u-2/teamwork/installedApps?$expand=teamsApp&$filter=teamsApp/id eq '{AppId}'");
        Assert.Empty(JsonDocument.Parse(none).RootElement.GetProperty("value").EnumerateArray());
    }

    [Fact]
    public async Task Unknown_users_bad_bodies_failures_and_marked_installs()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await InstallAsync("u-missing")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await InstallAsync("u-1", "{\"teamsApp\":\"x\"}")).Status);

        _graph.FailInstall("u-2", 403, "Forbidden", times: 1);
        Assert.Equal(HttpStatusCode.Forbidden, (await InstallAsync("u-2")).Status);
        Assert.Equal(HttpStatusCode.Created, (await InstallAsync("u-2")).Status);

        _graph.MarkInstalled("u-1");
        Assert.Equal(HttpStatusCode.Conflict, (await InstallAsync("ann@contoso.test")).Status);

        _graph.ThrottleNextRequests(1);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await InstallAsync("u-1")).Status);

        Assert.Equal(["u-missing", "u-1", "u-2", "u-2", "ann@contoso.test"], _graph.InstallRequests);
    }
}
