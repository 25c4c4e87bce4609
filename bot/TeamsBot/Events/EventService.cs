using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TeamsBot.Agencies;
using TeamsBot.Broadcasts;
using TeamsBot.Storage;
using TeamsBot.Storage.Jobs;

namespace TeamsBot.Events;

/// <summary>Who answers an invite: their Entra object id and tenant (from the invoke), name and Teams locale.</summary>
public sealed record Attendee(string ObjectId, string TenantId, string? Name = null, string? Locale = null);

public enum RsvpOutcome { Registered, Waitlisted, Cancelled, Unchanged, Closed, EventCancelled }

/// <summary>One person's view of an event after an RSVP: their state, seats left, their waitlist position.</summary>
public sealed record RsvpView(TrainingEvent Event, string? State, int SeatsLeft, int WaitlistPosition, RsvpOutcome Outcome)
{
    public bool RegistrationOpen(DateTimeOffset now) => IsOpen(Event, now);

    /// <summary>Open, not started, and before its registration deadline.</summary>
    public static bool IsOpen(TrainingEvent ev, DateTimeOffset now) =>
        ev.Status == EventStatus.Open && now < ev.StartsAt && (ev.RegistrationDeadline is not { } deadline || now < deadline);
}

/// <summary>One answer to an event; <see cref="Position"/> is the waitlist place (0 for others).</summary>
public sealed record AttendeeRow(string ObjectId, string? Name, string State, DateTimeOffset RequestedAt, bool? Attended, int Position);

/// <summary>
/// Events and RSVPs. Every RSVP of one event runs in a transaction that first writes the event row (bumps its version), so
/// RSVPs of one event are serialised (a row lock on PostgreSQL, the write lock on SQLite) across threads and replicas: two
/// people clicking the last seat get one seat and one waitlist place. RSVPs are idempotent (a second Register changes nothing).
/// </summary>
public sealed class EventService(
    IDbContextFactory<TeamsBotDbContext> db, CampaignService campaigns, DeliveryLedger ledger, IDurableJobs jobs, SqliteWriteGate writeGate, IOptions<EventsOptions> options, TeamsBot.Insights.IInsightRecorder insights,
    TimeProvider time, ILogger<EventService> logger)
{
    public const string ReferenceScheme = "event";

    /// <summary>Stores the event and its invite campaign (a draft, sent like any campaign) and schedules its reminders.</summary>
    /// <param name="id">The event's id when the caller has one (a Teams form's id: a second submit returns the first event); new otherwise.</param>
    public async Task<(TrainingEvent Event, Campaign Invite)> CreateAsync(EventDefinition d, EventTimes times, CampaignCaller organizer, CancellationToken cancellationToken, string? id = null)
    {
        if (id is not null && await FindAsync(id, cancellationToken) is { CampaignId: { } existingInvite } existing
            && await campaigns.FindAsync(existingInvite, cancellationToken) is { } invite0)
            return (existing, invite0);
        var now = time.GetUtcNow();
        var ev = new TrainingEvent
        {
            Id = id ?? Guid.NewGuid().ToString("N"),
            Kind = d.Kind!,
            Title = d.Title!.Trim(),
            Description = d.Description!,
            StartsAt = times.StartsAt,
            EndsAt = times.EndsAt,
            TimeZone = d.TimeZone!,
            Location = d.Location!.Trim(),
            JoinUrl = string.IsNullOrWhiteSpace(d.JoinUrl) ? null : d.JoinUrl.Trim(),
            Capacity = d.Capacity!.Value,
            RegistrationDeadline = times.RegistrationDeadline,
            HostName = Cut(string.IsNullOrWhiteSpace(d.HostName) ? organizer.Name ?? "Your AI program coaches" : d.HostName.Trim(), 200)!,
            Status = EventStatus.Open,
            OrganizerObjectId = organizer.ObjectId,
            OrganizerName = Cut(organizer.Name, 200),
            TenantId = organizer.TenantId,
            CalendarToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            CreatedAt = now,
            UpdatedAt = now,
        };
        await using (var context = await db.CreateDbContextAsync(cancellationToken))
        {
            context.Add(ev);
            await context.SaveChangesAsync(cancellationToken);
        }
        var invite = await campaigns.CreateAsync(EventValidation.InviteDefinition(d), organizer, cancellationToken, $"{ReferenceScheme}:{ev.Id}");
        await using (var context = await db.CreateDbContextAsync(cancellationToken))
            await context.Set<TrainingEvent>().Where(x => x.Id == ev.Id).ExecuteUpdateAsync(x => x.SetProperty(p => p.CampaignId, invite.Id), cancellationToken);
        ev.CampaignId = invite.Id;
        await ScheduleRemindersAsync(ev, cancellationToken);
        logger.LogInformation("Event {EventId} ({Kind}, {Capacity} seats) created by {ObjectId}; invite campaign {CampaignId}", ev.Id, ev.Kind, ev.Capacity, organizer.ObjectId, invite.Id);
        return (ev, invite);
    }

    private async Task ScheduleRemindersAsync(TrainingEvent ev, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var (which, before) in new[] { (EventReminderJob.First, options.Value.FirstReminder), (EventReminderJob.Second, options.Value.SecondReminder) })
        {
            var at = ev.StartsAt - before;
            if (at <= now) continue; // created too close to the start for this one
            await jobs.ScheduleOnceAsync<EventReminderJob>($"{ev.Id}:{which}", at,
                new Dictionary<string, string> { [EventReminderJob.EventIdKey] = ev.Id, [EventReminderJob.WhichKey] = which }, cancellationToken);
        }
    }

    public async Task<TrainingEvent?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        return await context.Set<TrainingEvent>().AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
    }

    /// <summary>Events that have not ended, soonest first.</summary>
    public async Task<IReadOnlyList<TrainingEvent>> UpcomingAsync(int take, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        return await context.Set<TrainingEvent>().AsNoTracking().Where(e => e.EndsAt > now).OrderBy(e => e.StartsAt).Take(take).ToListAsync(cancellationToken);
    }

    /// <summary>Registered and waitlisted counts of an event.</summary>
    public async Task<(int Registered, int Waitlisted)> CountsAsync(string id, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var counts = await context.Set<EventRegistration>().Where(r => r.EventId == id && r.State != RsvpState.Cancelled)
            .GroupBy(r => r.State).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        return (counts.FirstOrDefault(c => c.Key == RsvpState.Registered)?.Count ?? 0, counts.FirstOrDefault(c => c.Key == RsvpState.Waitlisted)?.Count ?? 0);
    }

    /// <summary>What <paramref name="objectId"/> sees of the event now (no change).</summary>
    public async Task<RsvpView?> ViewAsync(string eventId, string? objectId, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var ev = await context.Set<TrainingEvent>().AsNoTracking().FirstOrDefaultAsync(e => e.Id == eventId, cancellationToken);
        if (ev is null) return null;
        var mine = objectId is null ? null
            : await context.Set<EventRegistration>().AsNoTracking().FirstOrDefaultAsync(r => r.EventId == eventId && r.ObjectId == objectId, cancellationToken);
        return await ViewOfAsync(context, ev, mine, RsvpOutcome.Unchanged, cancellationToken);
    }

    /// <summary>Register (a seat, or the waitlist when full) or cancel (the first waitlisted person then gets the seat); null for an unknown event.</summary>
    public async Task<RsvpView?> RsvpAsync(string eventId, Attendee who, bool register, CancellationToken cancellationToken)
    {
        if (!register)
        {
            // A cancellation may give someone a seat. Their notice is scheduled before the transaction (Quartz writes on its own
            // connection, which SQLite's write lock would hold off inside it): if this replica stops right after the commit, the
            // notice still goes out within a minute. It sends nothing when nobody was promoted.
            await jobs.ScheduleOnceAsync<EventPromotionNoticeJob>($"{eventId}:{Guid.NewGuid():N}", time.GetUtcNow().AddMinutes(1),
                new Dictionary<string, string> { [EventPromotionNoticeJob.EventIdKey] = eventId }, cancellationToken);
        }
        using var gate = await writeGate.EnterAsync(cancellationToken);
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        // The serialising write: later RSVPs of this event wait here until this transaction ends.
        var locked = await context.Set<TrainingEvent>().Where(e => e.Id == eventId)
            .ExecuteUpdateAsync(x => x.SetProperty(e => e.Version, e => e.Version + 1), cancellationToken);
        if (locked == 0) return null;
        var ev = await context.Set<TrainingEvent>().AsNoTracking().FirstAsync(e => e.Id == eventId, cancellationToken);
        var mine = await context.Set<EventRegistration>().FirstOrDefaultAsync(r => r.EventId == eventId && r.ObjectId == who.ObjectId, cancellationToken);
        var now = time.GetUtcNow();
        EventRegistration? promoted = null;
        RsvpOutcome outcome;
        if (ev.Status == EventStatus.Cancelled) outcome = RsvpOutcome.EventCancelled;
        else if (register)
        {
            if (mine is { State: RsvpState.Registered or RsvpState.Waitlisted }) outcome = RsvpOutcome.Unchanged;
            else if (!RsvpView.IsOpen(ev, now)) outcome = RsvpOutcome.Closed;
            else
            {
                var taken = await context.Set<EventRegistration>().CountAsync(r => r.EventId == eventId && r.State == RsvpState.Registered, cancellationToken);
                var state = taken < ev.Capacity ? RsvpState.Registered : RsvpState.Waitlisted;
                if (mine is null)
                {
                    mine = new EventRegistration { EventId = eventId, ObjectId = who.ObjectId, TenantId = who.TenantId, State = state };
                    context.Add(mine);
                }
                mine.State = state;
                mine.Name = Cut(who.Name, 200) ?? mine.Name;
                mine.Locale = who.Locale is { Length: <= 32 } locale ? locale : mine.Locale;
                mine.RequestedAt = now;
                mine.UpdatedAt = now;
                outcome = state == RsvpState.Registered ? RsvpOutcome.Registered : RsvpOutcome.Waitlisted;
            }
        }
        else if (mine is not { State: RsvpState.Registered or RsvpState.Waitlisted } || now >= ev.StartsAt) outcome = RsvpOutcome.Unchanged;
        else
        {
            var hadSeat = mine.State == RsvpState.Registered;
            mine.State = RsvpState.Cancelled;
            mine.UpdatedAt = now;
            outcome = RsvpOutcome.Cancelled;
            if (hadSeat)
            {
                promoted = await context.Set<EventRegistration>().Where(r => r.EventId == eventId && r.State == RsvpState.Waitlisted)
                    .OrderBy(r => r.RequestedAt).ThenBy(r => r.Id).FirstOrDefaultAsync(cancellationToken);
                if (promoted is not null)
                {
                    promoted.State = RsvpState.Registered;
                    promoted.PromotedAt = now;
                    promoted.PromotionNoticeAt = null;
                    promoted.UpdatedAt = now;
                }
            }
        }
        await context.SaveChangesAsync(cancellationToken);
        var view = await ViewOfAsync(context, ev, mine, outcome, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        gate?.Dispose();
        if (promoted is not null)
        {
            logger.LogInformation("Event {EventId}: a cancellation gave the first waitlisted person ({ObjectId}) a seat", eventId, promoted.ObjectId);
            try
            {
                // Told now; the job scheduled before the transaction is the safety net.
                await jobs.ScheduleOnceAsync<EventPromotionNoticeJob>($"{eventId}:{Guid.NewGuid():N}", now,
                    new Dictionary<string, string> { [EventPromotionNoticeJob.EventIdKey] = eventId }, CancellationToken.None);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Event {EventId}: seat notice not scheduled now ({Error}); the safety job sends it", eventId, e.GetType().Name);
            }
        }
        return view;
    }

    private static async Task<RsvpView> ViewOfAsync(TeamsBotDbContext context, TrainingEvent ev, EventRegistration? mine, RsvpOutcome outcome, CancellationToken cancellationToken)
    {
        var registrations = context.Set<EventRegistration>().AsNoTracking().Where(r => r.EventId == ev.Id);
        var taken = await registrations.CountAsync(r => r.State == RsvpState.Registered, cancellationToken);
        var position = 0;
        if (mine is { State: RsvpState.Waitlisted })
        {
            var at = mine.RequestedAt;
            var id = mine.Id;
            position = 1 + await registrations.CountAsync(r => r.State == RsvpState.Waitlisted && (r.RequestedAt < at || r.RequestedAt == at && r.Id < id), cancellationToken);
        }
        return new RsvpView(ev, mine?.State, Math.Max(0, ev.Capacity - taken), position, outcome);
    }

    /// <summary>Everyone who answered, registered first then the waitlist in order, then cancellations.</summary>
    public async Task<IReadOnlyList<AttendeeRow>> AttendeesAsync(string eventId, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var rows = await context.Set<EventRegistration>().AsNoTracking().Where(r => r.EventId == eventId)
            .Select(r => new { r.ObjectId, r.Name, r.State, r.RequestedAt, r.Attended, r.Id }).ToListAsync(cancellationToken);
        static int Rank(string state) => state switch { RsvpState.Registered => 0, RsvpState.Waitlisted => 1, _ => 2 };
        var waiting = 0;
        return rows.OrderBy(r => Rank(r.State)).ThenBy(r => r.RequestedAt).ThenBy(r => r.Id)
            .Select(r => new AttendeeRow(r.ObjectId, r.Name, r.State, r.RequestedAt, r.Attended, r.State == RsvpState.Waitlisted ? ++waiting : 0)).ToList();
    }

    /// <summary>Marks who attended (or not); returns how many registrations were marked (people who never registered are ignored).</summary>
    public async Task<int> MarkAttendanceAsync(string eventId, IReadOnlyCollection<string> objectIds, bool attended, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var registered = context.Set<EventRegistration>().Where(r => r.EventId == eventId && r.State == RsvpState.Registered && objectIds.Contains(r.ObjectId));
        // Adoption counts a person's attendance once: those marked now who were not already.
        var newlyAttended = attended
            ? await registered.Where(r => r.Attended != true).Select(r => new { r.ObjectId, r.TenantId }).ToListAsync(cancellationToken)
            : [];
        var marked = await registered.ExecuteUpdateAsync(x => x.SetProperty(r => r.Attended, attended).SetProperty(r => r.UpdatedAt, now), cancellationToken);
        foreach (var person in newlyAttended) insights.Record(Insights.InsightKind.EventAttended, new UserKey(person.ObjectId, person.TenantId), subject: eventId);
        return marked;
    }

    /// <summary>
    /// A message from the coach to everyone registered (and, if asked, the waitlist): a campaign whose recipients are exactly
    /// those registrations, in whatever tenant each person is, sent now (the audience is people who signed up; no approval)
    /// and followed in <c>/api/campaigns/{id}</c>.
    /// </summary>
    public async Task<CampaignResult> MessageAttendeesAsync(TrainingEvent ev, string title, string body, bool includeWaitlist, CampaignCaller caller, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var people = await Registrants(context, ev.Id, includeWaitlist).CountAsync(cancellationToken);
        if (people == 0) return new CampaignResult(false, 422, "Nobody is registered yet.");
        var campaign = await campaigns.CreateAsync(new CampaignDefinition
        {
            Kind = CampaignKinds.Announcement,
            Title = title,
            Body = body,
            Audience = new CampaignAudience { Type = "users", Users = [] },
        }, caller, cancellationToken, $"{AttendeeMessageContent.Scheme_}:{ev.Id}{(includeWaitlist ? "/waitlist" : "")}");
        await campaigns.StartPlannedAsync(campaign.Id, people, cancellationToken);
        return CampaignResult.Done((await campaigns.FindAsync(campaign.Id, cancellationToken))!);
    }

    private static IQueryable<EventRegistration> Registrants(TeamsBotDbContext context, string eventId, bool includeWaitlist) =>
        context.Set<EventRegistration>().AsNoTracking()
            .Where(r => r.EventId == eventId && (r.State == RsvpState.Registered || includeWaitlist && r.State == RsvpState.Waitlisted));

    /// <summary>The people a message to an event's registrants goes to.</summary>
    public async IAsyncEnumerable<(string ObjectId, string TenantId)> RegistrantsAsync(string eventId, bool includeWaitlist,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        await foreach (var r in Registrants(context, eventId, includeWaitlist).OrderBy(r => r.Id).Select(r => new { r.ObjectId, r.TenantId })
                           .AsAsyncEnumerable().WithCancellation(cancellationToken))
            yield return (r.ObjectId, r.TenantId);
    }

    /// <summary>
    /// Upcoming events a person may see: those they were invited to (their invite's campaign reached them) or answered, in
    /// whatever tenant the organiser is (agencies may have their own tenants); coaches see every upcoming event.
    /// </summary>
    public async Task<IReadOnlyList<TrainingEvent>> UpcomingForAsync(string objectId, bool coach, int take, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var upcoming = await context.Set<TrainingEvent>().AsNoTracking().Where(e => e.EndsAt > now)
            .OrderBy(e => e.StartsAt).Take(200).ToListAsync(cancellationToken);
        if (coach) return upcoming.Take(take).ToList();
        var ids = upcoming.Select(e => e.Id).ToList();
        var answered = (await context.Set<EventRegistration>().AsNoTracking().Where(r => r.ObjectId == objectId && ids.Contains(r.EventId))
            .Select(r => r.EventId).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var invited = await ledger.CampaignsReachingAsync(objectId, [.. upcoming.Where(e => e.CampaignId != null).Select(e => e.CampaignId!)], cancellationToken);
        return upcoming.Where(e => answered.Contains(e.Id) || e.CampaignId is { } c && invited.Contains(c)).Take(take).ToList();
    }

    private static string? Cut(string? text, int max) => text is { Length: > 0 } && text.Length > max ? text[..max] : text;
}
