using System.Text.Json;
using System.Text.Json.Nodes;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Protocol.Tests;

public class ActivitySchemaTests
{
    private const string TeamsChannelMessage = """
    {
      "type": "message", "id": "1700000000000", "timestamp": "2026-11-24T10:00:00.000Z",
      "serviceUrl": "https://smba.trafficmanager.net/amer/", "channelId": "msteams",
      "from": { "id": "29:1abc", "name": "Ada", "aadObjectId": "00000000-0000-0000-0000-0000000000aa", "futureField": 1 },
      "conversation": { "isGroup": true, "conversationType": "channel", "tenantId": "t-1", "id": "19:abc@thread.tacv2;messageid=1" },
      "recipient": { "id": "28:bot", "name": "TeamsBot" },
      "text": "<at>TeamsBot</at> how do I get   access?",
      "textFormat": "plain", "locale": "en-US",
      "entities": [
        { "type": "mention", "mentioned": { "id": "28:bot", "name": "TeamsBot" }, "text": "<at>TeamsBot</at>" },
        { "type": "clientInfo", "locale": "es-US", "country": "US", "platform": "Web", "timezone": "America/New_York" }
      ],
      "channelData": { "teamsChannelId": "19:abc", "teamsTeamId": "19:team", "channel": { "id": "19:abc" },
        "team": { "id": "19:team", "aadGroupId": "g-1" }, "tenant": { "id": "t-1" }, "eventType": null, "unknownFlag": { "nested": [1, 2, 3] } },
      "attachments": [ { "contentType": "text/html", "content": "<div>x</div>" } ],
      "brandNewTopLevel": { "a": [true, null, 1.5] }
    }
    """;

    [Fact]
    public void Unknown_fields_round_trip_at_every_level()
    {
        var activity = JsonSerializer.Deserialize<Activity>(TeamsChannelMessage, ProtocolJson.Options)!;
        var written = JsonNode.Parse(JsonSerializer.Serialize(activity, ProtocolJson.Options))!;
        var original = JsonNode.Parse(TeamsChannelMessage)!;

        Assert.True(JsonNode.DeepEquals(original["brandNewTopLevel"], written["brandNewTopLevel"]));
        Assert.True(JsonNode.DeepEquals(original["channelData"]!["unknownFlag"], written["channelData"]!["unknownFlag"]));
        Assert.Equal("19:abc", written["channelData"]!["teamsChannelId"]!.GetValue<string>());
        Assert.Equal(1, written["from"]!["futureField"]!.GetValue<int>());
        Assert.Equal("es-US", written["entities"]![1]!["locale"]!.GetValue<string>());
        Assert.Equal("<div>x</div>", written["attachments"]![0]!["content"]!.GetValue<string>());
    }

    [Fact]
    public void Teams_fields_are_typed()
    {
        var activity = JsonSerializer.Deserialize<Activity>(TeamsChannelMessage, ProtocolJson.Options)!;
        Assert.Equal("00000000-0000-0000-0000-0000000000aa", activity.From!.AadObjectId);
        Assert.Equal("t-1", activity.TenantId);
        Assert.Equal(ConversationTypes.Channel, activity.Conversation!.ConversationType);
        Assert.Equal("g-1", activity.ChannelData!.Team!.AadGroupId);
        Assert.Equal("19:abc", activity.ChannelData.Channel!.Id);
        var clientInfo = activity.Entities![1].As<ClientInfoEntity>()!;
        Assert.Equal("America/New_York", clientInfo.Timezone);
        Assert.False(activity.IsPersonal());
    }

    [Fact]
    public void Bot_mention_is_stripped_in_channels_and_other_mentions_are_kept()
    {
        var activity = JsonSerializer.Deserialize<Activity>(TeamsChannelMessage, ProtocolJson.Options)!;
        Assert.Equal("how do I get access?", activity.GetTextWithoutBotMention());

        var withOther = activity with
        {
            Text = "<at>TeamsBot</at> ask <at>Grace</at> about it",
            Entities = [.. activity.Entities!, Entity.From(new MentionEntity { Mentioned = new ChannelAccount { Id = "29:grace" }, Text = "<at>Grace</at>" })],
        };
        Assert.Equal("ask <at>Grace</at> about it", withOther.GetTextWithoutBotMention());
    }

    [Fact]
    public void Group_chat_mention_without_entity_is_stripped_but_personal_text_is_untouched()
    {
        var group = new Activity
        {
            Type = "message", Text = "<at>TeamsBot</at>  help",
            Recipient = new ChannelAccount { Id = "28:bot", Name = "TeamsBot" },
            Conversation = new ConversationAccount { Id = "19:chat", ConversationType = ConversationTypes.GroupChat },
        };
        Assert.Equal("help", group.GetTextWithoutBotMention());
        var personal = group with { Text = "  what is <at>TeamsBot</at>? ", Conversation = new ConversationAccount { Id = "a:1", ConversationType = "personal" } };
        Assert.Equal("what is <at>TeamsBot</at>?", personal.GetTextWithoutBotMention());
    }

    [Fact]
    public void AI_message_entity_serializes_to_the_schema_org_shape()
    {
        var entity = Entity.From(new AIMessageEntity
        {
            Citation = [new Citation { Position = 1, Appearance = new CitationAppearance { Name = "Access guide", Url = "https://example.gov/a", Abstract = "How to get access" } }],
        });
        var json = JsonNode.Parse(JsonSerializer.Serialize(entity, ProtocolJson.Options))!;
        Assert.Equal("https://schema.org/Message", json["type"]!.GetValue<string>());
        Assert.Equal("Message", json["@type"]!.GetValue<string>());
        Assert.Equal("https://schema.org", json["@context"]!.GetValue<string>());
        Assert.Equal("", json["@id"]!.GetValue<string>());
        Assert.Equal("AIGeneratedContent", json["additionalType"]![0]!.GetValue<string>());
        Assert.Equal("Claim", json["citation"]![0]!["@type"]!.GetValue<string>());
        Assert.Equal("DigitalDocument", json["citation"]![0]!["appearance"]!["@type"]!.GetValue<string>());
    }

    [Fact]
    public void Stream_info_and_feedback_serialize_with_wire_names()
    {
        var activity = new Activity
        {
            Type = ActivityTypes.Typing,
            Entities = [Entity.From(new StreamInfoEntity { StreamId = "s1", StreamType = StreamTypes.Streaming, StreamSequence = 2 })],
            ChannelData = new TeamsChannelData { FeedbackLoopEnabled = true },
        };
        var json = JsonNode.Parse(JsonSerializer.Serialize(activity, ProtocolJson.Options))!;
        Assert.Equal("streaminfo", json["entities"]![0]!["type"]!.GetValue<string>());
        Assert.Equal(2, json["entities"]![0]!["streamSequence"]!.GetValue<int>());
        Assert.True(json["channelData"]!["feedbackLoopEnabled"]!.GetValue<bool>());
        Assert.Null(json["channelData"]!["feedbackLoop"]);
    }
}
