using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Protocol.Activities;
using TeamsBot.Storage;
using TeamsBot.Testing;

namespace TeamsBot.Answers.Tests;

/// <summary>Real bot + real OpenAI SDK against the fake SSE model; every assertion is on what reached the fake connector or the fake model.</summary>
public class AnswersEndToEndTests
{
    private const string AccessQuestion = "How do I get access to the AI assistant?";

    [Fact]
    public async Task Offline_default_streams_informative_then_quotes_knowledge_with_citations()
    {
        await using var h = await Harness.StartAsync(withModel: false);
        await h.AskAsync(AccessQuestion);
        var final = await h.MessageAsync();

        var sends = h.Connector.SentActivities;
        Assert.Equal(ActivityTypes.Typing, sends[0].Type);
        Assert.Equal(AnswerHandler.Informative, sends[0].Text);
        var info = sends[0].Entities!.Single(e => e.Type == EntityTypes.StreamInfo).As<StreamInfoEntity>()!;
        Assert.Equal(StreamTypes.Informative, info.StreamType);
        Assert.Equal(1, info.StreamSequence);

        Assert.Contains("Getting access", final.Text);
        Assert.Contains("> ", final.Text); // quoted passages
        Assert.Contains("Generative answers are not configured", final.Text);
        var root = EntityAssertions.Root(final);
        Assert.False(final.Entities!.Single(e => e.Type == EntityTypes.SchemaOrgMessage).Properties!.ContainsKey("additionalType")); // quotes, not AI-generated
        var citation = root.Citation!.First();
        Assert.Equal(1, citation.Position);
        Assert.StartsWith("Getting access to the enterprise AI assistant", citation.Appearance!.Name);
        Assert.Contains("[1]", final.Text);
        Assert.True(final.ChannelData!.FeedbackLoopEnabled);
        Assert.Equal(StreamTypes.Final, final.Entities!.Single(e => e.Type == EntityTypes.StreamInfo).As<StreamInfoEntity>()!.StreamType);
    }

    [Fact]
    public async Task Model_answer_streams_coalesced_updates_at_most_once_a_second_then_cited_final()
    {
        await using var h = await Harness.StartAsync();
        // ~3.2 s of tokens, one every 200 ms.
        h.Model!.Enqueue(ModelScript.Answer(
            "To get access, ask your agency's AI program coordinator to confirm enrollment [1], complete the responsible use training [1], " +
            "and then open TeamsBot in Teams. Training dates are published separately [2].", TimeSpan.FromMilliseconds(200)));
        await h.AskAsync(AccessQuestion);
        var final = await h.MessageAsync();

        var sends = h.Sends;
        var typing = sends.Where(r => r.Activity!.Type == ActivityTypes.Typing).ToList();
        Assert.Equal(AnswerHandler.Informative, typing[0].Activity!.Text);
        var streaming = typing.Skip(1).ToList();
        Assert.InRange(streaming.Count, 2, 7); // coalesced: ~1 per second of a ~5.6 s answer, not one per token (28)
        string previous = "";
        var sequence = 1;
        DateTimeOffset last = typing[0].At;
        foreach (var update in streaming)
        {
            var a = update.Activity!;
            var info = a.Entities!.Single(e => e.Type == EntityTypes.StreamInfo).As<StreamInfoEntity>()!;
            Assert.Equal(StreamTypes.Streaming, info.StreamType);
            Assert.Equal(++sequence, info.StreamSequence);
            Assert.NotNull(info.StreamId);
            Assert.StartsWith(previous, a.Text); // each update carries the whole text so far
            Assert.True(a.Text!.Length > previous.Length);
            if (sequence > 2) Assert.True(update.At - last >= TimeSpan.FromMilliseconds(950), $"updates {(update.At - last).TotalMilliseconds} ms apart");
            previous = a.Text;
            last = update.At;
        }

        Assert.StartsWith("To get access", final.Text);
        Assert.EndsWith("published separately [2].", final.Text);
        var streamInfo = final.Entities!.Single(e => e.Type == EntityTypes.StreamInfo).As<StreamInfoEntity>()!;
        Assert.Equal(StreamTypes.Final, streamInfo.StreamType);
        Assert.Null(streamInfo.StreamSequence);
        var root = EntityAssertions.Root(final);
        Assert.Equal(["AIGeneratedContent"], root.AdditionalType);
        Assert.Equal([1, 2], root.Citation!.Select(c => c.Position));
        Assert.All(root.Citation!, c =>
        {
            Assert.InRange(c.Appearance!.Name!.Length, 1, 80);
            Assert.InRange(c.Appearance.Abstract!.Length, 1, 160);
        });
        Assert.True(final.ChannelData!.FeedbackLoopEnabled);
        Assert.Null(final.ChannelData.FeedbackLoop);
        Assert.Contains("\"feedbackLoopEnabled\":true", sends.Last().Body);
        Assert.DoesNotContain("\"feedbackLoop\":", sends.Last().Body);

        // Grounding: the model saw the passage and the question, through the real OpenAI SDK (SSE request).
        var request = Assert.Single(h.Model.Requests);
        Assert.EndsWith("/v1/chat/completions", request.Path);
        Assert.True(request.Body.GetProperty("stream").GetBoolean());
        Assert.Equal("gpt-test", request.Body.GetProperty("model").GetString());
        Assert.Equal("Bearer test-key", request.Authorization);
        Assert.Contains("[1] Getting access to the enterprise AI assistant", request.Messages[0].Content);
        Assert.Equal(("user", AccessQuestion), request.Messages[^1]);
    }

    [Fact]
    public async Task Final_message_follows_the_last_token_without_waiting_out_the_update_interval()
    {
        await using var h = await Harness.StartAsync();
        // The whole answer arrives at once, well inside the first 1 s update interval after the informative update.
        h.Model!.Enqueue(ModelScript.Answer("Ask your coordinator, then complete the training module first [1]."));
        await h.AskAsync(AccessQuestion);
        await h.MessageAsync();
        var added = h.Sends.Last().At - h.Model.LastTokenTimes[^1];
        Assert.True(added < TimeSpan.FromMilliseconds(300), $"final message {added.TotalMilliseconds} ms after the last token");
    }

    [Fact]
    public async Task Group_chat_gets_one_final_message_and_no_stream()
    {
        await using var h = await Harness.StartAsync();
        h.Model!.Enqueue(ModelScript.Answer("Ask your coordinator [1]. It takes a day.", TimeSpan.FromMilliseconds(150)));
        await h.AskAsync(AccessQuestion, ConversationTypes.GroupChat, "19:group-chat@thread.v2");
        var final = await h.MessageAsync();
        await Task.Delay(300);
        var send = Assert.Single(h.Sends);
        Assert.Equal(ActivityTypes.Message, send.Activity!.Type);
        Assert.Equal("Ask your coordinator [1]. It takes a day.", final.Text);
        Assert.DoesNotContain(final.Entities!, e => e.Type == EntityTypes.StreamInfo);
        Assert.Equal(["AIGeneratedContent"], EntityAssertions.Root(final).AdditionalType);
        Assert.True(final.ChannelData!.FeedbackLoopEnabled);
    }

    [Theory]
    [InlineData("Can you reformat this: John Smith, SSN 078-05-1120, GS-12")]
    [InlineData("Summarize:\nSECRET//NOFORN\nThe plan is to relocate the office.")]
    [InlineData("(TS//SCI) Rewrite this paragraph more clearly.")]
    [InlineData("CUI//SP-PRVCY\nPlease shorten the attached notice")]
    [InlineData("Book the hotel with card 4111 1111 1111 1111")]
    [InlineData("UNCLASSIFIED//FOR OFFICIAL USE ONLY\nShift roster: guards rotate at 0700.")]
    [InlineData("Controlled by: Department of Defense\nCUI Category: PRVCY\nPlease rewrite this notice.")]
    public async Task Protected_content_is_refused_and_never_reaches_the_model_or_memory(string question)
    {
        await using var h = await Harness.StartAsync();
        await h.AskAsync(question);
        var reply = await h.MessageAsync();
        Assert.StartsWith("I can't help with this message", reply.Summary);
        var card = reply.Attachments!.Single().Content!.Value.GetRawText();
        Assert.Contains("I can't help with that", card);
        Assert.Contains("Nothing from this message was sent to the AI model", card);
        Assert.Single(h.Sends); // no stream started
        await h.AskAsync("What training is required?");
        await h.MessageAsync(2);
        // Only the second (clean) question reached the model, and it carries no trace of the first.
        var request = Assert.Single(h.Model!.Requests);
        Assert.DoesNotContain(request.Messages, m => m.Content.Contains("1120") || m.Content.Contains("SECRET//") || m.Content.Contains("4111")
                                                     || m.Content.Contains("TS//") || m.Content.Contains("CUI//")
                                                     || m.Content.Contains("OFFICIAL USE") || m.Content.Contains("Controlled by"));
        Assert.Equal(2, request.Messages.Count); // system + the clean question: nothing remembered from the refused one
        Assert.DoesNotContain(TestLogs.All, l => l.Contains("078-05-1120") || l.Contains("4111 1111"));
    }

    [Fact]
    public async Task Rate_limit_429_with_Retry_After_is_retried_then_answers()
    {
        await using var h = await Harness.StartAsync();
        h.Model!.Enqueue(ModelScript.Error(429, retryAfterSeconds: 1), ModelScript.Answer("Here you go [1]."));
        await h.AskAsync(AccessQuestion);
        var final = await h.MessageAsync();
        Assert.Equal("Here you go [1].", final.Text);
        var requests = h.Model.Requests;
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromMilliseconds(900), "Retry-After: 1 was not honoured");
    }

    [Fact]
    public async Task Server_errors_are_retried()
    {
        await using var h = await Harness.StartAsync();
        h.Model!.Enqueue(ModelScript.Error(503), ModelScript.Error(500), ModelScript.Answer("Recovered [1]."));
        await h.AskAsync(AccessQuestion);
        Assert.Equal("Recovered [1].", (await h.MessageAsync()).Text);
        Assert.Equal(3, h.Model.Requests.Count);
    }

    [Fact]
    public async Task Model_down_gives_a_friendly_note_and_the_offline_answer()
    {
        await using var h = await Harness.StartAsync();
        h.Model!.Default = ModelScript.Error(503);
        await h.AskAsync(AccessQuestion);
        var final = await h.MessageAsync();
        Assert.StartsWith(AnswerComposer.ModelUnavailableLine, final.Text);
        Assert.Contains("Getting access", final.Text);
        Assert.NotEmpty(EntityAssertions.Root(final).Citation!);
        Assert.False(final.Entities!.Single(e => e.Type == EntityTypes.SchemaOrgMessage).Properties!.ContainsKey("additionalType"));
        Assert.Equal(3, h.Model.Requests.Count); // first try + 2 retries
    }

    [Fact]
    public async Task Circuit_breaker_opens_after_repeated_failures_and_stops_calling_the_model()
    {
        await using var h = await Harness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Model:MaxRetries"] = "0", ["Model:BreakerMinimumThroughput"] = "2", ["Model:BreakDuration"] = "00:01:00",
        });
        h.Model!.Default = ModelScript.Error(500);
        for (var i = 1; i <= 3; i++)
        {
            await h.AskAsync(AccessQuestion);
            Assert.StartsWith(AnswerComposer.ModelUnavailableLine, (await h.MessageAsync(i)).Text);
        }
        Assert.Equal(2, h.Model.Requests.Count); // the third question never reached the model: the circuit is open
    }

    [Fact]
    public async Task Over_quota_falls_back_at_once_instead_of_waiting_an_hour()
    {
        await using var h = await Harness.StartAsync();
        h.Model!.Default = ModelScript.Error(429, retryAfterSeconds: 3600);
        var started = DateTimeOffset.UtcNow;
        await h.AskAsync(AccessQuestion);
        var final = await h.MessageAsync();
        Assert.StartsWith(AnswerComposer.ModelUnavailableLine, final.Text);
        Assert.Single(h.Model.Requests);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Unreachable_model_gives_the_offline_answer()
    {
        var closedPort = await FakeOpenAI.StartAsync();
        var endpoint = closedPort.BaseUrl;
        await closedPort.DisposeAsync();
        await using var h = await Harness.StartAsync(withModel: false, new Dictionary<string, string?>
        {
            ["Model:Provider"] = "Compatible", ["Model:Endpoint"] = endpoint, ["Model:Name"] = "gpt-test", ["Model:MaxRetries"] = "1",
        });
        await h.AskAsync(AccessQuestion);
        Assert.StartsWith(AnswerComposer.ModelUnavailableLine, (await h.MessageAsync()).Text);
    }

    [Fact]
    public async Task A_model_that_does_not_answer_in_time_is_abandoned_and_retried()
    {
        await using var h = await Harness.StartAsync(settings: new Dictionary<string, string?> { ["Model:Timeout"] = "00:00:00.500", ["Model:MaxRetries"] = "1" });
        h.Model!.Enqueue(ModelScript.Answer("too late") with { HeaderDelay = TimeSpan.FromSeconds(10) }, ModelScript.Answer("On time [1]."));
        var started = DateTimeOffset.UtcNow;
        await h.AskAsync(AccessQuestion);
        Assert.Equal("On time [1].", (await h.MessageAsync()).Text);
        Assert.Equal(2, h.Model.Requests.Count);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_stream_that_goes_silent_ends_with_the_partial_answer()
    {
        await using var h = await Harness.StartAsync(settings: new Dictionary<string, string?> { ["Model:IdleTimeout"] = "00:00:00.500" });
        h.Model!.Enqueue(new ModelScript
        {
            Tokens = [(TimeSpan.Zero, "Ask your"), (TimeSpan.Zero, " coordinator [1]."), (TimeSpan.FromSeconds(10), " never sent")],
        });
        var started = DateTimeOffset.UtcNow;
        await h.AskAsync(AccessQuestion);
        var final = await h.MessageAsync();
        Assert.StartsWith("Ask your coordinator [1].", final.Text);
        Assert.Contains("interrupted", final.Text);
        Assert.DoesNotContain("never sent", final.Text);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Mid_stream_disconnect_keeps_the_partial_answer_and_says_so()
    {
        await using var h = await Harness.StartAsync();
        h.Model!.Enqueue(ModelScript.Answer("Ask your coordinator first [1] and then complete the training module before", TimeSpan.FromMilliseconds(30), disconnectAfter: 6));
        await h.AskAsync(AccessQuestion);
        var final = await h.MessageAsync();
        Assert.True(final.Text!.StartsWith("Ask your coordinator first [1] and", StringComparison.Ordinal), final.Text);
        Assert.DoesNotContain("before", final.Text);
        Assert.Contains("interrupted", final.Text);
        Assert.Equal([1], EntityAssertions.Root(final).Citation!.Select(c => c.Position));
    }

    [Fact]
    public async Task User_stop_ends_the_stream_cleanly_with_no_more_updates()
    {
        await using var h = await Harness.StartAsync();
        h.Model!.Enqueue(ModelScript.Answer(string.Join(" ", Enumerable.Repeat("word", 60)), TimeSpan.FromMilliseconds(100)));
        // informative update OK, first streaming update refused: the user pressed Stop.
        h.Connector.Script(r => r.IsSend && r.Body.Contains("\"streamType\":\"streaming\""),
            new FakeResponse(403, new { error = new { code = "ContentStreamNotAllowed", message = "stopped" } }));
        var response = await h.AskAsync(AccessQuestion);
        Assert.True(response.IsSuccessStatusCode);
        await h.Connector.WaitForSendsAsync(2);
        await Task.Delay(2500);
        var sends = h.Sends;
        Assert.Equal(2, sends.Count); // informative + the refused update; no final message, no further updates
        Assert.DoesNotContain(h.Connector.SentActivities, a => a.Type == ActivityTypes.Message);
        Assert.DoesNotContain(TestLogs.All, l => l.Contains("failed", StringComparison.OrdinalIgnoreCase) && l.Contains("Turn"));
    }

    [Fact]
    public async Task A_reply_the_channel_refuses_ends_the_turn_quietly()
    {
        await using var h = await Harness.StartAsync(withModel: false);
        h.Connector.ScriptSends(new FakeResponse(404, new { error = new { code = "ConversationNotFound", message = "gone" } }), times: 10);
        var response = await h.AskAsync(AccessQuestion);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // not a 500: the handler did its part
        Assert.Contains(TestLogs.All, l => l.Contains("Answer could not be delivered: 404"));
    }

    [Fact]
    public async Task Memory_carries_earlier_turns_and_new_chat_clears_it()
    {
        await using var h = await Harness.StartAsync();
        h.Model!.Enqueue(ModelScript.Answer("Ask your coordinator [1]."), ModelScript.Answer("About one day."), ModelScript.Answer("Fresh start."));
        await h.AskAsync(AccessQuestion);
        await h.MessageAsync(1);
        await h.AskAsync("How long does that take?");
        await h.MessageAsync(2);
        var second = h.Model.Requests[1].Messages;
        Assert.Equal(["system", "user", "assistant", "user"], second.Select(m => m.Role));
        Assert.Equal(AccessQuestion, second[1].Content);
        Assert.Equal("Ask your coordinator [1].", second[2].Content);

        await h.AskAsync("new chat");
        Assert.StartsWith("Started a new chat", (await h.MessageAsync(3)).Text);
        await h.AskAsync("How long does that take?");
        await h.MessageAsync(4);
        Assert.Equal(["system", "user"], h.Model.Requests[2].Messages.Select(m => m.Role));
        Assert.Equal(3, h.Model.Requests.Count); // "new chat" itself never went to the model
        // Prompts and answers are not logged.
        Assert.DoesNotContain(TestLogs.All, l => l.Contains("How long does that take") || l.Contains("Ask your coordinator") || l.Contains("About one day"));
    }

    [Fact]
    public async Task Per_user_rate_limit_answers_with_a_friendly_message()
    {
        await using var h = await Harness.StartAsync(settings: new Dictionary<string, string?> { ["Answers:QuestionsPerWindow"] = "2" });
        await h.AskAsync("one?");
        await h.MessageAsync(1);
        await h.AskAsync("two?");
        await h.MessageAsync(2);
        await h.AskAsync("three?");
        var limited = await h.MessageAsync(3);
        Assert.Contains("2 questions every 10 minutes", limited.Text);
        Assert.Equal(2, h.Model!.Requests.Count);
        await h.AskAsync("another user asks", aadObjectId: "aad-user-2", conversationId: "a:personal-chat-2");
        await h.MessageAsync(4);
        Assert.Equal(3, h.Model.Requests.Count);
    }

    private sealed class TestAgency : IAnswerContextProvider
    {
        public ValueTask<AnswerContext> GetAsync(Activity activity, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new AnswerContext("gsa", "General Services Administration", "Refer procurement questions to the acquisition office."));
    }

    [Fact]
    public async Task Agency_context_from_the_directory_seam_reaches_the_prompt_and_feedback()
    {
        var connector = await FakeConnector.StartAsync();
        await using var model = await FakeOpenAI.StartAsync();
        await using var bot = await BotApp.StartAsync(new Dictionary<string, string?>
        {
            ["Model:Provider"] = "Compatible", ["Model:Endpoint"] = model.BaseUrl, ["Model:Name"] = "gpt-test",
        }, b => b.Services.AddSingleton<IAnswerContextProvider, TestAgency>());
        await using var _ = connector;
        await bot.SendAsync(TestActivities.Message(connector.ServiceUrl, AccessQuestion));
        await connector.WaitForAsync(r => r.Any(x => x.IsSend && x.Activity?.Type == ActivityTypes.Message));
        var system = model.Requests.Single().Messages[0].Content;
        Assert.Contains("The user works at General Services Administration.", system);
        Assert.Contains("Refer procurement questions to the acquisition office.", system);

        var invoke = TestActivities.Invoke(connector.ServiceUrl, "message/submitAction", new { actionName = "feedback", actionValue = new { reaction = "like" } })
            with { ReplyToId = "activity-9" };
        Assert.Equal(HttpStatusCode.OK, (await bot.SendAsync(invoke)).StatusCode);
        await using var ctx = await bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync();
        var row = await ctx.Set<AnswerFeedback>().SingleAsync();
        Assert.Equal(("gsa", "General Services Administration", "like"), (row.AgencyId, row.AgencyName, row.Reaction));
    }

    [Fact]
    public async Task Rules_an_admin_sets_in_the_agency_registry_reach_the_prompt_and_win_over_configuration()
    {
        await using var h = await Harness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Answers:AgencyRules:gsa"] = "Configured fallback rule.",
        });
        var registry = h.Bot.Services.GetRequiredService<TeamsBot.Agencies.IAgencyRegistry>();
        var gsa = (await registry.FindAsync("gsa", default))!;
        await registry.UpsertAsync(gsa with { PromptRules = "Always link the GSA AI use policy." }, default);

        var system = await SystemPromptForGsaUserAsync(h);
        Assert.Contains("Always link the GSA AI use policy.", system);
        Assert.DoesNotContain("Configured fallback rule.", system);
    }

    [Fact]
    public async Task Agency_from_the_directory_slice_and_its_configured_rules_reach_the_prompt()
    {
        await using var h = await Harness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Answers:AgencyRules:gsa"] = "Point acquisition questions to the GSA Acquisition Gateway.",
        });
        var system = await SystemPromptForGsaUserAsync(h);
        Assert.Contains("The user works at General Services Administration.", system);
        Assert.Contains("Point acquisition questions to the GSA Acquisition Gateway.", system);
    }

    /// <summary>Alex Rivera of the sample directory (object id ...0001, tenant 5a3b1e00-...) maps to GSA by mail domain.</summary>
    private static async Task<string> SystemPromptForGsaUserAsync(Harness h)
    {
        var activity = TestActivities.Message(h.Connector.ServiceUrl, AccessQuestion, aadObjectId: "00000000-0000-4000-8000-000000000001") with
        {
            Conversation = new ConversationAccount { Id = "a:gsa-chat", ConversationType = ConversationTypes.Personal, TenantId = "5a3b1e00-0000-4000-8000-00000000d1a0" },
        };
        await h.Bot.SendAsync(activity);
        await h.MessageAsync();
        return h.Model!.Requests.Single().Messages[0].Content;
    }

    [Fact]
    public async Task Feedback_invoke_is_stored_without_prompt_or_answer_and_answered_200_empty()
    {
        await using var h = await Harness.StartAsync(withModel: false);
        var invoke = TestActivities.Invoke(h.Connector.ServiceUrl, "message/submitAction", new
        {
            actionName = "feedback",
            actionValue = new { reaction = "dislike", feedback = "{\"feedbackText\":\"Missing the link to the form\"}" },
        }) with { ReplyToId = "activity-42" };
        var response = await h.Bot.SendAsync(invoke);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());

        var like = TestActivities.Invoke(h.Connector.ServiceUrl, "message/submitAction", new
        {
            actionName = "feedback",
            actionValue = new { reaction = "like", feedback = "{\"feedbackText\":\"my ssn is 078-05-1120\"}" },
        }) with { ReplyToId = "activity-43" };
        Assert.Equal(HttpStatusCode.OK, (await h.Bot.SendAsync(like)).StatusCode);

        var db = h.Bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>();
        await using var ctx = await db.CreateDbContextAsync();
        var rows = await ctx.Set<AnswerFeedback>().OrderBy(f => f.Id).ToListAsync();
        Assert.Equal(2, rows.Count);
        Assert.Equal(("dislike", "activity-42", "Missing the link to the form"), (rows[0].Reaction, rows[0].MessageId, rows[0].Comment));
        Assert.Equal(TestActivities.TenantId, rows[0].TenantId);
        Assert.True(DateTime.UtcNow - rows[0].CreatedAtUtc < TimeSpan.FromMinutes(1));
        Assert.Equal(("like", "activity-43", (string?)null), (rows[1].Reaction, rows[1].MessageId, rows[1].Comment)); // protected comment dropped
        Assert.Empty(h.Connector.SentActivities); // the invoke reply is the HTTP response; nothing posted

        var report = await h.Bot.Services.GetRequiredService<AnswerFeedbackReport>().ByAgencyAsync(DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1));
        var all = Assert.Single(report); // no directory slice yet: one "unknown agency" group
        Assert.Equal((1, 1, 0.5), (all.Likes, all.Dislikes, all.PositiveShare));
        Assert.DoesNotContain(rows, r => r.RaterKey is null || r.RaterKey.Contains("aad-user-1")); // who rated is hashed
    }

    [Fact]
    public async Task A_person_changing_their_vote_counts_once_but_different_people_count_separately()
    {
        await using var h = await Harness.StartAsync(withModel: false);
        Activity Vote(string reaction, string user) => TestActivities.Invoke(h.Connector.ServiceUrl, "message/submitAction", new
        {
            actionName = "feedback",
            actionValue = new { reaction, feedback = "" },
        }) with { ReplyToId = "activity-7", From = new ChannelAccount { Id = "29:" + user, AadObjectId = user } };

        foreach (var vote in new[] { Vote("dislike", "u1"), Vote("like", "u1"), Vote("like", "u1"), Vote("dislike", "u2") })
            Assert.Equal(HttpStatusCode.OK, (await h.Bot.SendAsync(vote)).StatusCode);

        var report = await h.Bot.Services.GetRequiredService<AnswerFeedbackReport>().ByAgencyAsync(DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1));
        var all = Assert.Single(report);
        Assert.Equal((1, 1), (all.Likes, all.Dislikes)); // u1's last vote (like) and u2's dislike
    }
}
