using System.Text.Json;
using System.Text.Json.Nodes;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using Microsoft.Extensions.Options;
using TeamsBot.Broadcasts;
using TeamsBot.Cards;
using TeamsBot.Protocol.Activities;
using Attachment = TeamsBot.Protocol.Activities.Attachment;

namespace TeamsBot.Events;

/// <summary>The event cards (invite per viewer, reminder) and the calendar file; renders invite campaigns for the fan-out.</summary>
public sealed class EventCards(CardLibrary cards, EventService events, IOptions<EventsOptions> options, TimeProvider time) : ICampaignContent
{
    public string Scheme => EventService.ReferenceScheme;

    /// <summary>The invite every recipient gets: no RSVP yet, the seats left now; opening it refreshes it for the viewer.</summary>
    public async Task<Activity?> RecipientMessageAsync(Campaign campaign, string id, CancellationToken cancellationToken)
    {
        var view = await events.ViewAsync(id, null, cancellationToken) ?? throw new InvalidOperationException($"Event {id} of campaign {campaign.Id} is gone.");
        var card = Invite(view, null);
        // The delivery verifier recognises a campaign's card in a chat by this marker (as on announcements).
        if (card["body"] is JsonArray body && body.OfType<JsonObject>().FirstOrDefault(b => (string?)b["style"] == "heading") is { } heading)
            heading["id"] = $"broadcast-{campaign.Id}";
        return Activity.Message() with { Attachments = [Attachment.AdaptiveCard(JsonSerializer.SerializeToElement(card))], Summary = $"Invitation: {view.Event.Title}" };
    }

    public EventInviteCardData InviteData(RsvpView view)
    {
        var ev = view.Event;
        var state = view.State switch
        {
            RsvpState.Registered => RegistrationState.Registered,
            RsvpState.Waitlisted => RegistrationState.Waitlisted,
            RsvpState.Cancelled => RegistrationState.Cancelled,
            _ => RegistrationState.None,
        };
        return new EventInviteCardData(ev.Id, ev.Kind == EventKinds.Hackathon ? EventKind.Hackathon : EventKind.Workshop, ev.Title, ev.Description,
            ev.StartsAt, ev.EndsAt, ev.Location, ev.HostName, ev.Capacity, view.SeatsLeft, state, view.WaitlistPosition,
            JoinUrl: ev.JoinUrl is null ? null : new Uri(ev.JoinUrl), RegistrationOpen: view.RegistrationOpen(time.GetUtcNow()),
            RegistrationDeadline: ev.RegistrationDeadline, CalendarUrl: CalendarUrl(ev));
    }

    /// <summary>
    /// The invite as <paramref name="locale"/> sees it. Without listed people the card refreshes for whoever views it in a chat
    /// of up to 60 people (a 1:1 chat: its one person), so <c>refresh.userIds</c> is left out rather than sent empty.
    /// </summary>
    public JsonObject Invite(RsvpView view, string? locale)
    {
        var card = JsonSerializer.SerializeToNode(cards.Bind(InviteData(view), locale))!.AsObject();
        if (card["refresh"] is JsonObject refresh && refresh["userIds"] is JsonArray { Count: 0 }) refresh.Remove("userIds");
        return card;
    }

    public JsonElement InviteElement(RsvpView view, string? locale) => JsonSerializer.SerializeToElement(Invite(view, locale));

    public Activity Reminder(TrainingEvent ev, string? locale)
    {
        var minutes = (int)Math.Max(0, Math.Round((ev.StartsAt - time.GetUtcNow()).TotalMinutes));
        var data = new EventReminderCardData(ev.Id, ev.Title, ev.StartsAt, ev.EndsAt, minutes, ev.Location, ev.JoinUrl is null ? null : new Uri(ev.JoinUrl));
        return Activity.Message() with { Attachments = [Attachment.AdaptiveCard(cards.Bind(data, locale))], Summary = $"Reminder: {ev.Title}" };
    }

    /// <summary>Told when a cancellation gave them a seat from the waitlist: a line, and the invite showing them registered.</summary>
    public Activity Promotion(RsvpView view, string? locale) => Activity.Message() with
    {
        Text = $"Good news: a seat opened up and you are now registered for **{CardText.Plain(view.Event.Title)}**.",
        Attachments = [Attachment.AdaptiveCard(InviteElement(view, locale))],
        Summary = $"You have a seat: {view.Event.Title}",
    };

    public Uri? CalendarUrl(TrainingEvent ev) =>
        options.Value.PublicBaseUrl is { Length: > 0 } baseUrl && CardText.IsHttps(baseUrl)
            ? new Uri($"{baseUrl.TrimEnd('/')}/events/{ev.Id}/calendar.ics?t={ev.CalendarToken}")
            : null;

    /// <summary>The event as an iCalendar file (RFC 5545) in UTC, so every calendar shows it in its owner's time zone.</summary>
    public static string Calendar(TrainingEvent ev)
    {
        var entry = new CalendarEvent
        {
            Uid = $"{ev.Id}@teamsbot",
            Summary = ev.Title,
            Description = ev.JoinUrl is null ? ev.Description : $"{ev.Description}\n\nJoin: {ev.JoinUrl}",
            Location = ev.Location,
            DtStart = new CalDateTime(ev.StartsAt.UtcDateTime),
            DtEnd = new CalDateTime(ev.EndsAt.UtcDateTime),
            DtStamp = new CalDateTime(ev.UpdatedAt.UtcDateTime),
            Status = ev.Status == EventStatus.Cancelled ? "CANCELLED" : "CONFIRMED",
            Sequence = ev.Status == EventStatus.Cancelled ? 1 : 0,
        };
        if (ev.JoinUrl is not null) entry.Url = new Uri(ev.JoinUrl);
        var calendar = new Calendar { ProductId = "-//TeamsBot//Events//EN", Method = "PUBLISH" };
        calendar.Events.Add(entry);
        return new CalendarSerializer().SerializeToString(calendar)!;
    }
}

/// <summary>
/// A coach's message to an event's registrants (<c>attendees:{eventId}</c>, with <c>/waitlist</c> to include the waitlist):
/// the campaign's own announcement card, to exactly the people who registered, each in their own tenant.
/// </summary>
public sealed class AttendeeMessageContent(EventService events, TeamsBot.Agencies.IAgencyDirectory directory) : ICampaignContent
{
    public const string Scheme_ = "attendees";

    public string Scheme => Scheme_;

    public Task<Activity?> RecipientMessageAsync(Campaign campaign, string id, CancellationToken cancellationToken) => Task.FromResult<Activity?>(null);

    public IAsyncEnumerable<TeamsBot.Agencies.DirectoryUser>? PlannedRecipients(Campaign campaign, string id, CancellationToken cancellationToken)
    {
        var waitlist = id.EndsWith("/waitlist", StringComparison.Ordinal);
        return ResolveAsync(waitlist ? id[..^"/waitlist".Length] : id, waitlist, cancellationToken);
    }

    private async IAsyncEnumerable<TeamsBot.Agencies.DirectoryUser> ResolveAsync(string eventId, bool waitlist, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (objectId, tenantId) in events.RegistrantsAsync(eventId, waitlist, cancellationToken))
        {
            // The agency (for the campaign's per-agency summary) from the directory; a registrant is messaged even if it no longer knows them.
            var user = await directory.ResolveAsync(new TeamsBot.Agencies.UserKey(objectId, tenantId), cancellationToken);
            yield return user with { IsDeleted = false };
        }
    }
}
