using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Connector;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Testing;

namespace TeamsBot.Protocol.Tests;

/// <summary>The Teams batch messaging client over real HTTP against the fake connector (local development mode: no token).</summary>
public class ConnectorBatchClientTests : IAsyncLifetime
{
    private const string Tenant = "tenant-1";
    private FakeConnector _connector = null!;
    private IHost _host = null!;
    private IConnectorBatchClient _client = null!;

    public async Task InitializeAsync()
    {
        _connector = await FakeConnector.StartAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bot:ServiceUrls:0"] = _connector.ServiceUrl,
            ["Connector:BaseDelay"] = "00:00:00.020",
            ["Connector:MaxRetries"] = "3",
            ["Connector:MaxDelay"] = "00:00:01.500",
            ["Connector:Batch:MinPollInterval"] = "00:00:00.020",
            ["Connector:Batch:DefaultPollInterval"] = "00:00:00.050",
            ["Connector:Batch:MaxPollInterval"] = "00:00:02",
        });
        builder.AddTeamsBotProtocol();
        _host = builder.Build();
        _client = _host.Services.GetRequiredService<IConnectorBatchClient>();
    }

    public async Task DisposeAsync()
    {
        _host.Dispose();
        await _connector.DisposeAsync();
    }

    private string Url => _connector.ServiceUrl;

    private static IReadOnlyList<string> Users(int n) => [.. Enumerable.Range(1, n).Select(i => $"29:user-{i}")];

    private IReadOnlyList<ConnectorRequest> Batch(string method) =>
        [.. _connector.Requests.Where(r => r.Method == method && r.Path.StartsWith("/v3/batch/", StringComparison.Ordinal))];

    [Fact]
    public async Task Send_to_users_posts_members_activity_and_tenant_as_buffered_json()
    {
        var id = await _client.SendToUsersAsync(Url, Tenant, Users(3), Activity.Message("Office closed Friday"));

        Assert.Equal("op-1", id);
        var post = Assert.Single(Batch("POST"));
        Assert.Equal("/v3/batch/conversation/users", post.Path);
        Assert.NotNull(post.ContentLength);
        Assert.False(post.Chunked);
        Assert.StartsWith("application/json", post.ContentType);
        var body = post.Json;
        Assert.Equal(["activity", "members", "tenantId"], body.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(Users(3), body.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.All(body.GetProperty("members").EnumerateArray(), m => Assert.Single(m.EnumerateObject()));
        Assert.Equal("message", body.GetProperty("activity").GetProperty("type").GetString());
        Assert.Equal("Office closed Friday", body.GetProperty("activity").GetProperty("text").GetString());
        Assert.Equal(Tenant, body.GetProperty("tenantId").GetString());

        var op = Assert.Single(_connector.BatchOperations);
        Assert.Equal(("users", Tenant), (op.Kind, op.TenantId));
        Assert.Equal(Users(3), op.Members);
        Assert.Equal("Office closed Friday", op.Activity!.Text);
    }

    [Fact]
    public async Task Tenant_team_and_channels_bodies_have_their_own_shapes()
    {
        await _client.SendToTenantAsync(Url, Tenant, Activity.Message("all"));
        await _client.SendToTeamAsync(Url, Tenant, "19:team@thread.tacv2", Activity.Message("team"));
        await _client.SendToChannelsAsync(Url, Tenant, ["19:a@thread.tacv2", "19:b@thread.tacv2"], Activity.Message("channels"));

        var posts = Batch("POST");
        Assert.Equal(["/v3/batch/conversation/tenant", "/v3/batch/conversation/team", "/v3/batch/conversation/channels"], posts.Select(p => p.Path));
        Assert.Equal(["activity", "tenantId"], posts[0].Json.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(["activity", "teamId", "tenantId"], posts[1].Json.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("19:team@thread.tacv2", posts[1].Json.GetProperty("teamId").GetString());
        Assert.Equal(["activity", "members", "tenantId"], posts[2].Json.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(["19:a@thread.tacv2", "19:b@thread.tacv2"], _connector.BatchOperations[2].Members);
        Assert.Equal(["tenant", "team", "channels"], _connector.BatchOperations.Select(o => o.Kind));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_operation_id_is_read_from_an_object_or_a_bare_string(bool bare)
    {
        _connector.BatchReturnsBareString = bare;
        var id = await _client.SendToTenantAsync(Url, Tenant, Activity.Message("hi"));
        Assert.Equal("op-1", id);
        var state = await _client.GetOperationAsync(Url, id, Tenant);
        Assert.Equal("InProgress", state.State);
    }

    [Theory]
    [InlineData("\"op-7\"", "op-7")]
    [InlineData("{\"operationId\":\"op-7\"}", "op-7")]
    [InlineData("{\"OperationId\":\"op-7\",\"other\":1}", "op-7")]
    [InlineData(" op-7\n", "op-7")] // plain text, as botbuilder's own test doubles answer
    [InlineData("", null)]
    [InlineData("{}", null)]
    [InlineData("{\"operationId\":\"\"}", null)]
    [InlineData("not an id", null)]
    public void Operation_id_forms(string body, string? expected) => Assert.Equal(expected, ConnectorBatchClient.ParseOperationId(body));

    [Fact]
    public async Task A_success_without_an_operation_id_is_an_error()
    {
        _connector.Script(r => r.Method == "POST", new FakeResponse(201, new { something = "else" }));
        var error = await Assert.ThrowsAsync<ConnectorException>(() => _client.SendToTenantAsync(Url, Tenant, Activity.Message("hi")));
        Assert.Equal(HttpStatusCode.Created, error.StatusCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Waiting_polls_no_sooner_than_retryAfter(bool retryAfterAsSeconds)
    {
        // retryAfter is well above the configured default interval (50 ms), so the gaps below come from retryAfter alone.
        _connector.BatchPollsBeforeDone = 2;
        _connector.BatchRetryAfter = TimeSpan.FromMilliseconds(400);
        _connector.BatchRetryAfterAsSeconds = retryAfterAsSeconds;

        var outcome = await _client.SendToUsersAndWaitAsync(Url, Tenant, Users(2), Activity.Message("hi"));

        Assert.Equal("op-1", outcome.OperationId);
        Assert.Equal("Completed", outcome.Final.State);
        Assert.True(outcome.Final.IsFinished);
        Assert.Equal(2, outcome.Final.TotalEntriesCount);
        Assert.Equal(2, outcome.Final.Succeeded);
        Assert.Empty(outcome.Failed);
        var polls = Batch("GET").Where(r => !r.Path.Contains("/failedentries/")).ToList();
        Assert.Equal(3, polls.Count);
        Assert.All(polls, p => Assert.Equal("/v3/batch/conversation/op-1", p.Path));
        for (var i = 1; i < polls.Count; i++)
        {
            var gap = polls[i].At - polls[i - 1].At;
            // Lower bound only (timer granularity tolerance): a wait is never shorter than Teams asked for.
            Assert.True(gap >= TimeSpan.FromMilliseconds(370), $"poll {i} came {gap.TotalMilliseconds} ms after the previous one");
        }
    }

    [Fact]
    public async Task Failed_entries_are_paged_to_the_end()
    {
        _connector.BatchPollsBeforeDone = 0;
        _connector.BatchFailures["29:user-2"] = "MessageWritesBlocked";
        _connector.BatchFailures["29:user-4"] = "BotNotInstalled";
        _connector.BatchFailures["29:user-5"] = "MessageWritesBlocked";
        _connector.BatchFailures["29:not-in-this-batch"] = "Nope";

        var outcome = await _client.SendToUsersAndWaitAsync(Url, Tenant, Users(5), Activity.Message("hi"));

        Assert.Equal(new Dictionary<string, int> { ["201"] = 2, ["403"] = 3 }, outcome.Final.StatusMap);
        Assert.Equal(2, outcome.Final.Succeeded);
        Assert.Equal([new BatchFailedEntry("29:user-2", "MessageWritesBlocked"), new BatchFailedEntry("29:user-4", "BotNotInstalled"),
            new BatchFailedEntry("29:user-5", "MessageWritesBlocked")], outcome.Failed);
        var pages = Batch("GET").Where(r => r.Path.Contains("/failedentries/")).ToList();
        Assert.Equal(2, pages.Count);
        Assert.Equal("/v3/batch/conversation/failedentries/op-1", pages[0].Path);
        Assert.Equal("/v3/batch/conversation/failedentries/op-1?continuationToken=page%3A2", pages[1].Path);
    }

    [Fact]
    public async Task Failed_entries_one_page_at_a_time()
    {
        _connector.BatchFailures["29:user-1"] = "E1";
        var id = await _client.SendToUsersAsync(Url, Tenant, Users(1), Activity.Message("hi"));
        var page = await _client.GetFailedEntriesAsync(Url, id, tenantId: Tenant);
        Assert.Null(page.ContinuationToken);
        Assert.Equal([new BatchFailedEntry("29:user-1", "E1")], page.FailedEntries);
    }

    [Fact]
    public async Task Cancel_deletes_the_operation()
    {
        var id = await _client.SendToTeamAsync(Url, Tenant, "19:team@thread.tacv2", Activity.Message("hi"));
        await _client.CancelOperationAsync(Url, id, Tenant);
        var delete = Assert.Single(Batch("DELETE"));
        Assert.Equal("/v3/batch/conversation/op-1", delete.Path);
        Assert.True(_connector.BatchOperations[0].Cancelled);
        Assert.Equal("Cancelled", (await _client.GetOperationAsync(Url, id, Tenant)).State);
        Assert.True((await _client.GetOperationAsync(Url, id, Tenant)).IsFinished);
    }

    [Fact]
    public async Task A_cancelled_wait_cancels_the_operation()
    {
        _connector.BatchPollsBeforeDone = int.MaxValue;
        _connector.BatchRetryAfter = TimeSpan.FromMinutes(5); // bounded by MaxPollInterval (2 s)
        using var cts = new CancellationTokenSource();
        var wait = _client.SendToUsersAndWaitAsync(Url, Tenant, Users(3), Activity.Message("hi"), cts.Token);
        await _connector.WaitForAsync(r => r.Any(x => x.Method == "GET"));
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        Assert.True(_connector.BatchOperations[0].Cancelled);
        Assert.Equal("/v3/batch/conversation/op-1", Assert.Single(Batch("DELETE")).Path);
    }

    [Fact]
    public async Task Recipient_lists_are_validated_before_any_call()
    {
        var tooMany = Users(BatchLimits.MaxMembersPerRequest + 1);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _client.SendToUsersAsync(Url, Tenant, tooMany, Activity.Message("hi")));
        Assert.Contains($"at most {BatchLimits.MaxMembersPerRequest}", error.Message);
        Assert.Equal("memberIds", error.ParamName);
        await Assert.ThrowsAsync<ArgumentException>(() => _client.SendToUsersAndWaitAsync(Url, Tenant, tooMany, Activity.Message("hi")));
        await Assert.ThrowsAsync<ArgumentException>(() => _client.SendToChannelsAsync(Url, Tenant, Users(BatchLimits.MaxMembersPerRequest + 1), Activity.Message("hi")));
        await Assert.ThrowsAsync<ArgumentException>(() => _client.SendToUsersAsync(Url, Tenant, [], Activity.Message("hi")));
        await Assert.ThrowsAsync<ArgumentException>(() => _client.SendToUsersAsync(Url, Tenant, ["29:a", " "], Activity.Message("hi")));
        await Assert.ThrowsAsync<ArgumentException>(() => _client.SendToUsersAsync(Url, "", Users(1), Activity.Message("hi")));
        await Assert.ThrowsAsync<ArgumentException>(() => _client.SendToTeamAsync(Url, Tenant, "", Activity.Message("hi")));
        await Assert.ThrowsAsync<ArgumentException>(() => _client.GetOperationAsync(Url, " "));
        Assert.Empty(_connector.Requests);

        await _client.SendToUsersAsync(Url, Tenant, Users(BatchLimits.MaxMembersPerRequest), Activity.Message("hi"));
        Assert.Equal(BatchLimits.MaxMembersPerRequest, _connector.BatchOperations[0].Members.Count);
    }

    [Fact]
    public async Task A_429_on_the_post_is_retried_by_the_connector_pipeline()
    {
        _connector.Script(r => r.Method == "POST" && r.Path.StartsWith("/v3/batch/", StringComparison.Ordinal),
            new FakeResponse(429, new { error = new { code = "TooManyRequests" } }, RetryAfterSeconds: 1));
        var id = await _client.SendToUsersAsync(Url, Tenant, Users(2), Activity.Message("hi"));
        Assert.Equal("op-1", id);
        var posts = Batch("POST");
        Assert.Equal(2, posts.Count);
        Assert.Equal(posts[0].Body, posts[1].Body);
        Assert.True(posts[1].At - posts[0].At >= TimeSpan.FromMilliseconds(950), $"retried after {(posts[1].At - posts[0].At).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Final_errors_carry_the_Teams_code_and_are_not_retried()
    {
        _connector.Script(r => r.Method == "POST", new FakeResponse(403, new { error = new { code = "BotNotInstalled", message = "no" } }));
        var error = await Assert.ThrowsAsync<ConnectorException>(() => _client.SendToUsersAsync(Url, Tenant, Users(1), Activity.Message("hi")));
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Equal("BotNotInstalled", error.ErrorCode);
        Assert.DoesNotContain("user-1", error.Message);
        Assert.Single(_connector.Requests);

        var unknown = await Assert.ThrowsAsync<ConnectorException>(() => _client.GetOperationAsync(Url, "op-404", Tenant));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Untrusted_service_urls_are_never_called()
    {
        await Assert.ThrowsAsync<UntrustedServiceUrlException>(() => _client.SendToTenantAsync("https://evil.example.com/", Tenant, Activity.Message("x")));
        await Assert.ThrowsAsync<UntrustedServiceUrlException>(() => _client.GetOperationAsync("https://evil.example.com/", "op-1"));
        Assert.Empty(_connector.Requests);
    }

    [Fact]
    public void State_parsing_is_tolerant_of_the_preview_wire()
    {
        var now = new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var state = ConnectorBatchClient.ParseState("""{"state":"InProgress","statusMap":{"201":"4","403":1,"x":true},"retryAfter":"2025-01-01T12:00:07Z"}""", now);
        Assert.Equal(new Dictionary<string, int> { ["201"] = 4, ["403"] = 1 }, state.StatusMap);
        Assert.Equal(5, state.TotalEntriesCount); // absent: the statusMap's sum
        Assert.Equal(now.AddSeconds(7), state.RetryAfter);
        Assert.False(state.IsFinished);

        Assert.Equal(now.AddSeconds(3), ConnectorBatchClient.ParseState("""{"state":"NotStarted","retryAfter":3}""", now).RetryAfter);
        Assert.Equal(now.AddSeconds(2.5), ConnectorBatchClient.ParseState("""{"state":"NotStarted","retryAfter":"2.5"}""", now).RetryAfter);
        Assert.Equal(now.AddSeconds(9), ConnectorBatchClient.ParseState("""{"state":"NotStarted","retryAfter":"2025-01-01T12:00:09"}""", now).RetryAfter);
        Assert.Null(ConnectorBatchClient.ParseState("""{"state":"NotStarted","retryAfter":null}""", now).RetryAfter);
        Assert.Null(ConnectorBatchClient.ParseState("""{"state":"NotStarted","retryAfter":"soon"}""", now).RetryAfter);
        Assert.True(ConnectorBatchClient.ParseState("""{"state":"completed","totalEntriesCount":3}""", now).IsFinished);
        Assert.True(ConnectorBatchClient.ParseState("""{"state":"Failed"}""", now).IsFinished);

        var page = ConnectorBatchClient.ParseFailedEntries("""{"continuationToken":"","failedEntryResponses":[{"id":"29:a","error":"E"},{"error":"no id"}]}""");
        Assert.Null(page.ContinuationToken);
        Assert.Equal([new BatchFailedEntry("29:a", "E")], page.FailedEntries);
    }

    [Fact]
    public void Poll_waits_follow_retryAfter_within_bounds()
    {
        var options = new ConnectorBatchOptions
        {
            MinPollInterval = TimeSpan.FromSeconds(1), DefaultPollInterval = TimeSpan.FromSeconds(5), MaxPollInterval = TimeSpan.FromSeconds(30),
        };
        var now = DateTimeOffset.UnixEpoch;
        Assert.Equal(TimeSpan.FromSeconds(5), ConnectorBatchClient.NextPoll(options, null, now));
        Assert.Equal(TimeSpan.FromSeconds(12), ConnectorBatchClient.NextPoll(options, now.AddSeconds(12), now));
        Assert.Equal(TimeSpan.FromSeconds(1), ConnectorBatchClient.NextPoll(options, now.AddSeconds(-4), now)); // in the past
        Assert.Equal(TimeSpan.FromSeconds(30), ConnectorBatchClient.NextPoll(options, now.AddHours(2), now));
    }
}
