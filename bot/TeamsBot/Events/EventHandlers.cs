using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using TeamsBot.Agencies;
using TeamsBot.Broadcasts;
using TeamsBot.Cards;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Events;

public sealed record RsvpData(string EventId);

/// <summary>
/// Register, Cancel and the card's automatic refresh: each answers with the invite as this person now sees it (registered,
/// waitlisted with their position, cancelled; seats left). Double clicks and retries change nothing the second time.
/// </summary>
internal sealed class RsvpHandler(EventService events, EventCards cards, TeamsBot.Insights.IInsightRecorder insights) : ICardActionHandler<RsvpData>
{
    public async Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<RsvpData> action, CancellationToken cancellationToken)
    {
        var a = context.Activity;
        if (UserKey.Of(a) is not { AadObjectId: var objectId, TenantId: var tenantId })
            return AdaptiveCardInvokeResponse.Message("Teams did not say who you are, so nothing was recorded.");
        if (action.Data.EventId is not { Length: > 0 and <= 32 } eventId) return AdaptiveCardInvokeResponse.Message("This invitation is no longer valid.");
        RsvpView? view;
        if (string.Equals(action.Verb, CardVerbs.RsvpRefresh, StringComparison.OrdinalIgnoreCase))
            view = await events.ViewAsync(eventId, objectId, cancellationToken);
        else
        {
            var register = string.Equals(action.Verb, CardVerbs.RsvpRegister, StringComparison.OrdinalIgnoreCase);
            view = await events.RsvpAsync(eventId, new Attendee(objectId, tenantId, a.From?.Name, a.Locale), register, cancellationToken);
            if (view?.Outcome is RsvpOutcome.Registered or RsvpOutcome.Waitlisted)
                insights.Record(TeamsBot.Insights.InsightKind.EventRegistered, new UserKey(objectId, tenantId), subject: eventId);
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
        var objectId = context.Activity.From?.AadObjectId;
        // Display only (what a coach sees besides); nothing here needs the role to run.
        var isCoach = await roles.IsInRoleAsync(context, TeamsBot.Security.Roles.Coach, cancellationToken);
        var upcoming = objectId is { Length: > 0 } ? await events.UpcomingForAsync(objectId, isCoach, 10, cancellationToken) : [];
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

/// <summary>The event composer's inputs as Teams sends them (strings).</summary>
public sealed record EventComposerInput
{
    public string? Kind { get; init; }
    public string? Title { get; init; }
    public string? Description { get; init; }
    public string? Date { get; init; }
    public string? StartTime { get; init; }
    public string? EndTime { get; init; }
    public string? DeadlineDate { get; init; }
    public string? Location { get; init; }
    public string? JoinUrl { get; init; }
    public string? Capacity { get; init; }
    public string? AudienceType { get; init; }
    public string? Agencies { get; init; }
    public string? Users { get; init; }
    public string? FormId { get; init; }
}

/// <summary><c>events new</c> (coaches): the event composer.</summary>
internal sealed class EventComposerCommandHandler(CardLibrary cards, IAgencyRegistry registry) : ITurnHandler
{
    public async Task HandleAsync(ITurnContext context, CancellationToken cancellationToken)
    {
        var data = new EventComposerCardData(await Composer.AgencyOptionsAsync(registry, cancellationToken), FormId: Guid.NewGuid().ToString("N"));
        await context.SendActivityAsync(Activity.Message() with
        {
            Attachments = [Attachment.AdaptiveCard(cards.Bind(data, context.Activity.Locale))], Summary = "New workshop or hackathon",
        }, cancellationToken);
    }
}

/// <summary>
/// Create from the composer: times are read in the coach's Teams time zone; mistakes come back under each field; a valid
/// event is stored with its invite campaign, and the card becomes the invite's confirmation (Send to N people / Request
/// approval), so the invite goes out exactly like a broadcast.
/// </summary>
internal sealed class EventCreateHandler(
    CardLibrary cards, EventService events, CampaignService campaigns, IAgencyRegistry registry, IAgencyDirectory directory,
    IOptions<EventsOptions> options, IOptions<BroadcastsOptions> broadcasts, TimeProvider time) : ICardActionHandler<EventComposerInput>
{
    public async Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<EventComposerInput> action, CancellationToken cancellationToken)
    {
        var i = action.Data;
        var a = context.Activity;
        // The coach's Teams time zone (sent with every invoke), else their mailbox's (directory), else UTC.
        var zone = a.LocalTimezone is { Length: > 0 } tz && TimeZoneInfo.TryFindSystemTimeZoneById(tz, out _) ? tz
            : UserKey.Of(a) is { } coach && (await directory.ResolveAsync(coach, cancellationToken)).TimeZone is { } own && TimeZoneInfo.TryFindSystemTimeZoneById(own, out _) ? own
            : "UTC";
        var deadline = string.IsNullOrWhiteSpace(i.DeadlineDate) ? null
            : i.DeadlineDate == i.Date ? $"{i.DeadlineDate}T{i.StartTime}" : $"{i.DeadlineDate}T23:59";
        var audienceType = i.AudienceType == "users" ? "users" : "agencies";
        var definition = new EventDefinition
        {
            Kind = i.Kind, Title = i.Title?.Trim(), Description = i.Description, Location = i.Location?.Trim(), JoinUrl = string.IsNullOrWhiteSpace(i.JoinUrl) ? null : i.JoinUrl.Trim(),
            Start = $"{i.Date}T{i.StartTime}", End = $"{i.Date}T{i.EndTime}", RegistrationDeadline = deadline, TimeZone = zone,
            Capacity = int.TryParse(i.Capacity, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seats) ? seats : null, HostName = a.From?.Name,
            Audience = new CampaignAudience
            {
                Type = audienceType,
                Agencies = audienceType == "agencies" ? Composer.SplitList(i.Agencies) : null,
                Users = audienceType == "users" ? Composer.SplitList(i.Users) : null,
            },
        };
        var (times, problems) = EventValidation.Check(definition, options.Value, broadcasts.Value, time.GetUtcNow());
        if (problems.Count == 0 && !await AnyoneAsync(definition.Audience, cancellationToken))
            problems.Add(("audience", "Nobody is in this audience. Check the agencies or people."));
        if (problems.Count > 0)
        {
            string? Field(params string[] names) => problems.FirstOrDefault(p => names.Any(n => p.Field.StartsWith(n, StringComparison.Ordinal))).Message;
            var errors = new EventComposerErrors(Field("title"), Field("description"), Field("start", "timeZone", "kind"), Field("end"), Field("location"),
                Field("joinUrl"), Field("capacity"), Field("registrationDeadline"), Field("audience"));
            var again = new EventComposerCardData(await Composer.AgencyOptionsAsync(registry, cancellationToken), i.Kind ?? EventKinds.Workshop, i.Title ?? "",
                i.Description ?? "", i.Date ?? "", i.StartTime ?? "", i.EndTime ?? "", i.DeadlineDate ?? "", i.Location ?? "", i.JoinUrl ?? "", i.Capacity ?? "",
                audienceType, i.Agencies ?? "", i.Users ?? "", errors, "Fix the fields marked below.", FormId(i));
            return AdaptiveCardInvokeResponse.Card(cards.Bind(again, a.Locale));
        }
        var (_, invite) = await events.CreateAsync(definition, times!, Composer.CallerOf(a), cancellationToken, FormId(i));
        var count = await campaigns.CountAudienceAsync(invite, cancellationToken);
        await campaigns.RecordEstimateAsync(invite.Id, count, cancellationToken);
        var o = broadcasts.Value;
        return AdaptiveCardInvokeResponse.Card(cards.Bind(new BroadcastConfirmCardData(invite.Id, invite.Title, BroadcastKind.Invite, invite.AudienceDescription, count,
            count > o.ApprovalThreshold, o.ApprovalThreshold), a.Locale));
    }

    /// <summary>The form's id (32 hex digits, made when the composer was sent), or a new one.</summary>
    private static string FormId(EventComposerInput i) =>
        i.FormId is { Length: 32 } id && id.All(char.IsAsciiHexDigitLower) ? id : Guid.NewGuid().ToString("N");

    private async Task<bool> AnyoneAsync(CampaignAudience audience, CancellationToken cancellationToken)
    {
        await foreach (var _ in directory.ResolveAudienceAsync(audience.ToSpec(), cancellationToken)) return true;
        return false;
    }
}
