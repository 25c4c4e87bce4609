using Microsoft.Extensions.Options;
using TeamsBot.Agencies;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Answers;

/// <summary>
/// The user's agency from the directory slice (<see cref="IAgencyDirectory"/> + <see cref="IAgencyRegistry"/>), and that
/// agency's system prompt addition: <see cref="Agency.PromptRules"/> from the registry, else <c>Answers:AgencyRules:&lt;agencyId&gt;</c>. Never fails a turn: an unknown user or a
/// directory outage answers without agency context.
/// </summary>
internal sealed class DirectoryAnswerContextProvider(
    IAgencyDirectory directory, IAgencyRegistry registry, IOptionsMonitor<AnswersOptions> options, ILogger<DirectoryAnswerContextProvider> logger)
    : IAnswerContextProvider
{
    public async ValueTask<AnswerContext> GetAsync(Activity activity, CancellationToken cancellationToken)
    {
        var aad = activity.From?.AadObjectId;
        var tenant = activity.TenantId;
        if (string.IsNullOrEmpty(aad) || string.IsNullOrEmpty(tenant)) return AnswerContext.None;
        try
        {
            var user = await directory.ResolveAsync(new UserKey(aad, tenant), cancellationToken);
            if (user.IsUnassigned) return new AnswerContext(Agency.UnassignedId, null, null);
            var agency = await registry.FindAsync(user.AgencyId, cancellationToken);
            // The registry's rules (admins edit them there) win; configuration can supply them for agencies that have none.
            var rules = agency?.PromptRules is { Length: > 0 } registryRules ? registryRules : options.CurrentValue.AgencyRules.GetValueOrDefault(user.AgencyId);
            return new AnswerContext(user.AgencyId, agency?.Name, string.IsNullOrWhiteSpace(rules) ? null : rules);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Agency lookup failed; answering without agency context: {Error}", e.GetType().Name);
            return AnswerContext.None;
        }
    }
}
