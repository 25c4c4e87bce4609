using TeamsBot.Protocol.Activities;

namespace TeamsBot.Answers;

/// <summary>An action another slice offers under an answer (e.g. Deep Research's "Research this deeper"); null: none for this one.</summary>
public interface IAnswerFollowUp
{
    Task<SuggestedAction?> ForAsync(Activity inbound, string question, CancellationToken cancellationToken);
}
