using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using TeamsBot.Answers;

namespace TeamsBot.Research;

/// <summary>
/// Plan, read, write, one bounded step at a time: step 0 plans the sub-questions, steps 1..n read the approved passages of
/// one sub-question each, the last step writes the report. Providers differ in how they plan and write.
/// </summary>
public abstract partial class StepwiseResearch(KnowledgeBase knowledge, IOptions<ResearchOptions> options) : IResearchProvider
{
    protected ResearchOptions Options => options.Value;

    public async Task<ResearchStepResult> StepAsync(ResearchRequest request, ResearchState state, CancellationToken cancellationToken)
    {
        var question = request.Question;
        var read = state.Notes.Sum(n => n.Count);
        if (state.Step == 0)
        {
            state.SubQuestions = [.. (await PlanAsync(question, state, cancellationToken)).Take(Options.MaxSubQuestions)];
            if (state.SubQuestions.Count == 0) state.SubQuestions = [question];
            state.Step = 1;
            return new ResearchStepResult("planning", 0);
        }
        if (state.Step <= state.SubQuestions.Count)
        {
            var sub = state.SubQuestions[state.Step - 1];
            state.Notes.Add([.. knowledge.Search(sub, Options.PassagesPerSubQuestion)]);
            state.Step++;
            return new ResearchStepResult("reading", Distinct(state).Count);
        }
        var sources = Distinct(state);
        var report = await WriteAsync(question, state, sources, cancellationToken);
        state.Step++;
        return new ResearchStepResult("writing", sources.Count, report);
    }

    protected abstract Task<IReadOnlyList<string>> PlanAsync(string question, ResearchState state, CancellationToken cancellationToken);

    protected abstract Task<ResearchReport> WriteAsync(string question, ResearchState state, IReadOnlyList<Passage> sources, CancellationToken cancellationToken);

    /// <summary>The passages read, each once, in the order first read: their numbers are the citation numbers.</summary>
    protected static List<Passage> Distinct(ResearchState state) => state.Notes.SelectMany(n => n).DistinctBy(Key).ToList();

    /// <summary>A passage's citation number in <paramref name="sources"/> (1-based), 0 when absent.</summary>
    protected static int NumberOf(IReadOnlyList<Passage> sources, Passage passage)
    {
        for (var i = 0; i < sources.Count; i++)
            if (Key(sources[i]) == Key(passage)) return i + 1;
        return 0;
    }

    private static (string, string, int) Key(Passage p) => (p.FileName, p.Section, p.Text.Length);

    /// <summary>Sub-questions without a model: the question, then its clauses (split at question marks, semicolons, "and", commas).</summary>
    public static IReadOnlyList<string> Clauses(string question)
    {
        var parts = ClauseSplit().Split(question).Select(p => p.Trim(' ', '.', '?', '!', ',')).Where(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 3);
        return [.. new[] { question.Trim() }.Concat(parts).Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>The first sentences of a passage, up to about <paramref name="max"/> characters.</summary>
    protected static string Excerpt(string text, int max = 320)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).TrimStart('#', ' ', '-', '*');
        if (flat.Length <= max) return flat;
        var cut = flat.LastIndexOfAny(['.', ';'], max);
        return cut > max / 3 ? flat[..(cut + 1)] : AnswerComposer.Truncate(flat, max);
    }

    [GeneratedRegex(@"\?|;|\band\b|,", RegexOptions.IgnoreCase)]
    private static partial Regex ClauseSplit();
}

/// <summary>
/// <c>Research:Provider=Offline</c> (the default): no model. Sub-questions from the question's clauses, the best approved
/// passages for each, assembled into a sourced report that says plainly it is extractive.
/// </summary>
public sealed class OfflineResearch(KnowledgeBase knowledge, IOptions<ResearchOptions> options) : StepwiseResearch(knowledge, options)
{
    protected override Task<IReadOnlyList<string>> PlanAsync(string question, ResearchState state, CancellationToken cancellationToken) =>
        Task.FromResult(Clauses(question));

    protected override Task<ResearchReport> WriteAsync(string question, ResearchState state, IReadOnlyList<Passage> sources, CancellationToken cancellationToken)
    {
        var findings = new List<ResearchFinding>();
        foreach (var passages in state.Notes)
            foreach (var passage in passages.Take(2))
            {
                var n = NumberOf(sources, passage);
                if (n > 0 && findings.All(f => !f.Sources.Contains(n))) findings.Add(new ResearchFinding(Excerpt(passage.Text), [n]));
            }
        var summary = sources.Count == 0
            ? "No approved document answers this question, so there is nothing to report. Try other words, or ask your coach where this is documented."
            : $"An extractive report: the passages of {sources.Select(s => s.FileName).Distinct().Count()} approved documents that best match " +
              $"{state.SubQuestions.Count} aspects of your question, quoted with their sources. No model wrote it; check each source before relying on it.";
        return Task.FromResult(new ResearchReport(question, summary, findings, sources, Extractive: true));
    }
}

/// <summary>
/// <c>Research:Provider=Iterative</c>: any chat model (Azure Government deployments, compatible servers). The model plans the
/// sub-questions and writes the report from the numbered approved passages; two requests per report, bounded tokens.
/// </summary>
public sealed partial class IterativeResearch(KnowledgeBase knowledge, ModelClient model, IOptions<ResearchOptions> options) : StepwiseResearch(knowledge, options)
{
    protected override async Task<IReadOnlyList<string>> PlanAsync(string question, ResearchState state, CancellationToken cancellationToken)
    {
        var client = model.Client ?? throw new InvalidOperationException("Research:Provider=Iterative needs a model (Model:Provider).");
        state.ModelRequests++;
        var response = await client.GetResponseAsync(
        [
            new ChatMessage(ChatRole.System, $"You plan research for a government employee. List at most {Options.MaxSubQuestions} short sub-questions that together answer the question, one per line, nothing else."),
            new ChatMessage(ChatRole.User, question),
        ], new ChatOptions { MaxOutputTokens = 300, ModelId = model.Options.Name }, cancellationToken);
        var lines = response.Text.Split('\n').Select(l => ListMarker().Replace(l, "").Trim()).Where(l => l.Length > 3).ToList();
        return lines.Count > 0 ? lines : Clauses(question);
    }

    protected override async Task<ResearchReport> WriteAsync(string question, ResearchState state, IReadOnlyList<Passage> sources, CancellationToken cancellationToken)
    {
        var client = model.Client ?? throw new InvalidOperationException("Research:Provider=Iterative needs a model (Model:Provider).");
        var numbered = string.Join("\n\n", sources.Select((p, i) => $"[{i + 1}] {p.Name}\n{AnswerComposer.Truncate(p.Text, 1200)}"));
        state.ModelRequests++;
        var response = await client.GetResponseAsync(
        [
            new ChatMessage(ChatRole.System, "Write a short research report from the numbered sources only. Format exactly:\nSUMMARY: two to four sentences.\nFINDINGS:\n- one finding per line, each ending with the numbers of its sources like [1] or [2][3].\nUse no source that is not listed. If the sources do not answer, say so in the summary."),
            new ChatMessage(ChatRole.User, $"Question: {question}\n\nSub-questions:\n- {string.Join("\n- ", state.SubQuestions)}\n\nSources:\n{numbered}"),
        ], new ChatOptions { MaxOutputTokens = 1200, ModelId = model.Options.Name }, cancellationToken);
        var text = response.Text;
        var summaryStart = text.IndexOf("SUMMARY:", StringComparison.OrdinalIgnoreCase);
        var findingsStart = text.IndexOf("FINDINGS:", StringComparison.OrdinalIgnoreCase);
        var summary = summaryStart >= 0 ? text[(summaryStart + 8)..(findingsStart > summaryStart ? findingsStart : text.Length)].Trim() : text.Trim();
        var findings = (findingsStart >= 0 ? text[(findingsStart + 9)..] : "").Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('-') || l.StartsWith('*'))
            .Select(l =>
            {
                var numbers = Marker().Matches(l).Select(m => int.Parse(m.Groups[1].Value)).Where(n => n >= 1 && n <= sources.Count).Distinct().ToList();
                return new ResearchFinding(Marker().Replace(l.TrimStart('-', '*', ' '), "").Trim(), numbers);
            }).Where(f => f.Text.Length > 0).ToList();
        return new ResearchReport(question, AnswerComposer.DropUnknownMarkers(summary, sources.Count), findings, sources, Extractive: false);
    }

    [GeneratedRegex(@"^\s*(?:[-*•]|\d+[.)])\s*")]
    private static partial Regex ListMarker();

    [GeneratedRegex(@"\s*\[(\d+)\]")]
    private static partial Regex Marker();
}
