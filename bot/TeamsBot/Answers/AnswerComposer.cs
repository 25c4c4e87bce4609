using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Answers;

/// <summary>Prompt, citations and the offline answer: pure functions, no I/O.</summary>
public static partial class AnswerComposer
{
    public const int MaxCitations = 10, MaxNameLength = 80, MaxAbstractLength = 160;

    public const string NotConfiguredLine =
        "_Generative answers are not configured for this bot yet: these are quotes from approved documents._";

    public const string ModelUnavailableLine =
        "The enterprise AI model is not available right now, so here is what approved agency guidance says instead.";

    private const string Instructions =
        "You are TeamsBot, the enterprise AI assistant for employees of US federal agencies, answering inside Microsoft Teams. " +
        "Be accurate, concise and professional; use short paragraphs and lists in Markdown. " +
        "When the numbered sources below are relevant, base your answer on them and cite each fact with the source number in " +
        "square brackets, like [1] or [2]. Never invent sources or source numbers. If the sources do not cover the question, " +
        "say so briefly and answer from general knowledge, making clear that it is not agency guidance. " +
        "Never ask for Social Security numbers, classified information or Controlled Unclassified Information.";

    public static List<ChatMessage> BuildPrompt(string question, IReadOnlyList<Passage> passages, AnswerContext who, IReadOnlyList<ChatMessage> history)
    {
        var system = new StringBuilder(Instructions);
        if (!string.IsNullOrWhiteSpace(who.AgencyName))
            system.Append("\n\nThe user works at ").Append(who.AgencyName).Append('.');
        if (!string.IsNullOrWhiteSpace(who.Rules))
            system.Append("\n\nAgency rules that override general guidance:\n").Append(who.Rules);
        if (passages.Count > 0)
        {
            system.Append("\n\nSources:");
            for (var i = 0; i < passages.Count; i++)
                system.Append("\n\n[").Append(i + 1).Append("] ").Append(passages[i].Name).Append('\n').Append(passages[i].Text);
        }
        else
        {
            system.Append("\n\nNo approved agency source matched this question.");
        }
        var messages = new List<ChatMessage> { new(ChatRole.System, system.ToString()) };
        messages.AddRange(history);
        messages.Add(new ChatMessage(ChatRole.User, question));
        return messages;
    }

    // A citation marker stands after a space or punctuation, never right after an identifier (code such as items[1]).
    [GeneratedRegex(@"(?<![\w\])])\[([0-9]{1,2})\]")]
    private static partial Regex CitationMarker();

    [GeneratedRegex(@"(?:[ \t]|(?<![\w\])]))\[([0-9]{1,2})\]")]
    private static partial Regex MarkerWithSpace();

    /// <summary>Teams citations for the <c>[n]</c> markers the text actually uses (in order of position, at most 10).</summary>
    public static IReadOnlyList<Citation> Citations(string text, IReadOnlyList<Passage> passages)
    {
        var used = CitationMarker().Matches(text)
            .Select(m => int.Parse(m.Groups[1].Value))
            .Where(n => n >= 1 && n <= passages.Count)
            .Distinct().Order().Take(MaxCitations);
        return used.Select(n => new Citation
        {
            Position = n,
            Appearance = new CitationAppearance
            {
                Name = Truncate(passages[n - 1].Name, MaxNameLength),
                Abstract = Truncate(Flatten(passages[n - 1].Text), MaxAbstractLength),
                Url = passages[n - 1].Url,
            },
        }).ToList();
    }

    /// <summary>The one schema.org Message root entity; <paramref name="aiGenerated"/> adds the AI label.</summary>
    public static Entity MessageEntity(IReadOnlyList<Citation> citations, bool aiGenerated) =>
        Entity.From(new AIMessageEntity
        {
            AdditionalType = aiGenerated ? ["AIGeneratedContent"] : null,
            Citation = citations.Count > 0 ? citations : null,
        });

    /// <summary>Removes <c>[n]</c> markers that name no source (a model may invent one), so no dangling marker is shown.</summary>
    public static string DropUnknownMarkers(string text, int sourceCount) =>
        MarkerWithSpace().Replace(text, m => int.Parse(m.Groups[1].Value) is var n && n >= 1 && n <= sourceCount ? m.Value : "");

    /// <summary>The final message: text, one root entity, feedback buttons.</summary>
    public static Activity FinalMessage(string text, IReadOnlyList<Passage> passages, bool aiGenerated) => FinalMessageCore(DropUnknownMarkers(text, passages.Count), passages, aiGenerated);

    private static Activity FinalMessageCore(string text, IReadOnlyList<Passage> passages, bool aiGenerated) => new()
    {
        Type = ActivityTypes.Message,
        Text = text,
        TextFormat = "markdown",
        Entities = [MessageEntity(Citations(text, passages), aiGenerated)],
        ChannelData = new TeamsChannelData { FeedbackLoopEnabled = true },
    };

    /// <summary>Offline answer: the best passages quoted with their sources, and a line saying what this is.</summary>
    public static string OfflineAnswer(IReadOnlyList<Passage> passages, string? lead, string? trailer)
    {
        var text = new StringBuilder();
        if (lead is not null) text.Append(lead).Append("\n\n");
        var quoted = passages.Take(3).ToList();
        if (quoted.Count == 0)
        {
            text.Append("I couldn't find this in the approved agency guidance. Try other words, or type **help** to see what I can do.");
        }
        else
        {
            text.Append("Here is what approved agency guidance says:");
            for (var i = 0; i < quoted.Count; i++)
            {
                text.Append("\n\n**").Append(quoted[i].Name).Append("** [").Append(i + 1).Append("]\n\n");
                foreach (var line in Excerpt(quoted[i].Text).Split('\n'))
                    text.Append("> ").Append(line).Append('\n');
            }
        }
        if (trailer is not null) text.Append("\n\n").Append(trailer);
        return text.ToString().TrimEnd();
    }

    private static string Excerpt(string text, int max = 700)
    {
        text = text.Trim();
        if (text.Length <= max) return text;
        var cut = text.LastIndexOfAny(['.', '\n'], max);
        return (cut > max / 2 ? text[..(cut + 1)] : text[..max]) + " …";
    }

    [GeneratedRegex(@"[#>*_`\[\]]+|\s+")]
    private static partial Regex MarkdownNoise();

    private static string Flatten(string markdown) => MarkdownNoise().Replace(markdown, m => m.Value.Any(char.IsWhiteSpace) ? " " : "").Trim();

    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)].TrimEnd() + "…";
}
