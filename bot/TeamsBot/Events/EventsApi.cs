using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using TeamsBot.Broadcasts;
using TeamsBot.Security;

namespace TeamsBot.Events;

/// <summary>What the API returns for an event.</summary>
public sealed record EventView(
    string Id, string Kind, string Title, string Description, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string TimeZone, string Location,
    string? JoinUrl, int Capacity, DateTimeOffset? RegistrationDeadline, string HostName, string Status, string? CampaignId, int Registered, int Waitlisted,
    int SeatsLeft, string? CalendarUrl);

public sealed record AttendanceRequest(IReadOnlyList<string> ObjectIds, bool Attended = true);

public sealed record AttendeeMessageRequest(string Title, string Body, bool IncludeWaitlist = false);

/// <summary>
/// <c>/api/events</c> (policy Coach): create (with its invite campaign, sent through <c>/api/campaigns/{campaignId}/send</c>),
/// list, read, attendees (JSON and CSV), attendance, a message to registrants. And the public calendar file
/// <c>/events/{id}/calendar.ics?t=…</c> that invite cards link to (its random token is the only key).
/// </summary>
public static class EventsApi
{
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapApiGroup("/api/events", ApiPolicies.Coach);
        api.MapPost("/", CreateAsync);
        api.MapGet("/", ListAsync);
        api.MapGet("/{id}", GetAsync);
        api.MapGet("/{id}/attendees", async (string id, EventService events, CancellationToken ct) =>
            await events.FindAsync(id, ct) is null ? NotFound() : Results.Json(await events.AttendeesAsync(id, ct), ApiRoutes.Json));
        api.MapGet("/{id}/attendees.csv", AttendeesCsvAsync);
        api.MapPost("/{id}/attendance", AttendanceAsync);
        api.MapPost("/{id}/message", MessageAsync);
        endpoints.MapGet("/events/{id}/calendar.ics", CalendarAsync);
        return endpoints;
    }

    private static IResult NotFound() => Results.Problem(statusCode: 404, title: "No such event.");

    private static async Task<IResult> CreateAsync(HttpContext http, EventService events, EventCards cards, IOptions<EventsOptions> options,
        IOptions<BroadcastsOptions> broadcasts, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiRoutes.ReadJsonAsync<EventDefinition>(http.Request, cancellationToken);
        if (problem is not null) return problem;
        var (times, problems) = EventValidation.Check(body!, options.Value, broadcasts.Value, time.GetUtcNow());
        if (problems.Count > 0) return ApiRoutes.Invalid(problems);
        var (ev, _) = await events.CreateAsync(body!, times!, CampaignsApi.CallerOf(http), cancellationToken);
        return Results.Created($"/api/events/{ev.Id}", await ViewAsync(ev, events, cards, cancellationToken));
    }

    private static async Task<EventView> ViewAsync(TrainingEvent ev, EventService events, EventCards cards, CancellationToken cancellationToken)
    {
        var (registered, waitlisted) = await events.CountsAsync(ev.Id, cancellationToken);
        return new EventView(ev.Id, ev.Kind, ev.Title, ev.Description, ev.StartsAt, ev.EndsAt, ev.TimeZone, ev.Location, ev.JoinUrl, ev.Capacity,
            ev.RegistrationDeadline, ev.HostName, ev.Status, ev.CampaignId, registered, waitlisted, Math.Max(0, ev.Capacity - registered), cards.CalendarUrl(ev)?.ToString());
    }

    private static async Task<IResult> ListAsync(EventService events, EventCards cards, CancellationToken cancellationToken)
    {
        var views = new List<EventView>();
        foreach (var ev in await events.UpcomingAsync(200, cancellationToken)) views.Add(await ViewAsync(ev, events, cards, cancellationToken));
        return Results.Json(views, ApiRoutes.Json);
    }

    private static async Task<IResult> GetAsync(string id, EventService events, EventCards cards, CancellationToken cancellationToken) =>
        await events.FindAsync(id, cancellationToken) is { } ev ? Results.Json(await ViewAsync(ev, events, cards, cancellationToken), ApiRoutes.Json) : NotFound();

    private static async Task<IResult> AttendeesCsvAsync(string id, EventService events, CancellationToken cancellationToken)
    {
        if (await events.FindAsync(id, cancellationToken) is null) return NotFound();
        var csv = new StringBuilder("objectId,name,state,waitlistPosition,requestedAt,attended\r\n");
        foreach (var row in await events.AttendeesAsync(id, cancellationToken))
            csv.Append(CultureInfo.InvariantCulture,
                $"{CampaignsApi.Csv(row.ObjectId)},{CampaignsApi.Csv(row.Name)},{row.State},{(row.Position > 0 ? row.Position.ToString(CultureInfo.InvariantCulture) : "")},{row.RequestedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ},{(row.Attended is { } a ? a ? "yes" : "no" : "")}\r\n");
        return Results.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", $"event-{id}-attendees.csv");
    }

    private static async Task<IResult> AttendanceAsync(string id, HttpContext http, EventService events, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiRoutes.ReadJsonAsync<AttendanceRequest>(http.Request, cancellationToken);
        if (problem is not null) return problem;
        if (body!.ObjectIds.Count is 0 or > 10_000 || body.ObjectIds.Any(string.IsNullOrWhiteSpace))
            return ApiRoutes.Invalid([("objectIds", "List 1 to 10000 Entra object ids of registered people.")]);
        if (await events.FindAsync(id, cancellationToken) is null) return NotFound();
        // Entra object ids are GUIDs: compared in their lower-case form, as Teams and Graph send them.
        var ids = body.ObjectIds.Select(i => i.Trim().ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        var marked = await events.MarkAttendanceAsync(id, ids, body.Attended, cancellationToken);
        return Results.Json(new { marked, notRegistered = ids.Count - marked }, ApiRoutes.Json);
    }

    private static async Task<IResult> MessageAsync(string id, HttpContext http, EventService events, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiRoutes.ReadJsonAsync<AttendeeMessageRequest>(http.Request, cancellationToken);
        if (problem is not null) return problem;
        var problems = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(body!.Title) || body.Title.Length > 200) problems.Add(("title", "A title of 1-200 characters is required."));
        if (string.IsNullOrWhiteSpace(body.Body) || body.Body.Length > 4000) problems.Add(("body", "A message of 1-4000 characters is required."));
        if (problems.Count > 0) return ApiRoutes.Invalid(problems);
        if (await events.FindAsync(id, cancellationToken) is not { } ev) return NotFound();
        var result = await events.MessageAttendeesAsync(ev, body.Title.Trim(), body.Body, body.IncludeWaitlist, CampaignsApi.CallerOf(http), cancellationToken);
        if (result.Campaign is null) return Results.Problem(statusCode: result.Status, title: result.Reason);
        // Like POST /api/campaigns/{id}/send: 202 sending, 409 awaiting approval; the campaign tells the delivery.
        return Results.Json(new { campaignId = result.Campaign.Id, status = result.Campaign.Status }, ApiRoutes.Json,
            statusCode: result.Ok ? StatusCodes.Status202Accepted : result.Status);
    }

    private static async Task<IResult> CalendarAsync(string id, string? t, EventService events, CancellationToken cancellationToken)
    {
        var ev = id.Length <= 32 ? await events.FindAsync(id, cancellationToken) : null;
        // Unknown event and wrong token look the same.
        if (ev is null || t is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(t), Encoding.ASCII.GetBytes(ev.CalendarToken)))
            return Results.NotFound();
        return Results.File(Encoding.UTF8.GetBytes(EventCards.Calendar(ev)), "text/calendar; charset=utf-8", $"{Slug(ev.Title)}.ics");
    }

    private static string Slug(string title)
    {
        var slug = new string(title.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray()).Trim('-');
        return slug.Length == 0 ? "event" : slug.Length > 60 ? slug[..60] : slug;
    }
}
