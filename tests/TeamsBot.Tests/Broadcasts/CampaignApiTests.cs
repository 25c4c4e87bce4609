using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TeamsBot.Protocol.Activities;
using TeamsBot.Security;
using TeamsBot.Testing;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;

namespace TeamsBot.Tests.Broadcasts;

/// <summary><c>/api/campaigns</c> and the fan-out behind it, against a connector that enforces Teams' limits.</summary>
public sealed class CampaignApiTests : IAsyncLifetime
{
    private BroadcastHarness _h = null!;
    private BotApp _bot = null!;

    public async Task InitializeAsync()
    {
        _h = await BroadcastHarness.StartAsync(gsaUsers: 120, nasaUsers: 40);
        _h.Connector.EnforceLimits(tenantRequestsPerSecond: 60);
        _bot = await BotApp.StartAsync(_h.Settings(tenantRate: 50, approvalThreshold: 1000));
    }

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        await _h.DisposeAsync();
    }

    private static object Users(params string[] ids) => new { type = "users", tenantId = TenantA, users = ids };

    [Fact]
    public async Task A_campaign_is_created_with_201_and_a_Location_and_starts_as_a_draft()
    {
        var response = await CallAsync(_bot.Http, HttpMethod.Post, "/api/campaigns", _h.CoachToken(), Body(Users(UserId(1))));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var view = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"/api/campaigns/{view.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        Assert.Equal("draft", view.GetProperty("status").GetString());
        Assert.Equal(0, _h.Connector.DeliveryCount);
    }

    [Fact]
    public async Task A_bad_body_gets_400_naming_each_bad_field()
    {
        var response = await CallAsync(_bot.Http, HttpMethod.Post, "/api/campaigns", _h.CoachToken(), new
        {
            kind = "memo",
            title = "",
            body = "hi",
            imageUrl = "http://insecure.example.gov/a.png",
            links = new[] { new { title = "x", url = "javascript:alert(1)" } },
            audience = new { type = "groups", groups = new[] { "not-a-guid" } },
            sendAt = "2020-01-01T09:00:00-05:00",
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "kind", "title", "imageUrl", "imageAlt", "links[0].url", "audience.groups", "sendAt" })
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
    }

    [Fact]
    public async Task A_token_without_the_coach_role_gets_403_and_no_token_401()
    {
        var employee = _h.Entra.CreateToken(new EntraTokenSpec { Roles = [] });
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(_bot.Http, HttpMethod.Post, "/api/campaigns", employee, Body(Users(UserId(1))))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(_bot.Http, HttpMethod.Get, "/api/campaigns", employee)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(_bot.Http, HttpMethod.Get, "/api/campaigns", null)).StatusCode);
    }

    [Fact]
    public async Task Sending_to_two_tenants_reaches_everyone_exactly_once_and_the_counts_add_up()
    {
        var id = await _h.CreateAsync(_bot.Http, Body(new { type = "tenant", tenantId = TenantA }));
        var second = await _h.CreateAsync(_bot.Http, Body(new { type = "tenant", tenantId = TenantB }));
        Assert.Equal(HttpStatusCode.Accepted, (await CallAsync(_bot.Http, HttpMethod.Post, $"/api/campaigns/{id}/send", _h.CoachToken())).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await CallAsync(_bot.Http, HttpMethod.Post, $"/api/campaigns/{second}/send", _h.CoachToken())).StatusCode);
        var a = await _h.WaitForStatusAsync(_bot.Http, id, "completed");
        var b = await _h.WaitForStatusAsync(_bot.Http, second, "completed");

        Assert.Equal(122, Count(a, "recipients")); // 120 people + 2 coaches in tenant A
        Assert.Equal(122, Count(a, "sent"));
        Assert.True(Count(b, "sent") == 40, b.ToString());
        var perMember = _h.Connector.DeliveriesPerMember();
        Assert.Equal(162, perMember.Count);
        Assert.All(perMember, kv => Assert.Equal(1, kv.Value));
        // Every card was created inside the 1:1 conversation create call: one request per person, never two.
        // (A create the fake answered 429 was retried: it counts once.)
        Assert.Equal(162, _h.Connector.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/v3/conversations", StringComparison.Ordinal)) - _h.Connector.Throttled);
        Assert.DoesNotContain(_h.Connector.Requests, r => r.IsSend);
        Assert.NotNull(a.GetProperty("startedAt").GetString());
        Assert.NotNull(a.GetProperty("completedAt").GetString());
    }

    [Fact]
    public async Task Recipient_errors_are_final_for_that_person_only_and_resend_goes_to_the_failed_alone()
    {
        _h.Connector.FailUser(UserId(1), 403, "MessageWritesBlocked");
        _h.Connector.FailUser(UserId(2), 404, "NotFound");
        _h.Connector.FailUser(UserId(3), 400, "BadArgument", times: 1);            // fails for good, then works on resend
        _h.Connector.FailUser(UserId(4), 503, "ServiceUnavailable", times: 1);     // transient: retried, delivered
        _h.Connector.IsInstalledFor = member => member != UserId(5);
        var id = await _h.CreateAsync(_bot.Http, Body(Users(UserId(1), UserId(2), UserId(3), UserId(4), UserId(5), UserId(6), "nobody@gsa.gov")));
        Assert.Equal(HttpStatusCode.Accepted, (await CallAsync(_bot.Http, HttpMethod.Post, $"/api/campaigns/{id}/send", _h.CoachToken())).StatusCode);
        var done = await _h.WaitForStatusAsync(_bot.Http, id, "completed");

        Assert.Equal(7, Count(done, "recipients"));
        Assert.Equal(2, Count(done, "sent"));          // users 4 and 6
        Assert.Equal(1, Count(done, "blocked"));
        Assert.Equal(1, Count(done, "failed"));
        Assert.Equal(1, Count(done, "notInstalled"));
        Assert.Equal(2, Count(done, "notFound"));      // a 404 from Teams, and a UPN the directory does not know
        Assert.Equal(0, Count(done, "queued"));

        var csv = await (await CallAsync(_bot.Http, HttpMethod.Get, $"/api/campaigns/{id}/recipients.csv", _h.CoachToken())).Content.ReadAsStringAsync();
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("userPrincipalName,aadObjectId,agency,status,sentAt,readAt,acknowledgedAt,error", lines[0].TrimEnd('\r'));
        Assert.Equal(8, lines.Length);
        Assert.Contains(lines, l => l.StartsWith($"user1@gsa.gov,{UserId(1)},gsa,blocked,", StringComparison.Ordinal) && l.Contains("MessageWritesBlocked"));

        var before = _h.Connector.DeliveriesPerMember();
        Assert.Equal(HttpStatusCode.Accepted, (await CallAsync(_bot.Http, HttpMethod.Post, $"/api/campaigns/{id}/resend-failed", _h.CoachToken())).StatusCode);
        var again = await _h.WaitForStatusAsync(_bot.Http, id, "completed");
        Assert.Equal(3, Count(again, "sent"));
        Assert.Equal(0, Count(again, "failed"));
        var after = _h.Connector.DeliveriesPerMember();
        Assert.Equal(1, after[UserId(3)]);
        Assert.Equal(before[UserId(4)], after[UserId(4)]);   // nobody who had it got it twice
        Assert.Equal(before[UserId(6)], after[UserId(6)]);
    }

    [Fact]
    public async Task Above_the_threshold_a_campaign_waits_for_another_coach_and_the_author_cannot_approve_it()
    {
        await using var strict = await BotApp.StartAsync(_h.Settings(tenantRate: 50, approvalThreshold: 100));
        var id = await _h.CreateAsync(strict.Http, Body(new { type = "tenant", tenantId = TenantA }));  // 122 > threshold 100
        var send = await CallAsync(strict.Http, HttpMethod.Post, $"/api/campaigns/{id}/send", _h.CoachToken());
        Assert.Equal(HttpStatusCode.Conflict, send.StatusCode);
        Assert.Equal("awaitingApproval", (await send.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        await Task.Delay(700);
        Assert.Equal(0, _h.Connector.DeliveryCount);

        var byAuthor = await CallAsync(strict.Http, HttpMethod.Post, $"/api/campaigns/{id}/approve", _h.CoachToken());
        Assert.Equal(HttpStatusCode.Forbidden, byAuthor.StatusCode);
        Assert.Equal("awaitingApproval", (await _h.GetAsync(strict.Http, id)).GetProperty("status").GetString());

        var byOther = await CallAsync(strict.Http, HttpMethod.Post, $"/api/campaigns/{id}/approve", _h.CoachToken(SecondCoachId));
        Assert.Equal(HttpStatusCode.Accepted, byOther.StatusCode);
        var done = await _h.WaitForStatusAsync(strict.Http, id, "completed");
        Assert.Equal(122, Count(done, "sent"));
    }

    [Fact]
    public async Task Cancel_stops_a_send_within_seconds_and_leaves_the_rest_queued()
    {
        await using var slow = await BotApp.StartAsync(_h.Settings(tenantRate: 10));
        var id = await _h.CreateAsync(slow.Http, Body(new { type = "tenant", tenantId = TenantA }));
        Assert.Equal(HttpStatusCode.Accepted, (await CallAsync(slow.Http, HttpMethod.Post, $"/api/campaigns/{id}/send", _h.CoachToken())).StatusCode);
        await _h.Connector.WaitForDeliveriesAsync(10);
        Assert.Equal(HttpStatusCode.Accepted, (await CallAsync(slow.Http, HttpMethod.Post, $"/api/campaigns/{id}/cancel", _h.CoachToken())).StatusCode);
        var cancelledAt = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(3)); // in-flight sends finish; nothing new starts
        var settled = _h.Connector.DeliveryCount;
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(settled, _h.Connector.DeliveryCount);
        var view = await _h.GetAsync(slow.Http, id);
        Assert.Equal("cancelled", view.GetProperty("status").GetString());
        Assert.Equal(settled, Count(view, "sent"));
        Assert.Equal(122 - settled, Count(view, "queued"));
        var late = _h.Connector.Deliveries.Where(d => d.At > cancelledAt + TimeSpan.FromSeconds(2)).ToList();
        Assert.True(late.Count == 0, $"{late.Count} cards arrived more than 2 s after the cancel");
    }

    [Fact]
    public async Task Recall_deletes_every_sent_card_from_its_chat()
    {
        var id = await _h.CreateAsync(_bot.Http, Body(Users(UserId(10), UserId(11), UserId(12))));
        await CallAsync(_bot.Http, HttpMethod.Post, $"/api/campaigns/{id}/send", _h.CoachToken());
        await _h.WaitForStatusAsync(_bot.Http, id, "completed");
        var delivered = _h.Connector.Deliveries.Select(d => (d.ConversationId, d.ActivityId)).ToHashSet();

        Assert.Equal(HttpStatusCode.Accepted, (await CallAsync(_bot.Http, HttpMethod.Post, $"/api/campaigns/{id}/recall", _h.CoachToken())).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (_h.Connector.Deleted.Count < 3 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(delivered, _h.Connector.Deleted.ToHashSet());
        Assert.True((await _h.GetAsync(_bot.Http, id)).GetProperty("recalled").GetBoolean());
    }

    [Fact]
    public async Task Reads_and_acknowledgements_are_counted_once_per_person()
    {
        var id = await _h.CreateAsync(_bot.Http, Body(Users(UserId(20), UserId(21)), acknowledge: true));
        await CallAsync(_bot.Http, HttpMethod.Post, $"/api/campaigns/{id}/send", _h.CoachToken());
        await _h.WaitForStatusAsync(_bot.Http, id, "completed");
        var delivery = _h.Connector.Deliveries.Single(d => d.MemberId == UserId(20));

        Activity Event(string lastRead) => TestActivities.Message(_h.Connector.ServiceUrl, "", conversationId: delivery.ConversationId, aadObjectId: UserId(20)) with
        {
            Type = ActivityTypes.Event, Text = null, Name = "application/vnd.microsoft.readReceipt",
            Value = JsonSerializer.SerializeToElement(new { lastReadMessageId = lastRead }),
        };
        Assert.Equal(HttpStatusCode.OK, (await _bot.SendAsync(Event(delivery.ActivityId))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _bot.SendAsync(Event(delivery.ActivityId))).StatusCode);
        var afterRead = await _h.GetAsync(_bot.Http, id);
        Assert.Equal(1, Count(afterRead, "read"));

        var ack = TestActivities.Invoke(_h.Connector.ServiceUrl, "adaptiveCard/action",
            new { action = new { type = "Action.Execute", verb = "broadcast.ack", data = new { broadcastId = id } }, trigger = "manual" },
            conversationId: delivery.ConversationId) with { From = new ChannelAccount { Id = "29:u20", AadObjectId = UserId(20) } };
        var first = await _bot.SendAsync(ack);
        var second = await _bot.SendAsync(ack);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var card = await first.Content.ReadAsStringAsync();
        Assert.Contains("application/vnd.microsoft.card.adaptive", card);
        Assert.DoesNotContain("broadcast.ack", card); // the person's card no longer offers the button
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var view = await _h.GetAsync(_bot.Http, id);
        Assert.Equal(1, Count(view, "acknowledged"));
        Assert.Equal(1, Count(view, "read"));
        var summary = await (await CallAsync(_bot.Http, HttpMethod.Get, $"/api/campaigns/{id}/summary", _h.CoachToken())).Content.ReadFromJsonAsync<JsonElement>();
        var gsa = summary.GetProperty("agencies").EnumerateArray().Single(a => a.GetProperty("agency").GetString() == "gsa");
        Assert.Equal(2, gsa.GetProperty("counts").GetProperty("sent").GetInt32());
        Assert.Equal(1, gsa.GetProperty("counts").GetProperty("acknowledged").GetInt32());
    }

    [Fact]
    public async Task A_send_at_the_platform_limit_gets_few_429s_and_stays_exactly_once()
    {
        var id = await _h.CreateAsync(_bot.Http, Body(new { type = "tenant", tenantId = TenantA }));
        await CallAsync(_bot.Http, HttpMethod.Post, $"/api/campaigns/{id}/send", _h.CoachToken());
        var done = await _h.WaitForStatusAsync(_bot.Http, id, "completed");
        Assert.Equal(122, Count(done, "sent"));
        Assert.True(_h.Connector.Throttled <= 10, $"{_h.Connector.Throttled} requests were throttled");
        Assert.All(_h.Connector.DeliveriesPerMember(), kv => Assert.Equal(1, kv.Value));
    }

    [Fact]
    public async Task A_person_who_already_talks_to_the_bot_gets_the_card_in_that_chat_not_a_new_one()
    {
        var chat = "a:existing-chat-of-user-30";
        var hello = TestActivities.Message(_h.Connector.ServiceUrl, "hi", conversationId: chat, userId: "29:u30", aadObjectId: UserId(30)) with
        {
            Conversation = new ConversationAccount { Id = chat, ConversationType = ConversationTypes.Personal, TenantId = TenantA },
            ChannelData = new TeamsChannelData { Tenant = new TenantInfo { Id = TenantA } },
        };
        Assert.Equal(HttpStatusCode.OK, (await _bot.SendAsync(hello)).StatusCode);
        await _h.Connector.WaitForSendsAsync(1); // the bot answered "hi"
        var before = _h.Connector.Requests.Count;

        var id = await _h.CreateAsync(_bot.Http, Body(Users(UserId(30), UserId(31))));
        await CallAsync(_bot.Http, HttpMethod.Post, $"/api/campaigns/{id}/send", _h.CoachToken());
        await _h.WaitForStatusAsync(_bot.Http, id, "completed");
        var campaignRequests = _h.Connector.Requests.Skip(before).ToList();
        Assert.Single(campaignRequests, r => r.IsSend && r.ConversationId == chat && r.Body.Contains("Deep Research is here", StringComparison.Ordinal));
        Assert.Single(campaignRequests, r => r.Method == "POST" && r.Path.EndsWith("/v3/conversations", StringComparison.Ordinal)); // only user 31 is new
    }
}
