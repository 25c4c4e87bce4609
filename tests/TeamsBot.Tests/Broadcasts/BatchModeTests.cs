using System.Net;
using TeamsBot.Testing;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;

namespace TeamsBot.Tests.Broadcasts;

/// <summary><c>Broadcasts:SendMode=Batch</c>: the Teams batch messaging API, with its failed entries folded into the ledger.</summary>
public sealed class BatchModeTests
{
    [Fact]
    public async Task A_batch_campaign_sends_in_operations_of_BatchSize_and_folds_failed_entries_into_the_counts()
    {
        await using var h = await BroadcastHarness.StartAsync(gsaUsers: 25);
        h.Connector.BatchFailures[UserId(3)] = "MessageWritesBlocked";
        h.Connector.BatchFailures[UserId(4)] = "BotNotInConversationRoster";
        h.Connector.BatchFailures[UserId(5)] = "InternalServerError";
        var settings = h.Settings();
        settings["Broadcasts:SendMode"] = "Batch";
        settings["Broadcasts:BatchSize"] = "10";
        settings["Connector:Batch:MinPollInterval"] = "00:00:00.1";
        settings["Connector:Batch:DefaultPollInterval"] = "00:00:00.1";
        await using var bot = await BotApp.StartAsync(settings);

        var id = await h.CreateAsync(bot.Http, Body(new { type = "tenant", tenantId = TenantA }));
        Assert.Equal(HttpStatusCode.Accepted, (await CallAsync(bot.Http, HttpMethod.Post, $"/api/campaigns/{id}/send", h.CoachToken())).StatusCode);
        var done = await h.WaitForStatusAsync(bot.Http, id, "completed");

        Assert.Equal(27, Count(done, "recipients"));
        Assert.Equal(24, Count(done, "sent"));
        Assert.Equal(1, Count(done, "blocked"));
        Assert.Equal(1, Count(done, "notInstalled"));
        Assert.Equal(1, Count(done, "failed"));
        var operations = h.Connector.BatchOperations;
        Assert.Equal(3, operations.Count);                        // 10 + 10 + 7
        Assert.All(operations, o => Assert.True(o.Members.Count <= 10));
        var members = operations.SelectMany(o => o.Members).ToList();
        Assert.Equal(27, members.Count);
        Assert.Equal(27, members.Distinct().Count());              // nobody in two operations
        Assert.Equal(0, h.Connector.DeliveryCount);                 // no 1:1 requests in batch mode
    }
}
