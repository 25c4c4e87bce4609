using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Protocol;

/// <summary>
/// Each case the structural fuzz (<see cref="StructuralFuzzTests"/>) found, kept by name: before activities were normalised
/// at parse time, every one of them got a 500 (a handler met a null inside a list).
/// </summary>
public class FuzzRegressionTests : IAsyncLifetime
{
    private FakeConnector _connector = null!;
    private BotApp _bot = null!;

    public async Task InitializeAsync()
    {
        _connector = await FakeConnector.StartAsync();
        _bot = await BotApp.StartAsync(new Dictionary<string, string?> { ["Bot:ReplyDeadline"] = "00:00:05" });
    }

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        await _connector.DisposeAsync();
    }

    [Fact]
    public async Task Null_among_membersAdded_still_welcomes_the_new_user()
    {
        var body = Node(TestActivities.BotAdded(_connector.ServiceUrl));
        body["membersAdded"]!.AsArray().Insert(0, null);
        body["membersAdded"]!.AsArray().Add(null);
        Assert.Equal(HttpStatusCode.OK, (await _bot.SendRawAsync(body.ToJsonString())).StatusCode);
        var welcome = (await _connector.WaitForSendsAsync(1)).Single(r => r.IsSend);
        Assert.Contains("Welcome", welcome.VisibleText);
    }

    [Fact]
    public async Task Null_among_membersRemoved_in_a_channel_is_acknowledged()
    {
        var body = Node(TestActivities.BotAdded(_connector.ServiceUrl, "19:channel@thread.tacv2", ConversationTypes.Channel));
        body.Remove("membersAdded");
        body["membersRemoved"] = new JsonArray(null, new JsonObject { ["id"] = "29:gone" });
        Assert.True((await _bot.SendRawAsync(body.ToJsonString())).IsSuccessStatusCode);
    }

    [Fact]
    public async Task Null_among_entities_of_a_channel_mention_still_answers()
    {
        var body = Node(TestActivities.Message(_connector.ServiceUrl, "<at>TeamsBot</at> help", ConversationTypes.Channel, "19:channel@thread.tacv2"));
        body["entities"] = JsonNode.Parse("""[null, {"type":"mention","mentioned":{"id":"28:bot-app-id","name":"TeamsBot"},"text":"<at>TeamsBot</at>"}, null]""");
        Assert.Equal(HttpStatusCode.OK, (await _bot.SendRawAsync(body.ToJsonString())).StatusCode);
        var reply = (await _connector.WaitForSendsAsync(1)).Single(r => r.IsSend);
        Assert.Contains("What I can do", reply.VisibleText);
    }

    [Fact]
    public async Task Null_among_attachments_and_entities_still_answers()
    {
        var body = Node(TestActivities.Message(_connector.ServiceUrl, "help"));
        body["attachments"] = JsonNode.Parse("""[null, {"contentType":"text/html","content":"<p>help</p>"}]""");
        body["entities"] = JsonNode.Parse("[null]");
        Assert.Equal(HttpStatusCode.OK, (await _bot.SendRawAsync(body.ToJsonString())).StatusCode);
        Assert.Contains("What I can do", (await _connector.WaitForSendsAsync(1)).Single(r => r.IsSend).VisibleText);
    }

    [Fact]
    public async Task Null_members_with_a_null_timestamp_are_acknowledged()
    {
        var body = Node(TestActivities.BotAdded(_connector.ServiceUrl));
        body["timestamp"] = null;
        body["membersAdded"]!.AsArray().Add(null);
        body["membersRemoved"] = JsonNode.Parse("[null]");
        Assert.True((await _bot.SendRawAsync(body.ToJsonString())).IsSuccessStatusCode);
    }

    [Theory]
    [InlineData("""{"type":"conversationUpdate","membersAdded":[null,{"id":"29:a"}],"membersRemoved":[null,{"id":"29:b"},null]}""", 2)]
    [InlineData("""{"type":"message","attachments":[null,{"contentType":"text/plain"}],"entities":[{"type":"clientInfo"},null]}""", 2)]
    [InlineData("""{"type":"messageReaction","reactionsAdded":[null,{"type":"like"}],"reactionsRemoved":[{"type":"sad"},null]}""", 2)]
    public void Lists_never_hold_nulls_after_normalising(string json, int elements)
    {
        var activity = JsonSerializer.Deserialize<Activity>(json, ProtocolJson.Options)!.WithoutNullListElements();
        IEnumerable<object?>[] lists = [activity.MembersAdded ?? [], activity.MembersRemoved ?? [], activity.Attachments ?? [], activity.Entities ?? [],
            activity.ReactionsAdded ?? [], activity.ReactionsRemoved ?? []];
        Assert.All(lists, list => Assert.DoesNotContain(null, list));
        Assert.Equal(elements, lists.Sum(l => l.Count())); // every non-null element is kept
    }

    [Theory]
    [InlineData("entities", """{"type":"mention"}""")]
    [InlineData("membersAdded", "\"29:a\"")]
    [InlineData("attachments", "{}")]
    public async Task A_wrong_JSON_kind_where_a_list_belongs_is_a_400_naming_the_path(string field, string value)
    {
        var body = Node(TestActivities.Message(_connector.ServiceUrl, "help"));
        body[field] = JsonNode.Parse(value);
        using var response = await _bot.SendRawAsync(body.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"$.{field}", await response.Content.ReadAsStringAsync());
        Assert.Empty(_connector.Requests); // nothing half-done: no reply went out
    }

    private static JsonObject Node(Activity a) => JsonSerializer.SerializeToNode(a, ProtocolJson.Options)!.AsObject();
}
