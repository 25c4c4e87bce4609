using TeamsBot.Protocol.Activities;

namespace TeamsBot.Answers;

/// <summary>Who is asking, as far as answers care: the agency (for feedback figures) and its system prompt addition.</summary>
public sealed record AnswerContext(string? AgencyId, string? AgencyName, string? Rules)
{
    public static readonly AnswerContext None = new(null, null, null);
}

/// <summary>
/// Seam for the directory slice: maps the user of an activity to their agency and its rules.
/// The default knows no agencies; the directory slice replaces it (registered with TryAdd here).
/// </summary>
public interface IAnswerContextProvider
{
    ValueTask<AnswerContext> GetAsync(Activity activity, CancellationToken cancellationToken);
}

internal sealed class NoAgencyContextProvider : IAnswerContextProvider
{
    public ValueTask<AnswerContext> GetAsync(Activity activity, CancellationToken cancellationToken) => ValueTask.FromResult(AnswerContext.None);
}
