using TeamsBot.Protocol.Hosting;
using TeamsBot.Protocol.Activities;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;

namespace TeamsBot.Answers.Tests;

public class KnowledgeAndComposerTests
{
    private static KnowledgeBase Sample()
    {
        var env = new Mock<IHostEnvironment>();
        env.SetupGet(e => e.ContentRootPath).Returns(AppContext.BaseDirectory);
        return new KnowledgeBase(Options.Create(new KnowledgeOptions()), env.Object, NullLogger<KnowledgeBase>.Instance);
    }

    [Theory]
    [InlineData("How do I get an account?", "getting-access.md")]
    [InlineData("How do I get access?", "getting-access.md")] // question words must not make "How do I register?" win
    [InlineData("What can I do with it?", null)]
    [InlineData("I can NOT access the AI assistant", "getting-access.md")] // NOT is a word here, not a query operator
    [InlineData("Can I paste social security numbers or classified material?", "data-rules.md")]
    [InlineData("Is my data used to train the model?", "data-rules.md")]
    [InlineData("When are the live workshops?", "training-and-coaching.md")]
    [InlineData("How do I register for the hackathon?", "hackathon-faq.md")]
    [InlineData("When does the 60-day window for deep research end?", "advanced-features-window.md")]
    public void Sample_knowledge_answers_program_questions_from_the_right_document(string question, string? file)
    {
        using var kb = Sample();
        var best = kb.Search(question, 4);
        if (file is null)
        {
            Assert.Empty(best); // nothing but question words: no passage is a real match
            return;
        }
        Assert.NotEmpty(best);
        Assert.Equal(file, best[0].FileName);
    }

    [Fact]
    public void Unrelated_or_empty_questions_find_nothing()
    {
        using var kb = Sample();
        Assert.Empty(kb.Search("zebra quantum", 4));
        Assert.Empty(kb.Search("   ", 4));
        Assert.Empty(kb.Search("the and of", 4)); // stop words only
        _ = kb.Search("\"(unbalanced AND [query", 4); // query syntax is escaped, never throws
        _ = kb.Search("NOT", 4);
        _ = kb.Search("AND OR NOT", 4);
        var pasted = string.Join(" ", Enumerable.Range(0, 3000).Select(i => $"training{i}"));
        _ = kb.Search(pasted, 4); // a pasted document stays under Lucene's clause limit
    }

    [Fact]
    public void Relative_knowledge_path_falls_back_to_the_base_directory()
    {
        var resolved = KnowledgeBase.Resolve("knowledge/", "/nonexistent-root");
        Assert.Equal(Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "knowledge/")), resolved);
        Assert.True(Directory.Exists(resolved));
    }

    [Fact]
    public void Markdown_is_split_into_sections_with_titles()
    {
        var passages = KnowledgeBase.Split("# Doc title\nintro text\n## First\nalpha\n## Second\nbeta", "doc.md", null).ToList();
        Assert.Equal([("", "intro text"), ("First", "alpha"), ("Second", "beta")], passages.Select(p => (p.Section, p.Text)));
        Assert.All(passages, p => Assert.Equal("Doc title", p.DocumentTitle));
        Assert.Equal("Doc title — First", passages[1].Name);
    }

    [Fact]
    public void Citations_follow_the_markers_used_and_respect_Teams_limits()
    {
        var passages = Enumerable.Range(1, 12)
            .Select(i => new Passage(new string('T', 70), $"Section {i}", new string('x', 400), $"f{i}.md", $"https://docs.example.gov/f{i}", 1))
            .ToList();
        var text = "A [2] B [1] C [2] D [12] E [13] F [3] G [4] [5] [6] [7] [8] [9] [10] [11]";
        var citations = AnswerComposer.Citations(text, passages);
        Assert.Equal(Enumerable.Range(1, 10), citations.Select(c => c.Position)); // [13] has no source; at most 10
        Assert.All(citations, c =>
        {
            Assert.True(c.Appearance!.Name!.Length <= 80);
            Assert.True(c.Appearance.Abstract!.Length <= 160);
            Assert.StartsWith("https://docs.example.gov/", c.Appearance.Url);
        });
        Assert.Empty(AnswerComposer.Citations("no markers here", passages));
    }

    [Fact]
    public void Markers_without_a_source_are_removed_from_the_final_text()
    {
        var final = AnswerComposer.FinalMessage("Yes [1]. Also [3] and [2].", [new Passage("Doc", "S", "body", "d.md", null, 1), new Passage("Doc", "T", "b", "d.md", null, 1)], true);
        Assert.Equal("Yes [1]. Also and [2].", final.Text);
        Assert.Equal("No sources here.", AnswerComposer.FinalMessage("No sources here [1].", [], true).Text);
        Assert.Equal("Use items[3] in code [1].", AnswerComposer.FinalMessage("Use items[3] in code [1].", [new Passage("Doc", "S", "body", "d.md", null, 1)], true).Text);
    }

    [Fact]
    public void Final_message_has_exactly_one_root_entity_and_the_default_feedback_loop_only()
    {
        var final = AnswerComposer.FinalMessage("Answer [1]", [new Passage("Doc", "S", "body", "d.md", null, 1)], aiGenerated: true);
        var root = Assert.Single(final.Entities!);
        Assert.Equal("https://schema.org/Message", root.Type);
        Assert.Equal("Message", root.Properties!["@type"].GetString());
        Assert.True(final.ChannelData!.FeedbackLoopEnabled);
        Assert.Null(final.ChannelData.FeedbackLoop);
    }

    [Fact]
    public void Prompt_carries_sources_agency_rules_history_and_question_in_order()
    {
        var prompt = AnswerComposer.BuildPrompt("Q?", [new Passage("Doc", "S", "body text", "d.md", null, 1)],
            new AnswerContext("gsa", "General Services Administration", "Use plain language."),
            [new(Microsoft.Extensions.AI.ChatRole.User, "earlier"), new(Microsoft.Extensions.AI.ChatRole.Assistant, "reply")]);
        Assert.Equal(4, prompt.Count);
        Assert.Contains("[1] Doc — S\nbody text", prompt[0].Text);
        Assert.Contains("General Services Administration", prompt[0].Text);
        Assert.Contains("Use plain language.", prompt[0].Text);
        Assert.Equal("Q?", prompt[3].Text);
    }

    [Theory]
    [InlineData("{\"actionName\":\"feedback\",\"actionValue\":{\"reaction\":\"like\",\"feedback\":\"{\\\"feedbackText\\\":\\\"great\\\"}\"}}", "bound", "like", "great")]
    [InlineData("{\"actionName\":\"feedback\",\"actionValue\":{\"reaction\":\"dislike\"}}", "bound", "dislike", null)]
    [InlineData("{\"actionName\":\"feedback\",\"actionValue\":{\"reaction\":\"like\",\"feedback\":\"plain words\"}}", "bound", "like", "plain words")]
    [InlineData("{\"actionName\":\"feedback\",\"actionValue\":{\"reaction\":\"like\",\"feedback\":{\"feedbackText\":1}}}", "bound", "like", null)]
    [InlineData("{\"actionName\":\"feedback\",\"actionValue\":{\"reaction\":\"love\"}}", "not a vote", "", null)]
    [InlineData("{\"actionName\":\"feedback\",\"actionValue\":{\"reaction\":[\"like\"]}}", "not a vote", "", null)]
    [InlineData("{\"actionName\":\"feedback\"}", "not a vote", "", null)]
    [InlineData("{\"actionName\":42,\"actionValue\":{\"reaction\":\"like\"}}", "not bound", "", null)]
    [InlineData("{\"actionValue\":{\"reaction\":\"like\"}}", "not bound", "", null)]
    public void Feedback_values_are_bound_as_Teams_sends_them(string json, string expected, string reaction, string? comment)
    {
        var value = System.Text.Json.JsonDocument.Parse(json).RootElement;
        if (!InvokeBinding.TryBind<MessageSubmitActionValue>(value, out var envelope, out var error))
        {
            Assert.Equal("not bound", expected);
            Assert.NotEmpty(error);
            return;
        }
        var vote = FeedbackHandler.Interpret(envelope);
        Assert.Equal(expected, vote is null ? "not a vote" : "bound");
        Assert.Equal((reaction, comment), vote is { } v ? (v.Reaction, v.Comment) : ("", null));
    }
}
