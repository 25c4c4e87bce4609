using System.Text.Json;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Protocol.Tests;

public class UniversalActionsTests
{
    private static readonly JsonElement Card = JsonDocument.Parse("""{"type":"AdaptiveCard","version":"1.5","body":[{"type":"TextBlock","text":"Hackathon"}]}""").RootElement;

    [Fact]
    public void A_refresh_names_its_verb_data_and_at_most_60_users()
    {
        var users = Enumerable.Range(1, 60).Select(i => $"29:user-{i}").ToList();
        var card = UniversalActions.WithRefresh(Card, "rsvp.refresh", users, new { eventId = "ev-1" });
        var refresh = card.GetProperty("refresh");
        Assert.Equal("Action.Execute", refresh.GetProperty("action").GetProperty("type").GetString());
        Assert.Equal("rsvp.refresh", refresh.GetProperty("action").GetProperty("verb").GetString());
        Assert.Equal("ev-1", refresh.GetProperty("action").GetProperty("data").GetProperty("eventId").GetString());
        Assert.Equal(60, refresh.GetProperty("userIds").GetArrayLength());
        Assert.Equal("Hackathon", card.GetProperty("body")[0].GetProperty("text").GetString());

        var e = Assert.Throws<ArgumentException>(() => UniversalActions.WithRefresh(Card, "rsvp.refresh", [.. users, "29:user-61"]));
        Assert.Contains("at most 60", e.Message);
    }

    [Fact]
    public void Responses_serialize_as_Teams_expects_and_errors_are_400_or_500()
    {
        var json = JsonSerializer.Serialize(AdaptiveCardInvokeResponse.Error(400, "BadRequest", "eventId is missing"), ProtocolJson.Options);
        Assert.Equal("""{"statusCode":400,"type":"application/vnd.microsoft.error","value":{"code":"BadRequest","message":"eventId is missing"}}""", json);
        Assert.Equal("""{"statusCode":200,"type":"application/vnd.microsoft.activity.message","value":"Saved."}""",
            JsonSerializer.Serialize(AdaptiveCardInvokeResponse.Message("Saved."), ProtocolJson.Options));
        Assert.Throws<ArgumentOutOfRangeException>(() => AdaptiveCardInvokeResponse.Error(403, "Forbidden", "no"));
    }
}
