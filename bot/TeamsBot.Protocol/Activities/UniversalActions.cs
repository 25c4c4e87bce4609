using System.Text.Json;
using System.Text.Json.Nodes;

namespace TeamsBot.Protocol.Activities;

/// <summary>Universal Actions helpers for Adaptive Card JSON (cards 1.4+; Teams renders 1.5).</summary>
public static class UniversalActions
{
    /// <summary>Teams refreshes a card automatically only for the users listed in <c>refresh.userIds</c>, at most 60 of them.</summary>
    public const int MaxRefreshUserIds = 60;

    /// <summary>
    /// Adds (or replaces) the card's <c>refresh</c>: when one of <paramref name="userIds"/> (Teams <c>29:</c> ids) views the card,
    /// Teams invokes <paramref name="verb"/> with <c>trigger: automatic</c> and shows that user the card the bot answers with.
    /// </summary>
    public static JsonElement WithRefresh(JsonElement card, string verb, IReadOnlyCollection<string> userIds, object? data = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(verb);
        if (userIds.Count > MaxRefreshUserIds)
            throw new ArgumentException($"Teams refreshes a card for at most {MaxRefreshUserIds} users; got {userIds.Count}.", nameof(userIds));
        var node = JsonNode.Parse(card.GetRawText())?.AsObject() ?? throw new ArgumentException("The card is not a JSON object.", nameof(card));
        var action = new JsonObject { ["type"] = "Action.Execute", ["verb"] = verb };
        if (data is not null) action["data"] = JsonSerializer.SerializeToNode(data, ProtocolJson.Options);
        node["refresh"] = new JsonObject { ["action"] = action, ["userIds"] = new JsonArray([.. userIds.Select(id => (JsonNode?)JsonValue.Create(id))]) };
        return JsonSerializer.SerializeToElement(node, ProtocolJson.Options);
    }
}
