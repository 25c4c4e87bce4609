using System.Net;
using System.Net.Http.Json;
using Npgsql;
using TeamsBot.Protocol.Activities;
using TeamsBot.Security;
using TeamsBot.Testing;
using TeamsBot.Tests.Broadcasts;
using TeamsBot.Tests.Platform;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;
using static TeamsBot.Tests.Events.EventHarness;

namespace TeamsBot.Tests.Nudges;

/// <summary>Two real bot processes on one PostgreSQL database asked to plan nudges at the same moment.</summary>
[Collection(ReplicaCollection.Name)]
public sealed class NudgeReplicaTests
{
    [Fact]
    public async Task Two_replicas_planning_at_the_same_moment_give_each_person_one_lesson()
    {
        await using var postgres = TestPostgres.TryCreate("nudges_pair");
        if (postgres is null) return; // local run without a server (CI fails instead)
        await using var h = await BroadcastHarness.StartAsync(gsaUsers: 8);
        var environment = h.ReplicaEnvironment(postgres, NudgeTests.AnyTime);
        var starting = new[] { RunningBot.StartAsync(environment), RunningBot.StartAsync(environment) };
        await using var a = await starting[0];
        await using var b = await starting[1];

        for (var i = 1; i <= 8; i++)
        {
            var replica = i % 2 == 0 ? a : b;
            var added = await replica.Http.PostAsync("/api/messages", JsonContent.Create(
                Person(TestActivities.BotAdded(h.Connector.ServiceUrl, ChatOf(UserId(i))), UserId(i), TenantA), options: ProtocolJson.Options));
            Assert.True(added.IsSuccessStatusCode);
        }
        await using (var connection = new NpgsqlConnection(postgres.ConnectionString))
        {
            await connection.OpenAsync();
            await using var backdate = new NpgsqlCommand("UPDATE conversations SET \"FirstSeenAt\" = \"FirstSeenAt\" - interval '2 days'", connection);
            Assert.Equal(8, await backdate.ExecuteNonQueryAsync()); // installed two days ago
        }

        var admin = h.Entra.CreateToken(new EntraTokenSpec { Roles = [Roles.Admin] });
        var runs = await Task.WhenAll(new[] { a, b }.Select(bot => CallAsync(bot.Http, HttpMethod.Post, "/api/jobs/nudges.plan/run", admin)));
        Assert.All(runs, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));

        await h.Connector.WaitForAsync(r => r.Count(IsLesson) >= 8, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(5)); // the other run, serialised after the first, finds everyone served today
        var lessons = h.Connector.Requests.Where(IsLesson).ToList();
        Assert.Equal(Enumerable.Range(1, 8).Select(i => UserId(i)).Order(), lessons.Select(MemberOrChat).Order());
    }

    private static bool IsLesson(ConnectorRequest r) =>
        r.Method == "POST" && r.Body.Contains("Summarise a long memo", StringComparison.Ordinal) && r.Body.Contains("nudge.stop", StringComparison.Ordinal);

    /// <summary>The person a lesson went to: the member of a created 1:1 chat, or the person whose stored chat it was sent into.</summary>
    private static string MemberOrChat(ConnectorRequest r) =>
        r.ConversationId is { } chat && chat.StartsWith("a:chat-", StringComparison.Ordinal) ? chat["a:chat-".Length..] : r.Json.GetProperty("members")[0].GetProperty("id").GetString()!;
}
