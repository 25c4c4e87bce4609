using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Broadcasts;
using TeamsBot.Events;
using TeamsBot.Testing;
using TeamsBot.Tests.Protocol;
using static TeamsBot.Tests.Events.EventHarness;

namespace TeamsBot.Tests.Events;

/// <summary>RSVPs as real Teams traffic: signed channel tokens, many people clicking at once, double clicks, on both databases.</summary>
public sealed class RsvpRaceTests
{
    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task Forty_people_clicking_the_last_seats_at_once_get_exactly_the_seats_and_an_ordered_waitlist(string provider)
    {
        await using var postgres = provider == "Postgres" ? TestPostgres.TryCreate("teamsbot_rsvp") : null;
        if (provider == "Postgres" && postgres is null) return; // local run without a server (CI fails instead)
        await using var bot = await AuthenticatedBot.StartAsync(postgres?.Settings);
        var events = bot.Bot.Services.GetRequiredService<EventService>();
        var ev = await CreateEventAsync(events, EventKinds.Hackathon, "Benefits hackathon");

        var people = Enumerable.Range(1, 40).Select(i => $"00000000-0000-4000-a000-{i:D12}").ToList();
        // Everyone clicks Register in their own chat at the same moment; the first eight also double-click.
        var clicks = people.Concat(people.Take(8))
            .Select(p => Click(bot.Connector.ServiceUrl, "rsvp.register", ev.Id, p, TestActivities.TenantId)).ToList();
        var responses = await Task.WhenAll(clicks.Select(c => bot.Bot.SendAsync(c, bot.Token())));
        var cards = await Task.WhenAll(responses.Select(CardOfAsync));
        Assert.All(cards, c => Assert.True(c.Contains(Registered, StringComparison.Ordinal) ^ c.Contains("on the waitlist", StringComparison.Ordinal), c));

        var views = new List<RsvpView>();
        foreach (var p in people) views.Add((await events.ViewAsync(ev.Id, p, default))!);
        Assert.Equal(5, views.Count(v => v.State == RsvpState.Registered));
        Assert.Equal(35, views.Count(v => v.State == RsvpState.Waitlisted));
        Assert.Equal(Enumerable.Range(1, 35), views.Where(v => v.State == RsvpState.Waitlisted).Select(v => v.WaitlistPosition).Order());
        Assert.Equal((5, 35), await events.CountsAsync(ev.Id, default)); // double clicks added nobody
        // What each click answered agrees with what was stored (a double click shows the same state twice).
        for (var i = 0; i < clicks.Count; i++)
        {
            var person = people[i % people.Count];
            var stored = views[people.IndexOf(person)];
            Assert.Equal(stored.State == RsvpState.Registered, cards[i].Contains(Registered, StringComparison.Ordinal));
        }

        // Two seat-holders cancel at once while two more people click: the first two in line get the seats.
        var registered = people.Where((p, i) => views[i].State == RsvpState.Registered).Take(2).ToList();
        var firstInLine = people.Where((p, i) => views[i].WaitlistPosition is 1 or 2).ToList();
        var late = new[] { "00000000-0000-4000-a000-000000000098", "00000000-0000-4000-a000-000000000099" };
        await Task.WhenAll(registered.Select(p => Click(bot.Connector.ServiceUrl, "rsvp.cancel", ev.Id, p, TestActivities.TenantId))
            .Concat(late.Select(p => Click(bot.Connector.ServiceUrl, "rsvp.register", ev.Id, p, TestActivities.TenantId)))
            .Select(c => bot.Bot.SendAsync(c, bot.Token())));
        foreach (var p in firstInLine) Assert.Equal(RsvpState.Registered, (await events.ViewAsync(ev.Id, p, default))!.State);
        foreach (var p in late) Assert.Equal(RsvpState.Waitlisted, (await events.ViewAsync(ev.Id, p, default))!.State);
        Assert.Equal((5, 35), await events.CountsAsync(ev.Id, default));
    }

    [Fact]
    public async Task An_unsigned_RSVP_is_refused_and_records_nothing()
    {
        await using var bot = await AuthenticatedBot.StartAsync();
        var events = bot.Bot.Services.GetRequiredService<EventService>();
        var ev = await CreateEventAsync(events, EventKinds.Workshop, "Prompting 101");
        var click = Click(bot.Connector.ServiceUrl, "rsvp.register", ev.Id, "00000000-0000-4000-a000-000000000001", TestActivities.TenantId);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await bot.Bot.SendAsync(click)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await bot.Bot.SendAsync(click, bot.Token(t => t with { SignWithUnknownKey = true }))).StatusCode);
        Assert.Equal((0, 0), await events.CountsAsync(ev.Id, default));
    }

    /// <summary>An event of 5 seats in two days (straight through the service: these tests are about RSVPs, not creation).</summary>
    private static async Task<TrainingEvent> CreateEventAsync(EventService events, string kind, string title)
    {
        var start = DateTimeOffset.UtcNow.AddDays(2);
        var (ev, _) = await events.CreateAsync(new EventDefinition
        {
            Kind = kind, Title = title, Description = "Bring a real task.", TimeZone = "UTC", Location = "GSA HQ", Capacity = 5,
            Audience = new CampaignAudience { Type = "users", Users = ["user1@gsa.gov"] },
        }, new EventTimes(start, start.AddHours(4), null), new CampaignCaller("coach", "Coach", TestActivities.TenantId), default);
        return ev;
    }
}
