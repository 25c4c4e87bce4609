using TeamsBot.Agencies;
using TeamsBot.Cards;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Conversations;

/// <summary>
/// The welcome and help cards. Welcome names the user's agency and any bonus features its entitlement windows grant
/// (e.g. the 60 extra days of Deep Research and Advanced Voice); help lists the commands.
/// </summary>
public class WelcomeMessages(CardLibrary cards, IAgencyDirectory directory, IAgencyRegistry registry, IDirectoryRoles roles, TimeProvider time)
{
    public const string ProgramName = "Enterprise AI Assistant";

    private static readonly IReadOnlyDictionary<string, string> FeatureNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["deep-research"] = "Deep Research",
        ["advanced-voice"] = "Advanced Voice",
    };

    private static readonly PromptSuggestion[] Suggestions =
    [
        new("How do I get access?", "How do I get access to the enterprise AI assistant?"),
        new("What data can I enter?", "What information may I enter into the AI assistant, and what must I never enter?"),
    ];

    public virtual async Task<Activity> WelcomeAsync(Activity inbound, CancellationToken cancellationToken)
    {
        var agencyName = ""; // unknown: the card says "You are part of…" instead of naming an agency
        var now = time.GetUtcNow();
        var bonus = new List<EntitlementWindow>();
        if (UserKey.Of(inbound) is { } key)
        {
            var user = await directory.ResolveAsync(key, cancellationToken);
            if (!user.IsUnassigned && await registry.FindAsync(user.AgencyId, cancellationToken) is { } agency)
            {
                agencyName = agency.Name;
                bonus.AddRange(agency.Entitlements.Where(e => e.Start <= now && now < e.End));
            }
        }
        var daysLeft = bonus.Count == 0 ? 0 : (int)Math.Ceiling((bonus.Max(b => b.End) - now).TotalDays);
        var features = bonus.Select(b => FeatureNames.GetValueOrDefault(b.Feature, b.Feature)).Distinct().ToList();
        // conversationUpdate often carries the user's name only in membersAdded.
        var userName = !inbound.IsPersonal() ? "everyone"
            : inbound.From?.Name is { Length: > 0 } name ? name
            : inbound.MembersAdded?.FirstOrDefault(m => m.Id != inbound.Recipient?.Id && !string.IsNullOrEmpty(m.Name))?.Name ?? "";
        var card = cards.Bind(new WelcomeCardData(userName, agencyName, ProgramName, daysLeft, features, Suggestions), inbound.Locale);
        return CardMessage(card, $"Welcome to the {ProgramName}. Type help to see what I can do.");
    }

    public virtual async Task<Activity> HelpAsync(Activity inbound, CancellationToken cancellationToken)
    {
        // Coaches also see the coach commands, admins the admin ones too (roles from the directory, as the routes check them).
        var held = UserKey.Of(inbound) is { } user ? await roles.GetRolesAsync(user, cancellationToken) : DirectoryRoles.None;
        var card = cards.Bind(new HelpCardData(IsCoach: held.IsCoach || held.IsAdmin, IsAdmin: held.IsAdmin), inbound.Locale);
        return CardMessage(card, "What I can do: ask a question in plain words; type new chat to start over; help shows this list.");
    }

    private static Activity CardMessage(System.Text.Json.JsonElement card, string summary) =>
        Activity.Message() with { Attachments = [Attachment.AdaptiveCard(card)], Summary = summary };
}
