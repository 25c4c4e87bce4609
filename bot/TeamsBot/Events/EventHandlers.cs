using System.Globalization;
using System.Text;
using TeamsBot.Cards;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Events;

public sealed record RsvpData(string EventId);

/// <summary>
/// Register, Cancel and the card's automatic refresh: each answers with the invite as this person now sees it (registered,
/// waitlisted with their position, cancelled; seats left). Double clicks and retries change nothing the second time.
/// </summary>
internal sealed class RsvpHandler(EventService events, EventCards cards) : ICardActionHandler<RsvpData>
{
    public async Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<RsvpData> action, CancellationToken cancellationToken)
    {
        var a = context.Activity;
        if (a.From?.AadObjectId is not { Length: > 0 } objectId || a.TenantId is not { Length: > 0 } tenantId)
            return AdaptiveCardInvokeResponse.Message("Teams did not say who you are, so nothing was recorded.");
        if (action.Data.EventId is not { Length: > 0 and <= 32 } eventId) return AdaptiveCardInvokeResponse.Message("This invitation is no longer valid.");
        RsvpView? view;
        if (string.Equals(action.Verb, CardVerbs.RsvpRefresh, StringComparison.OrdinalIgnoreCase))
            view = await events.ViewAsync(eventId, objectId, cancellationToken);
        else
        {
            var register = string.Equals(action.Verb, CardVerbs.RsvpRegister, StringComparison.OrdinalIgnoreCase);
            view = await events.RsvpAsync(eventId, new Attendee(objectId, tenantId, a.From.Name, a.Locale), register, cancellationToken);
        }
        if (view is null) return AdaptiveCardInvokeResponse.Message("This event no longer exists.");
        if (view.Outcome == RsvpOutcome.EventCancelled) return AdaptiveCardInvokeResponse.Message($"“{view.Event.Title}” was cancelled by its organiser.");
        return AdaptiveCardInvokeResponse.Card(cards.InviteElement(view, a.Locale));
    }
}

/// <summary>
/// <c>events</c>: the upcoming workshops and hackathons with this person's RSVP; coaches also see seats taken and the
/// waitlist, and the API routes for the attendee list.
/// </summary>
internal sealed class EventsCommandHandler(EventService events, IBotRoleGuard roles) : ITurnHandler
{
    public const string Command = "events";

    public async Task HandleAsync(ITurnContext context, CancellationToken cancellationToken)
    {
        var upcoming = await events.UpcomingAsync(10, cancellationToken);
        var objectId = context.Activity.From?.AadObjectId;
        // Display only (what a coach sees besides); nothing here needs the role to run.
        var isCoach = await roles.IsInRoleAsync(context, TeamsBot.Security.Roles.Coach, cancellationToken);
        var zone = context.Activity.LocalTimezone is { Length: > 0 } tz && TimeZoneInfo.TryFindSystemTimeZoneById(tz, out var found) ? found : TimeZoneInfo.Utc;
        var text = new StringBuilder();
        if (upcoming.Count == 0) text.Append("No workshops or hackathons are planned right now. Coaches announce new ones here.");
        else text.Append("**Upcoming workshops and hackathons**\n\n");
        foreach (var ev in upcoming)
        {
            var view = await events.ViewAsync(ev.Id, objectId, cancellationToken);
            var mine = view?.State switch
            {
                RsvpState.Registered => "you are registered",
                RsvpState.Waitlisted => $"you are on the waitlist (position {view.WaitlistPosition})",
                _ => $"{view?.SeatsLeft ?? 0} of {ev.Capacity} seats left",
            };
            text.Append(CultureInfo.InvariantCulture, $"- **{CardText.Plain(ev.Title)}** ({ev.Kind}), {TimeZoneInfo.ConvertTime(ev.StartsAt, zone):yyyy-MM-dd HH:mm} ({(zone == TimeZoneInfo.Utc ? "UTC" : zone.Id)}), {CardText.Plain(ev.Location)}: {mine}");
            if (isCoach)
            {
                var (registered, waitlisted) = await events.CountsAsync(ev.Id, cancellationToken);
                text.Append(CultureInfo.InvariantCulture, $". Coaches: {registered} registered, {waitlisted} waitlisted (type **attendees** for the list)");
            }
            text.Append('\n');
        }
        await context.SendActivityAsync(Activity.Message() with { Text = text.ToString(), TextFormat = "markdown" }, cancellationToken);
    }
}

/// <summary><c>attendees</c> (coaches): one card per upcoming event with seats taken, the waitlist, attendance and the people.</summary>
internal sealed class AttendeesCommandHandler(EventService events, CardLibrary cards) : ITurnHandler
{
    public const string Command = "attendees";
    private const int MaxEvents = 5;

    public async Task HandleAsync(ITurnContext context, CancellationToken cancellationToken)
    {
        var upcoming = await events.UpcomingAsync(MaxEvents, cancellationToken);
        if (upcoming.Count == 0)
        {
            await context.SendActivityAsync(Activity.Message("No upcoming workshops or hackathons. Create one with POST /api/events."), cancellationToken);
            return;
        }
        foreach (var ev in upcoming)
        {
            var rows = await events.AttendeesAsync(ev.Id, cancellationToken);
            var shown = rows.Take(EventAttendeesCardData.MaxShown)
                .Select(r => new AttendeeLine(r.Name ?? r.ObjectId, r.State, r.Position, r.Attended == true)).ToList();
            var data = new EventAttendeesCardData(ev.Id, ev.Title, ev.StartsAt, ev.EndsAt, ev.Capacity, rows.Count(r => r.State == RsvpState.Registered),
                rows.Count(r => r.State == RsvpState.Waitlisted), rows.Count(r => r.Attended == true), shown, rows.Count - shown.Count);
            await context.SendActivityAsync(Activity.Message() with
            {
                Attachments = [Attachment.AdaptiveCard(cards.Bind(data, context.Activity.Locale))],
                Summary = $"Attendees: {ev.Title}",
            }, cancellationToken);
        }
    }
}
