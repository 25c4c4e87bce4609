using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Connector;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Testing;

namespace TeamsBot.Protocol.Tests;

/// <summary>The connector client over real HTTP against the fake connector (local development mode: no token).</summary>
public class ConnectorClientTests : IAsyncLifetime
{
    private FakeConnector _connector = null!;
    private IHost _host = null!;
    private IConnectorClient _client = null!;

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
        });
        builder.AddTeamsBotProtocol();
        _host = builder.Build();
        _client = _host.Services.GetRequiredService<IConnectorClient>();
    }

    public async Task DisposeAsync()
    {
        _host.Dispose();
        await _connector.DisposeAsync();
    }

    private string Url => _connector.ServiceUrl;

    [Fact]
    public async Task Send_reply_update_delete_use_the_v3_routes()
    {
        var sent = await _client.SendToConversationAsync(Url, "19:chat@thread.v2", Activity.Message("hello"));
        Assert.True(long.Parse(sent.Id!) > TeamsBot.Testing.FakeConnector.FirstActivityId, sent.Id); // Teams message ids are epoch milliseconds
        await _client.ReplyToActivityAsync(Url, "19:chat@thread.v2", "msg-1", Activity.Message("reply"));
        await _client.UpdateActivityAsync(Url, "19:chat@thread.v2", sent.Id!, Activity.Message("edited"));
        await _client.DeleteActivityAsync(Url, "19:chat@thread.v2", sent.Id!);

        var requests = _connector.Requests;
        Assert.Equal(["POST", "POST", "PUT", "DELETE"], requests.Select(r => r.Method));
        Assert.Equal("/v3/conversations/19%3Achat%40thread.v2/activities", requests[0].Path);
        Assert.Equal("/v3/conversations/19%3Achat%40thread.v2/activities/msg-1", requests[1].Path);
        Assert.Equal("msg-1", requests[1].Activity!.ReplyToId);
        Assert.Equal($"/v3/conversations/19%3Achat%40thread.v2/activities/{sent.Id}", requests[2].Path);
        Assert.Equal("edited", requests[2].Activity!.Text);
    }

    [Fact]
    public async Task Untrusted_service_urls_are_never_called()
    {
        await Assert.ThrowsAsync<UntrustedServiceUrlException>(() => _client.SendToConversationAsync("https://evil.example.com/", "c", Activity.Message("x")));
        await Assert.ThrowsAsync<UntrustedServiceUrlException>(() => _client.SendToConversationAsync("http://127.0.0.1:1/", "c", Activity.Message("x")));
        Assert.Empty(_connector.Requests);
    }

    [Fact]
    public async Task A_429_waits_for_Retry_After_then_succeeds()
    {
        _connector.ScriptSends(new FakeResponse(429, new { error = new { code = "TooManyRequests" } }, RetryAfterSeconds: 1));
        var started = DateTimeOffset.UtcNow;
        var sent = await _client.SendToConversationAsync(Url, "c1", Activity.Message("hi"));
        Assert.NotNull(sent.Id);
        var sends = _connector.Requests.Where(r => r.IsSend).ToList();
        Assert.Equal(2, sends.Count);
        Assert.True(sends[1].At - sends[0].At >= TimeSpan.FromMilliseconds(950), $"retried after {(sends[1].At - sends[0].At).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_huge_Retry_After_is_bounded_by_MaxDelay()
    {
        _connector.ScriptSends(new FakeResponse(429, null, RetryAfterSeconds: 3600));
        var send = _client.SendToConversationAsync(Url, "c1", Activity.Message("hi"));
        await send.WaitAsync(TimeSpan.FromSeconds(15)); // an unbounded wait would take an hour
        var sends = _connector.Requests.Where(r => r.IsSend).ToList();
        Assert.Equal(2, sends.Count);
        Assert.True(sends[1].At - sends[0].At >= TimeSpan.FromSeconds(1.4));
    }

    [Theory]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    [InlineData(412)]
    public async Task Transient_errors_are_retried(int status)
    {
        _connector.ScriptSends(new FakeResponse(status), times: 2);
        await _client.SendToConversationAsync(Url, "c1", Activity.Message("hi"));
        Assert.Equal(3, _connector.Requests.Count(r => r.IsSend));
    }

    [Fact]
    public async Task Persistent_5xx_gives_up_after_the_bounded_retries()
    {
        _connector.ScriptSends(new FakeResponse(503, new { error = new { code = "ServiceUnavailable", message = "down" } }), times: 10);
        var error = await Assert.ThrowsAsync<ConnectorException>(() => _client.SendToConversationAsync(Url, "c1", Activity.Message("hi")));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(4, _connector.Requests.Count(r => r.IsSend)); // 1 + 3 retries
    }

    [Fact]
    public async Task Final_errors_are_not_retried_and_blocked_users_are_recognised()
    {
        _connector.ScriptSends(new FakeResponse(403, new { error = new { code = "MessageWritesBlocked", message = "blocked" } }));
        var error = await Assert.ThrowsAsync<ConnectorException>(() => _client.SendToConversationAsync(Url, "c1", Activity.Message("hi")));
        Assert.True(error.IsUserUnreachable);
        Assert.Single(_connector.Requests);
    }

    [Fact]
    public async Task Members_single_and_paged()
    {
        for (var i = 0; i < 5; i++)
            _connector.AddMember("19:team", new TeamsChannelAccount { Id = $"29:m{i}", Name = $"Member {i}", AadObjectId = $"aad-{i}", UserPrincipalName = $"m{i}@gsa.gov" });
        var member = await _client.GetMemberAsync(Url, "19:team", "29:m3");
        Assert.Equal("m3@gsa.gov", member!.UserPrincipalName);
        Assert.Null(await _client.GetMemberAsync(Url, "19:team", "29:nobody"));

        var all = new List<TeamsChannelAccount>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await _client.GetPagedMembersAsync(Url, "19:team", pageSize: 2, continuationToken: token);
            all.AddRange(page.Members);
            token = page.ContinuationToken;
            pages++;
        } while (token is not null);
        Assert.Equal(3, pages);
        Assert.Equal(5, all.Select(m => m.Id).Distinct().Count());
    }

    [Fact]
    public async Task Sends_to_one_conversation_are_paced_within_Teams_limits()
    {
        var sends = Enumerable.Range(0, 16).Select(i => _client.SendToConversationAsync(Url, "busy-chat", Activity.Message($"m{i}")));
        await Task.WhenAll(sends);
        var times = _connector.Requests.Where(r => r.IsSend).Select(r => r.At).OrderBy(t => t).ToList();
        Assert.Equal(16, times.Count);
        for (var i = 0; i < times.Count; i++)
        {
            // The sliding windows move in tenths, so a window a tenth shorter is strictly within the limit.
            Assert.True(times.Count(t => t >= times[i] && t < times[i] + TimeSpan.FromMilliseconds(900)) <= 7, "more than 7 sends in one second");
            Assert.True(times.Count(t => t >= times[i] && t < times[i] + TimeSpan.FromMilliseconds(1800)) <= 8, "more than 8 sends in two seconds");
        }
    }
}
