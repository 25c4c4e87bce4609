using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Conversations;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Storage;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Protocol;

/// <summary>Turn handling in local development mode (no app id), over real HTTP, replies to a fake connector.</summary>
public class HostBehaviourTests : IAsyncLifetime
{
    private FakeConnector _connector = null!;
    private BotApp _bot = null!;
    private static readonly Dictionary<string, SemaphoreSlim> Gates = new();

    public async Task InitializeAsync()
    {
        _connector = await FakeConnector.StartAsync();
        _bot = await BotApp.StartAsync(new Dictionary<string, string?> { ["Bot:ReplyDeadline"] = "00:00:02" },
            b => b.Services.AddBotRoutes(r => r
                .OnCommand<ThrowingHandler>("crash")
                .OnCommand<SlowEchoHandler>("slow", "fast")
                .OnCardAction<CardActionHandler, CardActionData>("test.refresh")
                .OnCardAction<ThrowingCardAction, CardActionData>("test.crash")));
    }

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        await _connector.DisposeAsync();
    }

    private Activity Message(string text, string? id = null, string conversationId = "a:personal-chat-1") =>
        TestActivities.Message(_connector.ServiceUrl, text, id: id, conversationId: conversationId);

    [Fact]
    public async Task Health_and_readiness_endpoints_answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await _bot.Http.GetAsync("/healthz")).StatusCode);
        var ready = await _bot.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Help_is_answered_in_the_same_conversation_as_a_reply()
    {
        var inbound = Message("help");
        Assert.Equal(HttpStatusCode.OK, (await _bot.SendAsync(inbound)).StatusCode);
        var request = (await _connector.WaitForSendsAsync(1)).Single(r => r.IsSend);
        Assert.Equal("/v3/conversations/a%3Apersonal-chat-1/activities", request.Path);
        var reply = request.Activity!;
        Assert.Contains("What I can do", request.VisibleText);
        Assert.Equal("application/vnd.microsoft.card.adaptive", reply.Attachments![0].ContentType);
        Assert.Equal(inbound.Id, reply.ReplyToId);
        Assert.Equal(TestActivities.BotId, reply.From!.Id);
        Assert.Equal("29:user-1", reply.Recipient!.Id);
        Assert.Null(request.Authorization); // local development mode: the Agents Playground takes unauthenticated calls
    }

    [Fact]
    public async Task Install_welcomes_once_and_stores_the_conversation_reference_and_uninstall_marks_it()
    {
        await _bot.SendAsync(TestActivities.BotAdded(_connector.ServiceUrl));
        await _bot.SendAsync(Message("", id: null) with { Type = ActivityTypes.InstallationUpdate, Text = null, Action = "add" });
        var sends = await _connector.WaitForSendsAsync(1);
        await Task.Delay(200);
        var welcome = Assert.Single(_connector.Requests, r => r.IsSend);
        Assert.Contains("Welcome to", welcome.VisibleText);

        var store = _bot.Services.GetRequiredService<ConversationStore>();
        var record = await store.FindPersonalAsync(TestActivities.TenantId, "aad-user-1", default);
        Assert.NotNull(record);
        Assert.Equal("29:user-1", record.UserId);
        Assert.Equal(_connector.ServiceUrl, record.ServiceUrl);
        Assert.True(record.Installed);

        await _bot.SendAsync(Message("", id: null) with { Type = ActivityTypes.InstallationUpdate, Text = null, Action = "remove" });
        record = await store.FindPersonalAsync(TestActivities.TenantId, "aad-user-1", default);
        Assert.False(record!.Installed);
        Assert.NotNull(record.UninstalledAt);
    }

    [Fact]
    public async Task A_redelivered_activity_is_processed_once()
    {
        var inbound = Message("help", id: "redelivered-1");
        Assert.Equal(HttpStatusCode.OK, (await _bot.SendAsync(inbound)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _bot.SendAsync(inbound)).StatusCode);
        await _connector.WaitForSendsAsync(1);
        await Task.Delay(300);
        Assert.Single(_connector.SentActivities);
    }

    [Fact]
    public async Task Unknown_activity_types_are_acknowledged_and_ignored()
    {
        var response = await _bot.SendAsync(Message("help") with { Type = "somethingFromTheFuture" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Task.Delay(200);
        Assert.Empty(_connector.SentActivities);
    }

    [Theory]
    [InlineData("not json at all", "not valid JSON")]
    [InlineData("[1,2,3]", "expected a JSON object")]
    [InlineData("{\"text\":\"hi\"}", "'type' is missing")]
    [InlineData("{\"type\":\"message\",\"text\":42,\"serviceUrl\":\"http://127.0.0.1:1/\",\"conversation\":{\"id\":\"c\"}}", "not a valid activity")]
    [InlineData("{\"type\":\"message\",\"conversation\":{\"id\":\"c\"}}", "serviceUrl")]
    [InlineData("{\"type\":\"message\",\"serviceUrl\":\"http://127.0.0.1:1/\"}", "conversation.id")]
    public async Task Bad_bodies_get_400_with_a_reason(string body, string reason)
    {
        var response = await _bot.SendRawAsync(body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Local_development_mode_refuses_callers_behind_a_proxy_or_tunnel()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages")
        {
            Content = System.Net.Http.Json.JsonContent.Create(Message("help"), options: ProtocolJson.Options),
        };
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        var response = await _bot.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await Task.Delay(100);
        Assert.Empty(_connector.Requests);
    }

    [Fact]
    public async Task Invalid_UTF16_in_a_card_verb_is_not_a_server_error()
    {
        var body = JsonSerializer.Serialize(TestActivities.Invoke(_connector.ServiceUrl, "adaptiveCard/action", new { action = new { type = "Action.Execute", verb = "VERB" } }), ProtocolJson.Options)
            .Replace("\"VERB\"", "\"\\ud800x\"");
        var response = await _bot.SendRawAsync(body);
        Assert.True((int)response.StatusCode < 500, $"got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()} {string.Join("\n", TestLogs.All.Where(l => l.StartsWith("Error")).TakeLast(3))}");
    }

    [Fact]
    public async Task Bodies_over_the_limit_get_413()
    {
        var huge = JsonSerializer.Serialize(Message(new string('x', 300 * 1024)), ProtocolJson.Options);
        var response = await _bot.SendRawAsync(huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await Task.Delay(100);
        Assert.Empty(_connector.SentActivities);
    }

    [Fact]
    public async Task A_handler_exception_returns_500_with_a_correlation_id_tells_the_user_and_the_host_keeps_serving()
    {
        var response = await _bot.SendAsync(Message("crash"));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var correlationId = System.Text.RegularExpressions.Regex.Match(body, "Correlation id: ([^.]+)\\.").Groups[1].Value;
        Assert.NotEmpty(correlationId);
        Assert.Contains(TestLogs.All, l => l.Contains(correlationId) && l.StartsWith("Error"));
        var apology = (await _connector.WaitForSendsAsync(1)).Single(r => r.IsSend).Activity!;
        Assert.Contains(correlationId, apology.Text);

        Assert.Equal(HttpStatusCode.OK, (await _bot.SendAsync(Message("help"))).StatusCode);
    }

    [Fact]
    public async Task Slow_turns_reply_202_before_the_deadline_then_finish_in_order_per_conversation()
    {
        var slow = await _bot.SendAsync(Message("slow 6000"));
        Assert.Equal(HttpStatusCode.Accepted, slow.StatusCode);
        var fast = await _bot.SendAsync(Message("fast 0"));
        Assert.Equal(HttpStatusCode.Accepted, fast.StatusCode); // queued behind the slow turn of the same conversation
        var other = await _bot.SendAsync(Message("fast 0", conversationId: "a:other-chat"));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode); // other conversations are not held up

        await _connector.WaitForSendsAsync(3, TimeSpan.FromSeconds(15));
        var texts = _connector.SentActivities.Where(a => a.Conversation!.Id == "a:personal-chat-1").Select(a => a.Text).ToList();
        Assert.Equal(["echo slow 6000", "echo fast 0"], texts);
    }

    [Fact]
    public async Task Shutdown_drains_in_flight_turns()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await _bot.SendAsync(Message("slow 2200"))).StatusCode);
        await _bot.StopAsync();
        Assert.Contains(_connector.SentActivities, a => a.Text == "echo slow 2200");
    }

    [Fact]
    public async Task Invoke_responses_come_back_in_the_HTTP_reply()
    {
        var response = await _bot.SendAsync(TestActivities.Invoke(_connector.ServiceUrl, "adaptiveCard/action",
            new { action = new { type = "Action.Execute", verb = "test.refresh", data = new { n = 7 } }, trigger = "manual" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("application/vnd.microsoft.card.adaptive", json.RootElement.GetProperty("type").GetString());
        Assert.Equal("n=7", json.RootElement.GetProperty("value").GetProperty("body")[0].GetProperty("text").GetString());

        var unknown = await _bot.SendAsync(TestActivities.Invoke(_connector.ServiceUrl, "composeExtension/unknown", new { }));
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
    }

    [Fact]
    public async Task Connector_request_bodies_carry_Content_Length_and_are_never_chunked()
    {
        // Some gateways and proxies on government networks refuse chunked request bodies; Microsoft's SDKs buffer them.
        await _bot.SendAsync(Message("help"));
        var messenger = _bot.Services.GetRequiredService<IProactiveMessenger>();
        await messenger.CreatePersonalConversationAsync(_connector.ServiceUrl, TestActivities.BotId, "29:new-user", TestActivities.TenantId,
            Activity.Message("Workshop tomorrow at 10:00"), default);

        var withBodies = _connector.Requests.Where(r => r.Method is "POST" or "PUT").ToList();
        Assert.Contains(withBodies, r => r.IsSend);
        Assert.Contains(withBodies, r => r.Path == "/v3/conversations");
        Assert.All(withBodies, r =>
        {
            Assert.False(r.Chunked, $"{r.Method} {r.Path} was sent chunked");
            Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(r.Body), r.ContentLength);
            Assert.StartsWith("application/json", r.ContentType);
        });
    }

    [Fact]
    public async Task Proactive_one_to_one_conversation_is_created_with_the_tenant()
    {
        await _bot.SendAsync(Message("help")); // makes the fake connector's serviceUrl trusted
        var messenger = _bot.Services.GetRequiredService<IProactiveMessenger>();
        var created = await messenger.CreatePersonalConversationAsync(_connector.ServiceUrl, TestActivities.BotId, "29:new-user", TestActivities.TenantId,
            Activity.Message("Workshop tomorrow at 10:00"), default);
        Assert.Equal("a:1:29:new-user", created.Id);

        var request = _connector.Requests.Single(r => r.Path == "/v3/conversations");
        var body = request.Json;
        Assert.False(body.GetProperty("isGroup").GetBoolean());
        Assert.Equal(TestActivities.BotId, body.GetProperty("bot").GetProperty("id").GetString());
        Assert.Equal("29:new-user", body.GetProperty("members")[0].GetProperty("id").GetString());
        Assert.Equal(TestActivities.TenantId, body.GetProperty("tenantId").GetString());
        Assert.Equal(TestActivities.TenantId, body.GetProperty("channelData").GetProperty("tenant").GetProperty("id").GetString());
        Assert.Equal("Workshop tomorrow at 10:00", body.GetProperty("activity").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Proactive_send_to_a_stored_user_reaches_their_chat()
    {
        await _bot.SendAsync(Message("help"));
        await _connector.WaitForSendsAsync(1);
        var messenger = _bot.Services.GetRequiredService<IProactiveMessenger>();
        var sent = await messenger.SendToUserAsync(TestActivities.TenantId, "aad-user-1", Activity.Message("Reminder: hackathon today"), default);
        Assert.NotNull(sent);
        Assert.Null(await messenger.SendToUserAsync(TestActivities.TenantId, "aad-unknown", Activity.Message("x"), default));
        var last = _connector.SentActivities[^1];
        Assert.Equal("Reminder: hackathon today", last.Text);
        Assert.Equal("a:personal-chat-1", last.Conversation!.Id);
    }

    [Fact]
    public async Task A_failed_turn_is_forgotten_so_the_channels_redelivery_is_processed()
    {
        var inbound = Message("crash", id: "fails-then-redelivered");
        Assert.Equal(HttpStatusCode.InternalServerError, (await _bot.SendAsync(inbound)).StatusCode);
        await _connector.WaitForSendsAsync(1);
        Assert.Equal(HttpStatusCode.InternalServerError, (await _bot.SendAsync(inbound)).StatusCode); // tried again, not "already seen"
        await _connector.WaitForSendsAsync(2);

        var edited = Message("help", id: "same-id-other-type");
        await _bot.SendAsync(edited);
        await _bot.SendAsync(edited with { Type = ActivityTypes.MessageUpdate }); // an edit carries the message's id
        Assert.Equal(HttpStatusCode.OK, (await _bot.SendAsync(edited)).StatusCode); // the true redelivery is ignored
    }

    [Fact]
    public async Task Card_buttons_always_get_an_Adaptive_Card_invoke_response_even_when_something_fails()
    {
        async Task<JsonElement> ClickAsync(string verb)
        {
            var response = await _bot.SendAsync(TestActivities.Invoke(_connector.ServiceUrl, "adaptiveCard/action",
                new { action = new { type = "Action.Execute", verb, data = new { n = 1 } }, trigger = "manual" }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        }

        var failed = await ClickAsync("test.crash");
        Assert.Equal((500, "application/vnd.microsoft.error", "InternalError"),
            (failed.GetProperty("statusCode").GetInt32(), failed.GetProperty("type").GetString(), failed.GetProperty("value").GetProperty("code").GetString()));
        Assert.Contains("Reference:", failed.GetProperty("value").GetProperty("message").GetString());

        var unknown = await ClickAsync("test.gone");
        Assert.Equal((400, "NotSupported"), (unknown.GetProperty("statusCode").GetInt32(), unknown.GetProperty("value").GetProperty("code").GetString()));
    }

    [Fact]
    public async Task A_reply_carries_the_tenant_even_when_Teams_put_it_only_in_channelData()
    {
        var inbound = Message("help") is var m ? m with { Conversation = m.Conversation! with { TenantId = null } } : m;
        await _bot.SendAsync(inbound);
        var reply = (await _connector.WaitForSendsAsync(1)).Single(r => r.IsSend);
        Assert.Equal(TestActivities.TenantId, reply.Activity!.Conversation!.TenantId); // the reply counts against that tenant's budget
    }

    internal sealed class ThrowingCardAction : ICardActionHandler<CardActionData>
    {
        public Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<CardActionData> action, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("boom");
    }

    internal sealed class ThrowingHandler : ITurnHandler
    {
        public Task HandleAsync(ITurnContext context, CancellationToken cancellationToken) => throw new InvalidOperationException("boom");
    }

    internal sealed class SlowEchoHandler(TimeProvider time) : ITurnHandler
    {
        public async Task HandleAsync(ITurnContext context, CancellationToken cancellationToken)
        {
            var delay = int.Parse(context.Text.Split(' ')[1]);
            await Task.Delay(TimeSpan.FromMilliseconds(delay), time, cancellationToken);
            await context.SendTextAsync("echo " + context.Text, cancellationToken);
        }
    }

    internal sealed record CardActionData(int N);

    internal sealed class CardActionHandler : ICardActionHandler<CardActionData>
    {
        public Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<CardActionData> action, CancellationToken cancellationToken)
        {
            var card = JsonSerializer.SerializeToElement(new { type = "AdaptiveCard", version = "1.5", body = new[] { new { type = "TextBlock", text = $"n={action.Data.N}" } } });
            return Task.FromResult(AdaptiveCardInvokeResponse.Card(card));
        }
    }
}
