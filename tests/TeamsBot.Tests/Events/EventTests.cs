using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Events;
using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;
using TeamsBot.Tests.Broadcasts;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;
using static TeamsBot.Tests.Events.EventHarness;

namespace TeamsBot.Tests.Events;

/// <summary>Workshops and hackathons as coaches and employees meet them: the API, the invite in Teams, RSVP, reminders, the calendar file.</summary>
public sealed class EventTests : IAsyncLifetime
{
    private BroadcastHarness _h = null!;
    private BotApp _bot = null!;

    public async Task InitializeAsync()
    {
        _h = await BroadcastHarness.StartAsync(gsaUsers: 12, nasaUsers: 2);
        _bot = await BotApp.StartAsync(Settings());
    }

    private Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = _h.Settings();
        settings["Events:PublicBaseUrl"] = "https://teamsbot.example.gov";
        foreach (var (key, value) in extra) settings[key] = value;
        return settings;
    }

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        await _h.DisposeAsync();
    }

    private Task<HttpResponseMessage> ClickAsync(BotApp bot, string verb, string eventId, int user, string trigger = "manual") =>
        bot.SendAsync(Click(_h.Connector.ServiceUrl, verb, eventId, UserId(user), TenantA, trigger));

    private async Task<string> RsvpAsync(string verb, string eventId, int user, BotApp? bot = null) => await CardOfAsync(await ClickAsync(bot ?? _bot, verb, eventId, user));

    /// <summary>CoachId coaches gsa (the directory role Teams commands check).</summary>
    private async Task MakeCoachAsync()
    {
        var registry = _bot.Services.GetRequiredService<TeamsBot.Agencies.IAgencyRegistry>();
        await registry.UpsertAsync((await registry.FindAsync("gsa", default))! with { CoachUserIds = [CoachId] }, default);
    }

    private static DateTime InUtc(TimeSpan fromNow) => DateTime.UtcNow.Add(fromNow);

    [Fact]
    public async Task The_invite_reaches_its_audience_and_RSVPs_fill_seats_then_the_waitlist_and_a_cancellation_promotes_the_first_in_line()
    {
        var users = Enumerable.Range(1, 5).Select(i => $"user{i}@gsa.gov").ToArray();
        var ev = await CreateAsync(_bot.Http, _h.CoachToken(), Body(capacity: 2, InUtc(TimeSpan.FromDays(3)), audience: new { type = "users", users }));
        var eventId = ev.GetProperty("id").GetString()!;
        var campaignId = ev.GetProperty("campaignId").GetString()!;
        Assert.Equal(2, ev.GetProperty("seatsLeft").GetInt32());

        // The invite goes out as a campaign: same send, approval and status as any broadcast.
        Assert.Equal(HttpStatusCode.Accepted, (await CallAsync(_bot.Http, HttpMethod.Post, $"/api/campaigns/{campaignId}/send", _h.CoachToken())).StatusCode);
        await _h.WaitForStatusAsync(_bot.Http, campaignId, "completed");
        var invites = _h.Connector.Deliveries;
        Assert.Equal(5, invites.Count);
        Assert.Equal(Enumerable.Range(1, 5).Select(UserId).Order(), invites.Select(d => d.MemberId!).Order());
        var card = JsonDocument.Parse(invites[0].Body).RootElement.GetProperty("attachments")[0].GetProperty("content");
        var visible = Strings(card);
        Assert.Contains("Plain language with AI", visible);
        Assert.Contains("rsvp.register", visible);
        Assert.Contains(SeatsLeft(2, 2), visible);
        // Opening it refreshes it for its one viewer: Teams does so for everyone in a chat when no userIds are listed.
        Assert.Equal("rsvp.refresh", card.GetProperty("refresh").GetProperty("action").GetProperty("verb").GetString());
        Assert.False(card.GetProperty("refresh").TryGetProperty("userIds", out _));

        var first = await RsvpAsync("rsvp.register", eventId, 1);
        Assert.Contains(Registered, first);
        Assert.Contains(SeatsLeft(1, 2), first);
        Assert.Contains("rsvp.cancel", first);
        Assert.Contains("Add to calendar", first);
        Assert.Contains(SeatsLeft(1, 2), await RsvpAsync("rsvp.register", eventId, 1)); // a double click changes nothing
        Assert.Contains(Registered, await RsvpAsync("rsvp.register", eventId, 2));
        var third = await RsvpAsync("rsvp.register", eventId, 3);
        Assert.Contains(Waitlisted(1), third);
        Assert.Contains(SeatsLeft(0, 2), third);
        Assert.Contains(Waitlisted(2), await RsvpAsync("rsvp.register", eventId, 4));
        // Someone who has not answered sees the event full, with the waitlist offered.
        var refreshed = await CardOfAsync(await ClickAsync(_bot, "rsvp.refresh", eventId, 5, trigger: "automatic"));
        Assert.Contains("This event is full", refreshed);
        Assert.Contains("Join the waitlist", refreshed);

        // A seat frees up: the first waitlisted person gets it and is told in their chat; the second moves up.
        var cancelled = await RsvpAsync("rsvp.cancel", eventId, 1);
        Assert.Contains(Cancelled, cancelled);
        Assert.DoesNotContain("rsvp.cancel", cancelled);
        var notices = await _h.Connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == ChatOf(UserId(3))));
        var notice = notices.Single(x => x.IsSend && x.ConversationId == ChatOf(UserId(3)));
        Assert.Contains("a seat opened up", notice.Body);
        Assert.Contains(Registered, Strings(notice.Json));
        Assert.Contains(Registered, await CardOfAsync(await ClickAsync(_bot, "rsvp.refresh", eventId, 3, trigger: "automatic")));
        Assert.Contains(Waitlisted(1), await CardOfAsync(await ClickAsync(_bot, "rsvp.refresh", eventId, 4, trigger: "automatic")));
        Assert.Contains(Cancelled, await RsvpAsync("rsvp.cancel", eventId, 1)); // cancelling twice: still cancelled, nobody else moves
        Assert.Contains(Waitlisted(1), await CardOfAsync(await ClickAsync(_bot, "rsvp.refresh", eventId, 4, trigger: "automatic")));

        // The coach's attendee list: seats first, then the waitlist in order, then cancellations.
        var csv = await (await CallAsync(_bot.Http, HttpMethod.Get, $"/api/events/{eventId}/attendees.csv", _h.CoachToken())).Content.ReadAsStringAsync();
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("objectId,name,state,waitlistPosition,requestedAt,attended", lines[0]);
        Assert.Equal([UserId(2), UserId(3), UserId(4), UserId(1)], lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Equal(["registered", "registered", "waitlisted", "cancelled"], lines.Skip(1).Select(l => l.Split(',')[2]));
        Assert.Equal(["", "", "1", ""], lines.Skip(1).Select(l => l.Split(',')[3]));

        // Attendance is marked for registered people only.
        var marked = await (await CallAsync(_bot.Http, HttpMethod.Post, $"/api/events/{eventId}/attendance", _h.CoachToken(),
            new { objectIds = new[] { UserId(2), UserId(4) }, attended = true })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, marked.GetProperty("marked").GetInt32());
        var attendees = await (await CallAsync(_bot.Http, HttpMethod.Get, $"/api/events/{eventId}/attendees", _h.CoachToken())).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(attendees.EnumerateArray().Single(a => a.GetProperty("objectId").GetString() == UserId(2)).GetProperty("attended").GetBoolean());
        var view = await (await CallAsync(_bot.Http, HttpMethod.Get, $"/api/events/{eventId}", _h.CoachToken())).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, view.GetProperty("registered").GetInt32());
        Assert.Equal(1, view.GetProperty("waitlisted").GetInt32());
    }

    [Fact]
    public async Task A_coach_messages_the_registered_people_only_in_whatever_tenant_they_are()
    {
        var ev = await CreateAsync(_bot.Http, _h.CoachToken(), Body(capacity: 2, InUtc(TimeSpan.FromDays(2))));
        var eventId = ev.GetProperty("id").GetString()!;
        await RsvpAsync("rsvp.register", eventId, 6);
        // Someone of another agency's own tenant (NASA) registers too.
        Assert.Contains(Registered, await CardOfAsync(await _bot.SendAsync(Click(_h.Connector.ServiceUrl, "rsvp.register", eventId, NasaUserId(1), TenantB))));
        await RsvpAsync("rsvp.register", eventId, 7); // waitlisted
        var response = await CallAsync(_bot.Http, HttpMethod.Post, $"/api/events/{eventId}/message", _h.CoachToken(),
            new { title = "Room change", body = "We moved to **room 1200**." });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var campaignId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("campaignId").GetString()!;
        var done = await _h.WaitForStatusAsync(_bot.Http, campaignId, "completed");
        Assert.Equal(2, Count(done, "sent"));
        var messages = _h.Connector.Deliveries.Where(d => d.Body.Contains("Room change", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { ChatOf(NasaUserId(1)), ChatOf(UserId(6)) }.Order(), messages.Select(m => m.ConversationId).Order());
    }

    [Fact]
    public async Task Registration_closes_at_its_deadline_and_the_card_says_so()
    {
        var deadline = InUtc(TimeSpan.FromSeconds(4));
        var ev = await CreateAsync(_bot.Http, _h.CoachToken(), Body(capacity: 10, InUtc(TimeSpan.FromDays(1)), deadline: deadline));
        var eventId = ev.GetProperty("id").GetString()!;
        Assert.Contains(Registered, await RsvpAsync("rsvp.register", eventId, 1));
        var wait = deadline - DateTime.UtcNow + TimeSpan.FromMilliseconds(300);
        if (wait > TimeSpan.Zero) await Task.Delay(wait);

        var late = await RsvpAsync("rsvp.register", eventId, 2);
        Assert.Contains("Registration is closed", late);
        Assert.DoesNotContain("rsvp.register", late);
        Assert.DoesNotContain(Registered, late);
        Assert.Contains(Registered, await CardOfAsync(await ClickAsync(_bot, "rsvp.refresh", eventId, 1, trigger: "automatic"))); // a seat taken in time stays
    }

    [Fact]
    public async Task Bad_event_definitions_are_refused_with_a_reason_per_field_and_only_coaches_may_create()
    {
        var body = Body(capacity: 0, new DateTime(2027, 3, 14, 2, 30, 0), timeZone: "America/New_York", kind: "party");
        body["end"] = "2027-03-14T01:00";
        body["joinUrl"] = "http://insecure.example.gov/join";
        var response = await CallAsync(_bot.Http, HttpMethod.Post, "/api/events", _h.CoachToken(), body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains("workshop or hackathon", errors.GetProperty("kind")[0].GetString());
        Assert.Contains("1 to", errors.GetProperty("capacity")[0].GetString());
        Assert.Contains("does not exist", errors.GetProperty("start")[0].GetString()); // 02:30 is skipped by the spring-forward change
        Assert.Contains("https", errors.GetProperty("joinUrl")[0].GetString());

        var noZone = Body(capacity: 5, InUtc(TimeSpan.FromDays(1)), timeZone: "Mars/Olympus_Mons");
        var zoneErrors = (await (await CallAsync(_bot.Http, HttpMethod.Post, "/api/events", _h.CoachToken(), noZone)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(zoneErrors.TryGetProperty("timeZone", out _));

        var employee = _h.Entra.CreateToken(new EntraTokenSpec { Roles = [], ObjectId = UserId(3) });
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(_bot.Http, HttpMethod.Post, "/api/events", employee, Body(5, InUtc(TimeSpan.FromDays(1))))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(_bot.Http, HttpMethod.Post, "/api/events", null, Body(5, InUtc(TimeSpan.FromDays(1))))).StatusCode);
        Assert.Empty((await (await CallAsync(_bot.Http, HttpMethod.Get, "/api/events", _h.CoachToken())).Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
    }

    [Fact]
    public async Task Times_are_read_in_the_organisers_time_zone_across_daylight_saving_and_the_calendar_file_parses_with_another_parser()
    {
        // 09:00 in New York is 14:00 UTC before the March change and 13:00 UTC after it.
        var before = await CreateAsync(_bot.Http, _h.CoachToken(), Body(5, new DateTime(DateTime.UtcNow.Year + 1, 3, 5, 9, 0, 0), "America/New_York"));
        var after = await CreateAsync(_bot.Http, _h.CoachToken(), Body(5, new DateTime(DateTime.UtcNow.Year + 1, 3, 20, 9, 0, 0), "Eastern Standard Time",
            title: "Hackathon: benefits letters", kind: "hackathon"));
        Assert.Equal(14, before.GetProperty("startsAt").GetDateTimeOffset().UtcDateTime.Hour);
        Assert.Equal(13, after.GetProperty("startsAt").GetDateTimeOffset().UtcDateTime.Hour);

        var link = new Uri(after.GetProperty("calendarUrl").GetString()!);
        Assert.Equal("teamsbot.example.gov", link.Host);
        var ics = await _bot.Http.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, ics.StatusCode);
        Assert.Equal("text/calendar", ics.Content.Headers.ContentType!.MediaType);
        var parsed = ParseWithIcalJs(await ics.Content.ReadAsStringAsync());
        var entry = Assert.Single(parsed.GetProperty("events").EnumerateArray());
        Assert.Equal("Hackathon: benefits letters", entry.GetProperty("summary").GetString());
        Assert.Equal(after.GetProperty("startsAt").GetDateTimeOffset(), DateTimeOffset.Parse(entry.GetProperty("start").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(after.GetProperty("endsAt").GetDateTimeOffset(), DateTimeOffset.Parse(entry.GetProperty("end").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("Online (Microsoft Teams)", entry.GetProperty("location").GetString());
        Assert.Contains("meetup-join", entry.GetProperty("description").GetString());

        // Without the right token there is nothing to see, whether or not the event exists.
        Assert.Equal(HttpStatusCode.NotFound, (await _bot.Http.GetAsync(link.AbsolutePath + "?t=0000")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _bot.Http.GetAsync(link.AbsolutePath)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _bot.Http.GetAsync("/events/" + new string('0', 32) + "/calendar.ics" + link.Query)).StatusCode);
    }

    [Fact]
    public async Task Reminders_reach_registered_people_once_and_nobody_else()
    {
        // The second reminder (1 h before by default) falls due a few seconds from now.
        await using var bot = await BotApp.StartAsync(Settings(("Events:SecondReminder", "00:59:55")));
        var ev = await CreateAsync(bot.Http, _h.CoachToken(), Body(capacity: 2, InUtc(TimeSpan.FromHours(1))));
        var eventId = ev.GetProperty("id").GetString()!;
        foreach (var user in new[] { 1, 2, 3, 4 }) await RsvpAsync("rsvp.register", eventId, user, bot); // 3 and 4 waitlisted
        await RsvpAsync("rsvp.cancel", eventId, 2, bot); // 3 moves up
        await RsvpAsync("rsvp.cancel", eventId, 4, bot);

        var reminders = await _h.Connector.WaitForAsync(r => r.Count(IsReminder) >= 2, TimeSpan.FromSeconds(30));
        await Task.Delay(2000);
        var sent = _h.Connector.Requests.Where(IsReminder).ToList();
        Assert.Equal([ChatOf(UserId(1)), ChatOf(UserId(3))], sent.Select(r => r.ConversationId!).Order());
        Assert.Contains("Starting in", sent[0].Body);
        Assert.Contains("can't attend", Strings(sent[0].Json));
    }


    [Fact]
    public async Task A_reminder_due_while_the_bot_was_stopped_goes_out_once_when_it_is_back()
    {
        var path = Path.Combine(Path.GetTempPath(), $"teamsbot-events-{Guid.NewGuid():N}.db");
        var settings = Settings(("Events:SecondReminder", "00:59:56"));
        try
        {
            string eventId;
            await using (var first = await BotApp.StartAsync(settings, databasePath: path, keepDatabase: true))
            {
                var ev = await CreateAsync(first.Http, _h.CoachToken(), Body(capacity: 5, InUtc(TimeSpan.FromHours(1))));
                eventId = ev.GetProperty("id").GetString()!;
                await RsvpAsync("rsvp.register", eventId, 5, first);
            }
            await Task.Delay(TimeSpan.FromSeconds(6)); // due while no bot runs
            Assert.DoesNotContain(_h.Connector.Requests, IsReminder);

            await using var second = await BotApp.StartAsync(settings, databasePath: path, keepDatabase: true);
            await _h.Connector.WaitForAsync(r => r.Any(IsReminder), TimeSpan.FromSeconds(30));
            await Task.Delay(2000);
            Assert.Single(_h.Connector.Requests, IsReminder);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(path + suffix);
        }
    }

    [Fact]
    public async Task Coaches_get_an_attendee_card_per_upcoming_event_and_employees_are_refused()
    {
        await MakeCoachAsync();
        var ev = await CreateAsync(_bot.Http, _h.CoachToken(), Body(capacity: 1, InUtc(TimeSpan.FromDays(5)), title: "Hackathon: forms"));
        await RsvpAsync("rsvp.register", ev.GetProperty("id").GetString()!, 9);
        await RsvpAsync("rsvp.register", ev.GetProperty("id").GetString()!, 10);

        await _bot.SendAsync(Person(TestActivities.Message(_h.Connector.ServiceUrl, "attendees", conversationId: "a:coach"), CoachId, TenantA));
        var card = (await _h.Connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == "a:coach"))).Single(x => x.IsSend && x.ConversationId == "a:coach");
        var text = Strings(card.Json);
        Assert.Contains("Hackathon: forms", text);
        Assert.Contains("1 of 1", text);                 // seats taken
        Assert.Contains("Person " + UserId(9)[^4..], text);
        Assert.Contains("waitlisted #1", text);

        await _bot.SendAsync(Person(TestActivities.Message(_h.Connector.ServiceUrl, "attendees", conversationId: ChatOf(UserId(9))), UserId(9), TenantA));
        var refusal = (await _h.Connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == ChatOf(UserId(9))))).Last(x => x.IsSend && x.ConversationId == ChatOf(UserId(9)));
        Assert.Contains("nothing was done", refusal.VisibleText);
        Assert.DoesNotContain("waitlisted", refusal.VisibleText);
    }

    [Fact]
    public async Task A_coach_creates_an_event_in_Teams_in_their_time_zone_and_sends_the_invite_like_a_broadcast()
    {
        await MakeCoachAsync();
        await _bot.SendAsync(Person(TestActivities.Message(_h.Connector.ServiceUrl, "events new", conversationId: "a:coach"), CoachId, TenantA));
        var composer = (await _h.Connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == "a:coach"))).Single(x => x.IsSend);
        Assert.Contains("event.create", composer.Body);

        var day = DateTime.UtcNow.AddDays(10).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        object Form(string capacity, string title) => new
        {
            kind = "hackathon", title, description = "Two days of prototypes.", date = day, startTime = "10:00", endTime = "16:00", deadlineDate = "",
            location = "GSA HQ", joinUrl = "", capacity, audienceType = "users", agencies = "", users = "user1@gsa.gov\nuser2@gsa.gov",
            formId = System.Text.RegularExpressions.Regex.Match(composer.Body, "\"formId\":\"([0-9a-f]{32})\"").Groups[1].Value,
        };
        Activity Create(object form) => Person(TestActivities.Invoke(_h.Connector.ServiceUrl, "adaptiveCard/action",
            new { action = new { type = "Action.Execute", verb = "event.create", data = form }, trigger = "manual" }, conversationId: "a:coach"), CoachId, TenantA)
            with { LocalTimezone = "America/New_York", ReplyToId = "composer-1" };

        var mistakes = await CardOfAsync(await _bot.SendAsync(Create(Form("0", ""))));
        Assert.Contains("A title is required.", mistakes);
        Assert.Contains("Seats: a number from 1 to", mistakes);
        Assert.Contains("event.create", mistakes); // the composer again, with what was typed
        Assert.Empty((await (await CallAsync(_bot.Http, HttpMethod.Get, "/api/events", _h.CoachToken())).Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());

        var confirm = await CardOfAsync(await _bot.SendAsync(Create(Form("40", "Hackathon: forms"))));
        Assert.Contains("broadcast.confirm", confirm);
        Assert.Contains("Send to 2 people", await CardOfAsync(await _bot.SendAsync(Create(Form("40", "Hackathon: forms"))))); // a double submit: the same event
        Assert.Contains("Send to 2 people", confirm);
        var ev = (await (await CallAsync(_bot.Http, HttpMethod.Get, "/api/events", _h.CoachToken())).Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Single();
        var expectedStart = TimeZoneInfo.ConvertTimeToUtc(DateTime.Parse(day + "T10:00:00", System.Globalization.CultureInfo.InvariantCulture),
            TimeZoneInfo.FindSystemTimeZoneById("America/New_York"));
        Assert.Equal(expectedStart, ev.GetProperty("startsAt").GetDateTimeOffset().UtcDateTime);
        Assert.Equal("America/New_York", ev.GetProperty("timeZone").GetString());

        var campaignId = ev.GetProperty("campaignId").GetString()!;
        var status = await _bot.SendAsync(Person(TestActivities.Invoke(_h.Connector.ServiceUrl, "adaptiveCard/action",
            new { action = new { type = "Action.Execute", verb = "broadcast.confirm", data = new { campaignId } }, trigger = "manual" }, conversationId: "a:coach"), CoachId, TenantA)
            with { ReplyToId = "composer-1" });
        Assert.Contains("campaign.", await status.Content.ReadAsStringAsync());
        await _h.WaitForStatusAsync(_bot.Http, campaignId, "completed");
        var invites = _h.Connector.Deliveries.Where(d => d.Body.Contains("rsvp.register", StringComparison.Ordinal)).ToList();
        Assert.Equal([UserId(1), UserId(2)], invites.Select(d => d.MemberId!).Order());
    }

    [Fact]
    public async Task Employees_list_upcoming_events_with_their_own_answer()
    {
        var ev = await CreateAsync(_bot.Http, _h.CoachToken(), Body(capacity: 3, InUtc(TimeSpan.FromDays(4)), title: "Deep research clinic"));
        await RsvpAsync("rsvp.register", ev.GetProperty("id").GetString()!, 8);
        await _bot.SendAsync(Person(TestActivities.Message(_h.Connector.ServiceUrl, "events", conversationId: ChatOf(UserId(8))), UserId(8), TenantA));
        var reply = (await _h.Connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == ChatOf(UserId(8))))).Last(x => x.IsSend);
        Assert.Contains("Deep research clinic", reply.VisibleText);
        Assert.Contains("you are registered", reply.VisibleText);
        Assert.DoesNotContain("Coaches:", reply.VisibleText); // coach details stay with coaches

        // Someone neither invited nor registered does not see it.
        await _bot.SendAsync(Person(TestActivities.Message(_h.Connector.ServiceUrl, "events", conversationId: ChatOf(UserId(11))), UserId(11), TenantA));
        var other = (await _h.Connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == ChatOf(UserId(11))))).Last(x => x.IsSend && x.ConversationId == ChatOf(UserId(11)));
        Assert.DoesNotContain("Deep research clinic", other.VisibleText);
        Assert.Contains("No workshops or hackathons", other.VisibleText);
    }

    [Fact]
    public async Task The_event_service_rejects_rsvps_for_unknown_events_politely()
    {
        var card = await ClickAsync(_bot, "rsvp.register", new string('f', 32), 1);
        var body = await card.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, card.StatusCode);
        Assert.Contains("no longer exists", body);
        Assert.Empty(await _bot.Services.GetRequiredService<EventService>().UpcomingAsync(10, default));
    }
}
