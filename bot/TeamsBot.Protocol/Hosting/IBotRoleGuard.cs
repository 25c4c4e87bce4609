using TeamsBot.Protocol.Activities;

namespace TeamsBot.Protocol.Hosting;

/// <summary>
/// Decides whether the user of a turn holds a role a route requires (<see cref="BotRouteBuilder.RequireRole"/>) and how a
/// refusal reads. The app supplies it (roles come from its directory); without one, guarded routes refuse everybody.
/// </summary>
public interface IBotRoleGuard
{
    /// <summary>Whether the turn's user holds <paramref name="role"/>. Fails closed: a lookup error means no.</summary>
    ValueTask<bool> IsInRoleAsync(ITurnContext context, string role, CancellationToken cancellationToken);

    /// <summary>The message (typically a card) sent to a user who typed a command they may not use.</summary>
    Activity MessageRefusal(ITurnContext context, string role);

    /// <summary>The short text shown when a user presses a card button they may not use (the card stays as it is).</summary>
    string ActionRefusal(ITurnContext context, string role);
}

/// <summary>No role source composed: nobody holds any role.</summary>
internal sealed class NoRolesGuard : IBotRoleGuard
{
    public ValueTask<bool> IsInRoleAsync(ITurnContext context, string role, CancellationToken cancellationToken) => ValueTask.FromResult(false);

    public Activity MessageRefusal(ITurnContext context, string role) => Activity.Message(ActionRefusal(context, role));

    public string ActionRefusal(ITurnContext context, string role) => $"Sorry, this is only available to people with the {role} role.";
}
