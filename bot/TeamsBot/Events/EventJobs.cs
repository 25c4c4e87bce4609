using Microsoft.EntityFrameworkCore;
using Quartz;
using TeamsBot.Conversations;
using TeamsBot.Storage;

namespace TeamsBot.Events;

/// <summary>
/// Reminds everyone registered, <c>Events:FirstReminder</c> and <c>Events:SecondReminder</c> before the start. Durable: it fires
/// once across replicas and, if the bot was down at its time, as soon as it is back (unless the event has started). Each
/// person is claimed (their reminder time written) before their message goes out, so a re-run after a crash skips everyone
/// already reminded: nobody gets one reminder twice.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class EventReminderJob(
    IDbContextFactory<TeamsBotDbContext> db, IProactiveMessenger messenger, EventCards cards, TimeProvider time, ILogger<EventReminderJob> logger) : IJob
{
    public const string EventIdKey = "eventId", WhichKey = "which", First = "first", Second = "second";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var eventId = context.MergedJobDataMap.GetString(EventIdKey)!;
        var first = context.MergedJobDataMap.GetString(WhichKey) == First;
        await using var data = await db.CreateDbContextAsync(cancellationToken);
        var ev = await data.Set<TrainingEvent>().AsNoTracking().FirstOrDefaultAsync(e => e.Id == eventId, cancellationToken);
        if (ev is null || ev.Status != EventStatus.Open || time.GetUtcNow() >= ev.StartsAt) return;
        var registrations = data.Set<EventRegistration>().Where(r => r.EventId == eventId && r.State == RsvpState.Registered);
        var people = await (first ? registrations.Where(r => r.FirstReminderAt == null) : registrations.Where(r => r.SecondReminderAt == null))
            .AsNoTracking().Select(r => new { r.Id, r.ObjectId, r.TenantId, r.Locale }).ToListAsync(cancellationToken);
        int sent = 0, unreachable = 0;
        foreach (var person in people)
        {
            var now = time.GetUtcNow();
            var claim = data.Set<EventRegistration>().Where(r => r.Id == person.Id && r.State == RsvpState.Registered);
            var claimed = first
                ? await claim.Where(r => r.FirstReminderAt == null).ExecuteUpdateAsync(x => x.SetProperty(r => r.FirstReminderAt, now), cancellationToken)
                : await claim.Where(r => r.SecondReminderAt == null).ExecuteUpdateAsync(x => x.SetProperty(r => r.SecondReminderAt, now), cancellationToken);
            if (claimed == 0) continue; // cancelled meanwhile, or reminded by an earlier run
            try
            {
                if (await messenger.SendToUserAsync(person.TenantId, person.ObjectId, cards.Reminder(ev, person.Locale), cancellationToken) is null) unreachable++;
                else sent++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                unreachable++;
                logger.LogWarning("Event {EventId}: reminder to {ObjectId} not delivered ({Error})", eventId, person.ObjectId, e.GetType().Name);
            }
        }
        logger.LogInformation("Event {EventId}: {Which} reminder sent to {Sent} people ({Unreachable} unreachable)", eventId, first ? First : Second, sent, unreachable);
    }
}

/// <summary>
/// Tells the people a cancellation gave a seat (everyone of the event promoted and not yet told; each notice claimed before it
/// is sent, so once). Scheduled right after the cancellation, and again a minute later as a safety net.
/// </summary>
internal sealed class EventPromotionNoticeJob(
    IDbContextFactory<TeamsBotDbContext> db, EventService events, IProactiveMessenger messenger, EventCards cards, TimeProvider time, ILogger<EventPromotionNoticeJob> logger) : IJob
{
    public const string EventIdKey = "eventId";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var eventId = context.MergedJobDataMap.GetString(EventIdKey)!;
        await using var data = await db.CreateDbContextAsync(cancellationToken);
        var pending = await data.Set<EventRegistration>().AsNoTracking()
            .Where(r => r.EventId == eventId && r.State == RsvpState.Registered && r.PromotedAt != null && r.PromotionNoticeAt == null)
            .Select(r => r.Id).ToListAsync(cancellationToken);
        foreach (var id in pending)
        {
            var now = time.GetUtcNow();
            var claimed = await data.Set<EventRegistration>()
                .Where(r => r.Id == id && r.State == RsvpState.Registered && r.PromotedAt != null && r.PromotionNoticeAt == null)
                .ExecuteUpdateAsync(x => x.SetProperty(r => r.PromotionNoticeAt, now), cancellationToken);
            if (claimed == 0) continue;
            var person = await data.Set<EventRegistration>().AsNoTracking().FirstAsync(r => r.Id == id, cancellationToken);
            if (await events.ViewAsync(eventId, person.ObjectId, cancellationToken) is not { } view) return;
            try
            {
                if (await messenger.SendToUserAsync(person.TenantId, person.ObjectId, cards.Promotion(view, person.Locale), cancellationToken) is null)
                    logger.LogInformation("Event {EventId}: {ObjectId} got a seat but has no chat with the bot to be told", eventId, person.ObjectId);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Event {EventId}: seat notice to {ObjectId} not delivered ({Error})", eventId, person.ObjectId, e.GetType().Name);
            }
        }
    }
}
