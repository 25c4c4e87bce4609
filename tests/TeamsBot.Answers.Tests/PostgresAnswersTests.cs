using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Storage;
using TeamsBot.Testing;

namespace TeamsBot.Answers.Tests;

/// <summary>
/// Conversation memory and feedback on PostgreSQL (<c>Storage:Provider=Postgres</c>). Needs a server: <c>tests/run.sh</c>
/// starts one as root and sets <c>TEAMSBOT_TEST_POSTGRES</c>; in CI a missing server fails the test.
/// </summary>
public class PostgresAnswersTests
{
    [Fact]
    public async Task Memory_reset_retention_and_feedback_work_on_PostgreSQL()
    {
        await using var postgres = TestPostgres.TryCreate("teamsbot_answers");
        if (postgres is null) return; // local run without a server (CI fails instead)
        await using var h = await Harness.StartAsync(settings: postgres.Settings);
        h.Model!.Enqueue(ModelScript.Answer("Ask your coordinator [1]."), ModelScript.Answer("About a day."));
        await h.AskAsync("How do I get access?");
        await h.MessageAsync(1);
        await h.AskAsync("How long does it take?");
        await h.MessageAsync(2);
        Assert.Equal(["system", "user", "assistant", "user"], h.Model.Requests[1].Messages.Select(m => m.Role));

        var invoke = TestActivities.Invoke(h.Connector.ServiceUrl, "message/submitAction",
            new { actionName = "feedback", actionValue = new { reaction = "like" } }) with { ReplyToId = "activity-2" };
        Assert.Equal(HttpStatusCode.OK, (await h.Bot.SendAsync(invoke)).StatusCode);
        var report = await h.Bot.Services.GetRequiredService<AnswerFeedbackReport>().ByAgencyAsync(DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1));
        Assert.Equal(1, Assert.Single(report).Likes);

        var memory = h.Bot.Services.GetRequiredService<ConversationMemory>();
        Assert.Equal(0, await memory.ExpireAsync(default)); // nothing is 30 days old
        await h.AskAsync("new chat");
        await h.MessageAsync(3);
        Assert.Empty(await memory.RecallAsync("a:personal-chat-1", default));
        await using var db = await h.Bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync();
        Assert.True(db.Database.IsNpgsql());
    }
}

/// <summary>Two replicas (two bots in this process) on one PostgreSQL database share fair use and the model's circuit.</summary>
public class SharedAnswersStateTests
{
    private static async Task<(BotApp A, BotApp B)> ReplicasAsync(TestPostgres postgres, FakeOpenAI model, Dictionary<string, string?> extra)
    {
        var settings = new Dictionary<string, string?>(postgres.Settings)
        {
            ["Model:Provider"] = "Compatible",
            ["Model:Endpoint"] = model.BaseUrl,
            ["Model:Name"] = "gpt-test",
        };
        foreach (var (k, v) in extra) settings[k] = v;
        var a = await BotApp.StartAsync(settings);
        var b = await BotApp.StartAsync(settings);
        return (a, b);
    }

    [Fact]
    public async Task Fair_use_counts_a_persons_questions_on_every_replica()
    {
        await using var postgres = TestPostgres.TryCreate("teamsbot_shared");
        if (postgres is null) return;
        await using var model = await FakeOpenAI.StartAsync();
        await using var connector = await FakeConnector.StartAsync();
        var (a, b) = await ReplicasAsync(postgres, model, new() { ["Answers:QuestionsPerWindow"] = "2", ["Answers:RateLimitWindow"] = "00:10:00" });
        await using var _ = a;
        await using var __ = b;

        await a.SendAsync(TestActivities.Message(connector.ServiceUrl, "How do I get access?", conversationId: "a:chat-1"));
        await b.SendAsync(TestActivities.Message(connector.ServiceUrl, "What data can I enter?", conversationId: "a:chat-2"));
        await a.SendAsync(TestActivities.Message(connector.ServiceUrl, "And a third question?", conversationId: "a:chat-3"));
        var third = await connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == "a:chat-3" && x.Activity?.Type == "message"));
        Assert.Contains("each person can ask 2 questions every 10 minutes", third.Last(x => x.IsSend && x.ConversationId == "a:chat-3").VisibleText);
        Assert.Equal(2, model.Requests.Count); // the third question never reached the model

        // Another person is not affected.
        await b.SendAsync(TestActivities.Message(connector.ServiceUrl, "How do I get access?", conversationId: "a:chat-4", userId: "29:user-2", aadObjectId: "aad-user-2"));
        await connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == "a:chat-4" && x.Activity?.Type == "message"));
        Assert.Equal(3, model.Requests.Count);
    }

    [Fact]
    public async Task When_one_replica_finds_the_model_down_the_others_answer_offline_without_calling_it()
    {
        await using var postgres = TestPostgres.TryCreate("teamsbot_shared");
        if (postgres is null) return;
        await using var model = await FakeOpenAI.StartAsync();
        model.Default = ModelScript.Error(503);
        await using var connector = await FakeConnector.StartAsync();
        var (a, b) = await ReplicasAsync(postgres, model, new()
        {
            ["Model:MaxRetries"] = "0", ["Model:BreakerMinimumThroughput"] = "2", ["Model:BreakerFailureRatio"] = "0.5", ["Model:BreakDuration"] = "00:01:00",
        });
        await using var _ = a;
        await using var __ = b;

        for (var i = 1; i <= 2; i++)
        {
            await a.SendAsync(TestActivities.Message(connector.ServiceUrl, "How do I get access?", conversationId: $"a:down-{i}"));
            await connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == $"a:down-{i}" && x.Activity?.Type == "message"));
        }
        Assert.Equal(2, model.Requests.Count); // replica A's breaker is now open

        await b.SendAsync(TestActivities.Message(connector.ServiceUrl, "How do I get access?", conversationId: "a:on-b"));
        var answer = (await connector.WaitForAsync(r => r.Any(x => x.IsSend && x.ConversationId == "a:on-b" && x.Activity?.Type == "message")))
            .Last(x => x.IsSend && x.ConversationId == "a:on-b");
        Assert.Contains(AnswerComposer.ModelUnavailableLine, answer.Activity!.Text);
        Assert.Equal(2, model.Requests.Count); // replica B did not try the model
    }
}
