using TeamsBot.Testing;
using TeamsBot.Tests.Broadcasts;
using TeamsBot.Tests.Platform;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;
using static TeamsBot.Tests.Events.EventHarness;

namespace TeamsBot.Tests.Events;

/// <summary>Two real bot processes on one PostgreSQL database: an event's reminder fires on one of them, once per person.</summary>
[Collection(ReplicaCollection.Name)]
public sealed class EventReplicaTests
{
    [Fact]
    public async Task Two_replicas_remind_each_registered_person_exactly_once()
    {
        await using var postgres = TestPostgres.TryCreate("events_pair");
        if (postgres is null) return; // local run without a server (CI fails instead)
        await using var h = await BroadcastHarness.StartAsync(gsaUsers: 6);
        // The reminder falls due 12 s after an event starting in an hour is created.
        var environment = h.ReplicaEnvironment(postgres, new Dictionary<string, string> { ["Events:SecondReminder"] = "00:59:48" });
        var starting = new[] { RunningBot.StartAsync(environment), RunningBot.StartAsync(environment) };
        await using var a = await starting[0];
        await using var b = await starting[1];

        var ev = await CreateAsync(a.Http, h.CoachToken(), Body(capacity: 3, DateTime.UtcNow.AddHours(1)));
        var eventId = ev.GetProperty("id").GetString()!;
        // People answer through either replica, as a load balancer would spread them; the fourth is waitlisted.
        for (var i = 1; i <= 4; i++)
        {
            var replica = i % 2 == 0 ? a : b;
            var card = await CardOfAsync(await replica.Http.PostAsync("/api/messages",
                System.Net.Http.Json.JsonContent.Create(Click(h.Connector.ServiceUrl, "rsvp.register", eventId, UserId(i), TenantA), options: TeamsBot.Protocol.Activities.ProtocolJson.Options)));
            Assert.Contains(i <= 3 ? Registered : Waitlisted(1), card);
        }

        await h.Connector.WaitForAsync(r => r.Count(IsReminder) >= 3, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(4)); // a second firing would land by now
        var reminders = h.Connector.Requests.Where(IsReminder).ToList();
        Assert.Equal([ChatOf(UserId(1)), ChatOf(UserId(2)), ChatOf(UserId(3))], reminders.Select(r => r.ConversationId!).Order());
        // One replica ran the reminder job.
        var ran = new[] { a, b }.Count(bot => bot.Output.Any(l => l.Contains($"Event {eventId}: second reminder sent to 3 people", StringComparison.Ordinal)));
        Assert.Equal(1, ran);
    }
}
