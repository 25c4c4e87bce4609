using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;
using Xunit.Abstractions;

namespace TeamsBot.Tests.Protocol;

/// <summary>
/// Every shape the JSON allows, at every depth of the activity, its <c>channelData</c> and its <c>value</c>: nulls inside
/// arrays, objects where arrays belong and the reverse, empty objects and arrays, nulls for any value. 10,000 cases
/// from a fixed seed, with valid tokens: never a 5xx. Each case it ever found is kept in <see cref="FuzzRegressionTests"/>.
/// </summary>
public class StructuralFuzzTests(ITestOutputHelper output)
{
    private const int Count = 10_000;
    private const int Seed = 20261130;

    [Fact]
    public async Task Ten_thousand_activities_of_every_JSON_shape_never_get_a_5xx()
    {
        await using var env = await AuthenticatedBot.StartAsync(new Dictionary<string, string?> { ["Bot:ReplyDeadline"] = "00:00:02" });
        var token = env.Token(s => s with { ExpiresIn = TimeSpan.FromHours(2) });
        var random = new Random(Seed);
        var seeds = RichActivities.Seeds(env.Connector.ServiceUrl);
        var statuses = new Dictionary<HttpStatusCode, int>();
        var failures = new List<string>();

        var cases = Enumerable.Range(0, Count).Select(i => StructuralMutations.Apply(seeds[i % seeds.Length], i, random)).ToList();
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(cases.Select(async c =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await env.Bot.SendRawAsync(c.Body, token);
                lock (statuses)
                {
                    statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
                    if ((int)response.StatusCode >= 500 && failures.Count < 20) failures.Add($"{(int)response.StatusCode} [{c.Description}]: {c.Body[..Math.Min(600, c.Body.Length)]}");
                }
            }
            finally
            {
                gate.Release();
            }
        }));

        output.WriteLine(string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(int)s.Key}: {s.Value}")));
        Assert.True(failures.Count == 0, "5xx responses:\n" + string.Join("\n", failures));
        Assert.Equal(Count, statuses.Values.Sum());
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.OK) + statuses.GetValueOrDefault(HttpStatusCode.Accepted) > Count / 10, "many shapes should still be processed");

        // The host still answers a normal user.
        var help = TestActivities.Message(env.Connector.ServiceUrl, "help", conversationId: "a:after-structural-fuzz");
        Assert.Equal(HttpStatusCode.OK, (await env.Bot.SendAsync(help, token)).StatusCode);
        await env.Connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == "a:after-structural-fuzz"));
    }
}

/// <summary>Teams-shaped activities with every list and nested object the bot reads filled in.</summary>
internal static class RichActivities
{
    public static JsonObject[] Seeds(string serviceUrl)
    {
        JsonObject Node(Activity a) => JsonSerializer.SerializeToNode(a, ProtocolJson.Options)!.AsObject();
        JsonObject Channel(JsonObject a)
        {
            a["channelData"] = JsonNode.Parse("""
                {"tenant":{"id":"11111111-2222-3333-4444-555555555555"},"team":{"id":"19:team@thread.tacv2","name":"Ops","aadGroupId":"g-1"},
                 "channel":{"id":"19:channel@thread.tacv2","name":"General"},"eventType":"teamMemberAdded","settings":{"selectedChannel":{"id":"19:c"}},
                 "notification":{"alert":true},"feedbackLoopEnabled":true}
                """);
            return a;
        }
        var message = Node(TestActivities.Message(serviceUrl, "<at>TeamsBot</at> What is the leave policy?", ConversationTypes.Channel, "19:channel@thread.tacv2"));
        message["entities"] = JsonNode.Parse("""
            [{"type":"mention","mentioned":{"id":"28:bot-app-id","name":"TeamsBot"},"text":"<at>TeamsBot</at>"},
             {"type":"clientInfo","locale":"en-US","country":"US","platform":"Web","timezone":"America/New_York"},
             {"type":"https://schema.org/Message","@type":"Message","citation":[{"@type":"Claim","position":1,"appearance":{"@type":"DigitalDocument","name":"x"}}]}]
            """);
        message["attachments"] = JsonNode.Parse("""
            [{"contentType":"text/html","content":"<p>hi</p>"},{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","body":[]}}]
            """);
        var submit = Node(TestActivities.Message(serviceUrl, ""));
        submit["value"] = JsonNode.Parse("""{"action":"feedback","items":[1,"two",{"three":3}],"nested":{"list":[{"a":1}]}}""");
        var added = Node(TestActivities.BotAdded(serviceUrl, "19:channel@thread.tacv2", ConversationTypes.Channel));
        added["membersRemoved"] = JsonNode.Parse("""[{"id":"29:gone","aadObjectId":"aad-gone"}]""");
        var reaction = Node(TestActivities.Message(serviceUrl, "") with { Type = ActivityTypes.MessageReaction, ReplyToId = "1:answer" });
        reaction["reactionsAdded"] = JsonNode.Parse("""[{"type":"like"},{"type":"heart"}]""");
        reaction["reactionsRemoved"] = JsonNode.Parse("""[{"type":"sad"}]""");
        var install = Node(TestActivities.Message(serviceUrl, "") with { Type = ActivityTypes.InstallationUpdate, Action = "add" });
        var feedback = Node(TestActivities.Invoke(serviceUrl, "message/submitAction",
            new { actionName = "feedback", actionValue = new { reaction = "like", feedback = "{\"feedbackText\":\"great\"}" } }));
        feedback["replyToId"] = "1:answer";
        var cardAction = Node(TestActivities.Invoke(serviceUrl, "adaptiveCard/action",
            new { action = new { type = "Action.Execute", verb = "rsvp.register", data = new { id = 1, list = new[] { "a", "b" } } }, trigger = "manual" }));
        var unknownInvoke = Node(TestActivities.Invoke(serviceUrl, "composeExtension/query",
            new { commandId = "search", parameters = new[] { new { name = "q", value = "x" } }, queryOptions = new { skip = 0, count = 25 } }));
        return [Channel(message), Channel(submit), Channel(added), reaction, install, Channel(feedback), cardAction, unknownInvoke,
            Node(TestActivities.Message(serviceUrl, "help")), Node(TestActivities.Message(serviceUrl, "new chat"))];
    }
}

/// <summary>One generated case: the body and what was done to it (to name a regression test).</summary>
internal sealed record FuzzCase(string Body, string Description);

/// <summary>Structural mutations at any depth; each names the JSON path it touched.</summary>
internal static class StructuralMutations
{
    public static FuzzCase Apply(JsonObject seed, int index, Random random)
    {
        var node = seed.DeepClone().AsObject();
        node["id"] = $"shape-{index}";
        if (node["conversation"] is JsonObject conversation && conversation["id"] is JsonValue) conversation["id"] = $"{conversation["id"]}-{index}";
        var done = new List<string>();
        for (var m = 1 + random.Next(3); m > 0; m--)
        {
            var places = Places(node, "$").ToList();
            var (parent, key, path) = places[random.Next(places.Count)];
            var current = Get(parent, key);
            switch (random.Next(6))
            {
                case 0: // null inside an array (any array at any depth)
                {
                    var arrays = places.Select(p => Get(p.Parent, p.Key)).OfType<JsonArray>().ToList();
                    if (arrays.Count == 0) goto case 1;
                    var array = arrays[random.Next(arrays.Count)];
                    array.Insert(random.Next(array.Count + 1), null);
                    done.Add($"null in {array.GetPath()}");
                    break;
                }
                case 1: // the other container kind
                    Set(parent, key, current switch
                    {
                        JsonArray a => a.Count > 0 && random.Next(2) == 0 ? new JsonObject { ["0"] = a[0]?.DeepClone() } : new JsonObject(),
                        JsonObject o => random.Next(2) == 0 ? new JsonArray(o.DeepClone()) : new JsonArray(),
                        _ => random.Next(2) == 0 ? new JsonArray(current?.DeepClone()) : new JsonObject(),
                    });
                    done.Add($"wrong container at {path}");
                    break;
                case 2:
                    Set(parent, key, new JsonObject());
                    done.Add($"empty object at {path}");
                    break;
                case 3:
                    Set(parent, key, new JsonArray());
                    done.Add($"empty array at {path}");
                    break;
                case 4:
                    Set(parent, key, null);
                    done.Add($"null at {path}");
                    break;
                default: // an array of nulls and empties where anything was
                    Set(parent, key, new JsonArray(null, new JsonObject(), new JsonArray(), null));
                    done.Add($"array of nulls at {path}");
                    break;
            }
        }
        return new FuzzCase(node.ToJsonString(), string.Join("; ", done));
    }

    private static JsonNode? Get(JsonNode parent, object key) => parent switch
    {
        JsonObject o => o[(string)key],
        JsonArray a => a[(int)key],
        _ => null,
    };

    private static void Set(JsonNode parent, object key, JsonNode? value)
    {
        if (parent is JsonObject o) o[(string)key] = value;
        else if (parent is JsonArray a) a[(int)key] = value;
    }

    /// <summary>Every (parent, key) below the root except the fields that route the request (id, serviceUrl, channelId).</summary>
    private static IEnumerable<(JsonNode Parent, object Key, string Path)> Places(JsonNode node, string path)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o.ToList())
                {
                    if (path == "$" && key is "id" or "serviceUrl" or "channelId") continue;
                    yield return (o, key, $"{path}.{key}");
                    if (child is not null) foreach (var p in Places(child, $"{path}.{key}")) yield return p;
                }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    yield return (a, i, $"{path}[{i}]");
                    if (a[i] is { } child) foreach (var p in Places(child, $"{path}[{i}]")) yield return p;
                }
                break;
        }
    }
}
