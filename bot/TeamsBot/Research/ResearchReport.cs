using TeamsBot.Answers;

namespace TeamsBot.Research;

/// <summary>One finding, citing sources by their number in <see cref="ResearchReport.Sources"/> (1-based).</summary>
public sealed record ResearchFinding(string Text, IReadOnlyList<int> Sources);

/// <summary>A finished research: a summary, cited findings and numbered sources (approved passages, or web pages and files).</summary>
public sealed record ResearchReport(string Question, string Summary, IReadOnlyList<ResearchFinding> Findings, IReadOnlyList<Passage> Sources, bool Extractive)
{
    /// <summary>Markdown with <c>[n]</c> markers: the chat message, and the whole report when the document is declined.</summary>
    public string Markdown(bool full)
    {
        var text = new System.Text.StringBuilder();
        text.Append("**Deep Research:** ").Append(TeamsBot.Cards.CardText.Plain(Question)).Append("\n\n").Append(Summary).Append("\n\n**Key findings**\n\n");
        foreach (var f in Findings) text.Append("- ").Append(f.Text).Append(string.Concat(f.Sources.Select(n => $" [{n}]"))).Append('\n');
        if (full)
        {
            text.Append("\n**Sources**\n\n");
            for (var i = 0; i < Sources.Count; i++)
                text.Append(i + 1).Append(". ").Append(Sources[i].Name).Append(Sources[i].Url is { } url ? $" — {url}" : "").Append('\n');
        }
        return text.ToString();
    }
}

/// <summary>A provider's progress, stored after every finished step so a restart continues from there.</summary>
public sealed class ResearchState
{
    public int Step { get; set; }
    public List<string> SubQuestions { get; set; } = [];
    /// <summary>Passages read per sub-question (same order).</summary>
    public List<List<Passage>> Notes { get; set; } = [];
    public int ModelRequests { get; set; }
    /// <summary>Responses provider: the background response to poll (a restart polls the same one), and polls so far.</summary>
    public string? ResponseId { get; set; }
    public int Polls { get; set; }
    /// <summary>Delivery pieces already sent (the report, the document offer): a recovered delivery sends only the rest.</summary>
    public bool ReportSent { get; set; }
    public bool OfferSent { get; set; }
    /// <summary>
    /// Delivery pieces whose send was started (stored before it): one started but not marked sent has an unknown outcome, and
    /// is looked for in the person's chat (by the research's reference) before it is sent again.
    /// </summary>
    public bool ReportAttempt { get; set; }
    public bool OfferAttempt { get; set; }
}

/// <summary>
/// What one step did: the milestone to show, sources read so far, and the report when finished. <paramref name="AskAgainAfter"/>:
/// the work goes on elsewhere (a background response): the next step comes after this long, and the run gives its job
/// thread back meanwhile instead of waiting on it.
/// </summary>
public sealed record ResearchStepResult(string Milestone, int SourcesRead, ResearchReport? Report = null, TimeSpan? AskAgainAfter = null);

/// <summary>What a provider is asked: the question, and whether the person's agency allows web research.</summary>
public sealed record ResearchRequest(string Question, bool AllowWeb = false);

/// <summary>A research provider, stepwise: each call does one bounded step and updates <paramref name="state"/>.</summary>
public interface IResearchProvider
{
    Task<ResearchStepResult> StepAsync(ResearchRequest request, ResearchState state, CancellationToken cancellationToken);

    /// <summary>Stops work the provider does elsewhere (a background response); nothing for local providers.</summary>
    Task CancelAsync(ResearchState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
