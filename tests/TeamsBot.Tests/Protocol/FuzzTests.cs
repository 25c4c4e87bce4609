using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Conversations;
using TeamsBot.Protocol.Activities;
using TeamsBot.Storage;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Protocol;

/// <summary>
/// 10,000 mutated activities with valid tokens (dropped fields, wrong types, huge strings, odd Unicode, deep nesting):
/// no 5xx, the host stays up, stored data stays consistent.
/// </summary>
public class FuzzTests
{
    private const int Count = 10_000;

    [Fact]
    public async Task Ten_thousand_mutated_activities_never_get_a_5xx_and_leave_consistent_data()
    {
        await using var env = await AuthenticatedBot.StartAsync(new Dictionary<string, string?> { ["Bot:ReplyDeadline"] = "00:00:02" });
        var token = env.Token(s => s with { ExpiresIn = TimeSpan.FromHours(2) });
        var random = new Random(20261124);
        var seeds = Seeds(env.Connector.ServiceUrl);
        var statuses = new Dictionary<HttpStatusCode, int>();
        var failures = new List<string>();

        var bodies = Enumerable.Range(0, Count).Select(i => Mutate(seeds[i % seeds.Length], i, random)).ToList();
        using var gate = new SemaphoreSlim(8);
        var tasks = bodies.Select(async body =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await env.Bot.SendRawAsync(body, token);
                lock (statuses)
                {
                    statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
                    if ((int)response.StatusCode >= 500 && failures.Count < 5) failures.Add($"{(int)response.StatusCode}: {body[..Math.Min(300, body.Length)]}");
                }
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks);

        Assert.True(failures.Count == 0, "5xx responses:\n" + string.Join("\n", failures));
        Assert.Equal(Count, statuses.Values.Sum());
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.OK) + statuses.GetValueOrDefault(HttpStatusCode.Accepted) > Count / 10, "most mutations should still be processed");
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.BadRequest) > Count / 10, "many mutations should be rejected as bad input");

        // The host is still up and still answers a normal user.
        Assert.Equal(HttpStatusCode.OK, (await env.Bot.Http.GetAsync("/healthz")).StatusCode);
        var before = env.Connector.SentActivities.Count;
        var help = TestActivities.Message(env.Connector.ServiceUrl, "help", conversationId: "a:after-fuzz");
        Assert.Equal(HttpStatusCode.OK, (await env.Bot.SendAsync(help, token)).StatusCode);
        await env.Connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == "a:after-fuzz"));

        // Stored data is consistent: the database is intact and every row is a usable reference.
        var factory = env.Bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using (var check = connection.CreateCommand())
        {
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", (string?)await check.ExecuteScalarAsync());
        }
        var rows = await db.Set<ConversationRecord>().AsNoTracking().ToListAsync();
        Assert.NotEmpty(rows);
        Assert.All(rows, r =>
        {
            Assert.False(string.IsNullOrWhiteSpace(r.ConversationId));
            Assert.Equal(env.Connector.ServiceUrl.TrimEnd('/'), r.ServiceUrl.TrimEnd('/'));
            Assert.True(r.LastSeenAt >= r.FirstSeenAt);
        });
    }

    private static JsonObject[] Seeds(string serviceUrl)
    {
        JsonObject Node(Activity a) => JsonSerializer.SerializeToNode(a, ProtocolJson.Options)!.AsObject();
        return
        [
            Node(TestActivities.Message(serviceUrl, "help")),
            Node(TestActivities.Message(serviceUrl, "<at>TeamsBot</at> help", ConversationTypes.Channel, "19:channel@thread.tacv2")),
            Node(TestActivities.BotAdded(serviceUrl)),
            Node(TestActivities.Invoke(serviceUrl, "adaptiveCard/action", new { action = new { type = "Action.Execute", verb = "rsvp.register", data = new { id = 1 } } })),
            Node(TestActivities.Invoke(serviceUrl, "message/submitAction", new { actionName = "feedback", actionValue = new { reaction = "like", feedback = "{\"feedbackText\":\"great\"}" } })),
            Node(TestActivities.Message(serviceUrl, "") with { Type = ActivityTypes.InstallationUpdate, Action = "add" }),
            Node(TestActivities.Message(serviceUrl, "") with { Type = ActivityTypes.MessageReaction }),
        ];
    }

    private static readonly string[] OddStrings =
    [
        "", " ", "\u0000", "\u202Eevil", "\u200B\u200B", "😀👍🏽", "\uFEFF", "a\r\nb", "<script>alert(1)</script>", "${json(x)}",
        "%s%n%x", "' OR 1=1 --", "\\", "\"", new string('界', 2000), "29:", "28:bot", "https://evil.example.com/",
    ];

    private static string Mutate(JsonObject seed, int index, Random random)
    {
        var node = seed.DeepClone().AsObject();
        node["id"] = $"fuzz-{index}";
        if (node["conversation"] is JsonObject conversation) conversation["id"] = $"a:fuzz-{index}";
        var mutations = 1 + random.Next(3);
        for (var m = 0; m < mutations; m++)
        {
            var target = PickContainer(node, random);
            var keys = target is JsonObject o ? o.Select(p => p.Key).ToList() : [];
            var key = keys.Count > 0 ? keys[random.Next(keys.Count)] : "extra";
            switch (random.Next(9))
            {
                case 0: if (target is JsonObject t0) t0.Remove(key); break;
                case 1: if (target is JsonObject t1) t1[key] = WrongType(random); break;
                case 2: if (target is JsonObject t2) t2[key] = new string('A', random.Next(1000, 200_000)); break;
                case 3: if (target is JsonObject t3) t3[key] = OddStrings[random.Next(OddStrings.Length)]; break;
                case 4: if (target is JsonObject t4) t4[key] = Deep(random.Next(10, 200)); break;
                case 5: if (target is JsonObject t5) t5["unknown" + random.Next(100)] = WrongType(random); break;
                case 6: node["type"] = new[] { "message", "invoke", "conversationUpdate", "event", "typing", "bogus", "" }[random.Next(7)]; break;
                case 7: node["text"] = OddStrings[random.Next(OddStrings.Length)] + " help"; break;
                default: if (node["entities"] is JsonArray entities) entities.Add(new JsonObject { ["type"] = "mention", ["mentioned"] = WrongType(random), ["text"] = WrongType(random) }); break;
            }
        }
        var json = node.ToJsonString();
        // Some raw-text damage JSON mutation cannot express: truncation and invalid escapes.
        return random.Next(20) switch
        {
            0 => json[..random.Next(json.Length)],
            1 => json.Replace("\"text\":\"", "\"text\":\"\\ud800\\", StringComparison.Ordinal),
            _ => json,
        };
    }

    private static JsonNode PickContainer(JsonObject root, Random random)
    {
        JsonNode current = root;
        for (var depth = random.Next(3); depth > 0; depth--)
        {
            var children = current switch
            {
                JsonObject o => o.Select(p => p.Value).Where(v => v is JsonObject).ToList(),
                _ => [],
            };
            if (children.Count == 0) break;
            current = children[random.Next(children.Count)]!;
        }
        return current;
    }

    private static JsonNode? WrongType(Random random) => random.Next(6) switch
    {
        0 => JsonValue.Create(random.Next()),
        1 => JsonValue.Create(random.NextDouble() * 1e300),
        2 => new JsonArray(1, "two", null),
        3 => new JsonObject { ["nested"] = true },
        4 => JsonValue.Create(false),
        _ => null,
    };

    private static JsonNode Deep(int depth)
    {
        JsonNode node = new JsonObject { ["leaf"] = 1 };
        for (var i = 0; i < depth; i++) node = i % 2 == 0 ? new JsonArray(node) : new JsonObject { ["n"] = node };
        return node;
    }
}
