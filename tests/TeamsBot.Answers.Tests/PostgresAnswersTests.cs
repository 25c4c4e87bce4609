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
