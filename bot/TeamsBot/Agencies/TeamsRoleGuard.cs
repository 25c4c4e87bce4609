using TeamsBot.Cards;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Security;

namespace TeamsBot.Agencies;

/// <summary>
/// Roles of bot routes (<c>.RequireRole(Roles.Coach)</c>) from the directory: Coach = coaches or administers some agency,
/// Admin = administers some agency. A user Teams does not identify holds no role. Refusals are polite and say nothing was done.
/// </summary>
internal sealed class TeamsRoleGuard(IDirectoryRoles roles, CardLibrary cards, ILogger<TeamsRoleGuard> logger) : IBotRoleGuard
{
    public async ValueTask<bool> IsInRoleAsync(ITurnContext context, string role, CancellationToken cancellationToken)
    {
        if (UserKey.Of(context.Activity) is not { } user) return false;
        DirectoryRoles held;
        try
        {
            held = await roles.GetRolesAsync(user, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Fail closed, politely: the user gets the refusal, not an error.
            logger.LogWarning("Role check of user {ObjectId} failed ({Error}); refused", user.AadObjectId, e.GetType().Name);
            return false;
        }
        return role switch
        {
            Roles.Coach => held.IsCoach || held.IsAdmin,
            Roles.Admin => held.IsAdmin,
            _ => false,
        };
    }

    public Activity MessageRefusal(ITurnContext context, string role)
    {
        var card = cards.Bind(new RoleRequiredCardData(role == Roles.Admin ? CardRole.Admin : CardRole.Coach), context.Activity.Locale);
        return Activity.Message() with { Attachments = [Attachment.AdaptiveCard(card)], Summary = ActionRefusal(context, role) };
    }

    public string ActionRefusal(ITurnContext context, string role) => role == Roles.Admin
        ? "Only administrators can do this, so nothing was done. Ask your agency's AI program administrator if you need access."
        : "Only coaches can do this, so nothing was done. Ask your agency's AI program administrator if you need access.";
}
