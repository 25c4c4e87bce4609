using Microsoft.Extensions.Options;
using TeamsBot.Agencies;
using TeamsBot.Answers;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Research;

/// <summary><b>Research this deeper</b> under ordinary answers in a 1:1 chat, while the person's agency window is open: it posts <c>research &lt;question&gt;</c>.</summary>
internal sealed class ResearchFollowUp(IAgencyDirectory directory, IAgencyRegistry registry, IOptions<ResearchOptions> options) : IAnswerFollowUp
{
    public async Task<SuggestedAction?> ForAsync(Activity inbound, string question, CancellationToken cancellationToken)
    {
        if (!inbound.IsPersonal() || UserKey.Of(inbound) is not { } user || question.Length > 1_900) return null;
        var person = await directory.ResolveAsync(user, cancellationToken);
        if (!await registry.IsEntitledAsync(person.AgencyId, options.Value.Feature, cancellationToken)) return null;
        return new SuggestedAction(SuggestedAction.ImBack, "Research this deeper", $"{ResearchCommandHandler.Command} {question.Trim()}");
    }
}
