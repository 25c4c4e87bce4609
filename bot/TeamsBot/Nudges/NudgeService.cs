using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TeamsBot.Agencies;
using TeamsBot.Broadcasts;
using TeamsBot.Conversations;
using TeamsBot.Storage;

namespace TeamsBot.Nudges;

/// <summary>A person's nudge settings and progress, as <c>nudges</c> shows them.</summary>
public sealed record NudgeSettings(
    bool Enabled, DateTimeOffset? StoppedAt, DateTimeOffset? SnoozedUntil, string TimeZone, int MaxPerWeek, int SentLastWeek,
    int LessonsSent, int LessonsTried, int LessonCount, string? NextLesson, IReadOnlyList<DayOfWeek> WorkingDays, TimeOnly WorkingHoursStart,
    TimeOnly WorkingHoursEnd, string QuietHours);

/// <summary>What one planning run did.</summary>
public sealed record PlanRun(int People, int Planned, IReadOnlyDictionary<NudgeSkip, int> Skipped, IReadOnlyList<string> Campaigns);

/// <summary>Reach and completion of one lesson in one agency.</summary>
public sealed record LessonReach(string ProgramId, string LessonId, string Title, string AgencyId, int Sent, int Tried);

/// <summary>
/// The training program: settings people change (Stop, Snooze, <c>nudges on</c>), completions, and the planning run that
/// hands due lessons to the broadcast fan-out (one campaign per lesson per run; its recipients are the rows planned here).
/// </summary>
public sealed class NudgeService(
    IDbContextFactory<TeamsBotDbContext> db, CurriculumSource curriculum, IAgencyDirectory directory, IAgencyRegistry registry,
    CampaignService campaigns, IOptions<NudgesOptions> options, TimeProvider time, ILogger<NudgeService> logger) : IRecipientOptOuts
{
    public const string ReferenceScheme = "nudge";
    public const string SurveyScheme = "survey";

    public async Task StopAsync(string tenantId, string objectId, CancellationToken cancellationToken) =>
        await UpdateAsync(tenantId, objectId, p => p.StoppedAt ??= time.GetUtcNow(), cancellationToken);

    public async Task<DateTimeOffset> SnoozeAsync(string tenantId, string objectId, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + options.Value.SnoozeFor;
        await UpdateAsync(tenantId, objectId, p => p.SnoozedUntil = until, cancellationToken);
        return until;
    }

    /// <summary>
    /// Coaches' training-nudge broadcasts honour Stop and Snooze like the planner's lessons ("you won't get more"): people
    /// who stopped or snoozed tips are taken out of the campaign's ledger before it is sent.
    /// </summary>
    public async Task<int> WithdrawAsync(Campaign campaign, CancellationToken cancellationToken)
    {
        // The planner's own lessons and surveys (campaigns with a reference) were planned with Stop and Snooze already applied.
        if (campaign.Kind != CampaignKinds.Nudge || campaign.Reference is not null) return 0;
        var now = time.GetUtcNow();
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var preferences = context.Set<NudgePreference>();
        return await context.Set<Delivery>()
            .Where(d => d.CampaignId == campaign.Id && d.State == DeliveryState.Queued
                        && preferences.Any(p => p.ObjectId == d.ObjectId && p.TenantId == d.TenantId && (p.StoppedAt != null || p.SnoozedUntil > now)))
            .ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary><c>nudges on</c>: clears Stop and Snooze.</summary>
    public async Task ResumeAsync(string tenantId, string objectId, CancellationToken cancellationToken) =>
        await UpdateAsync(tenantId, objectId, p => { p.StoppedAt = null; p.SnoozedUntil = null; }, cancellationToken);

    public async Task RecordFeatureAsync(string tenantId, string objectId, string feature, CancellationToken cancellationToken)
    {
        await using (var context = await db.CreateDbContextAsync(cancellationToken))
        {
            // Already known (every later use of the feature): a read, no write.
            var known = await context.Set<NudgePreference>().AsNoTracking().Where(p => p.ObjectId == objectId).Select(p => p.Features).FirstOrDefaultAsync(cancellationToken);
            if (known is not null && known.Split(' ').Contains(feature, StringComparer.OrdinalIgnoreCase)) return;
        }
        await UpdateAsync(tenantId, objectId, p =>
        {
            var features = p.Features.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (features.Add(feature)) p.Features = string.Join(' ', features.Order(StringComparer.Ordinal));
        }, cancellationToken);
    }

    private async Task UpdateAsync(string tenantId, string objectId, Action<NudgePreference> change, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var preference = await context.Set<NudgePreference>().FirstOrDefaultAsync(p => p.ObjectId == objectId, cancellationToken);
            if (preference is null)
            {
                preference = new NudgePreference { ObjectId = objectId, TenantId = tenantId };
                context.Add(preference);
            }
            change(preference);
            preference.UpdatedAt = time.GetUtcNow();
            try
            {
                await context.SaveChangesAsync(cancellationToken);
                return;
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // Two clicks created the row at once: apply the change to the stored row.
                context.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>They tried a lesson (its question arrived in their chat); false when it was not sent to them or already tried.</summary>
    public async Task<bool> CompleteAsync(string objectId, string programId, string lessonId, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        return await context.Set<NudgeDelivery>()
            .Where(d => d.ObjectId == objectId && d.Kind == NudgePlanner.LessonKind && d.ProgramId == programId && d.ItemId == lessonId && d.CompletedAt == null)
            .ExecuteUpdateAsync(x => x.SetProperty(d => d.CompletedAt, now), cancellationToken) == 1;
    }

    public async Task<NudgeSettings> SettingsAsync(string tenantId, string objectId, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var planner = curriculum.Planner;
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var preference = await context.Set<NudgePreference>().AsNoTracking().FirstOrDefaultAsync(p => p.ObjectId == objectId, cancellationToken);
        var past = await context.Set<NudgeDelivery>().AsNoTracking().Where(d => d.ObjectId == objectId).ToListAsync(cancellationToken);
        var user = await directory.ResolveAsync(new UserKey(objectId, tenantId), cancellationToken);
        var now = time.GetUtcNow();
        var lessons = past.Where(d => d.Kind == NudgePlanner.LessonKind && d.ProgramId == planner.Curriculum.Id).ToList();
        var next = planner.Curriculum.Lessons.Where(l => l.When is null).FirstOrDefault(l => lessons.All(d => d.ItemId != l.Id));
        return new NudgeSettings(o.Enabled, preference?.StoppedAt, preference?.SnoozedUntil is { } s && s > now ? s : null, planner.ZoneOf(user.TimeZone).Id,
            o.MaxPerWeek, past.Count(d => d.PlannedAt > now.AddDays(-7)), lessons.Count, lessons.Count(d => d.CompletedAt is not null),
            planner.Curriculum.Lessons.Count, next?.Title, o.Days(), o.WorkingHoursStart, o.WorkingHoursEnd, o.QuietHours);
    }

    /// <summary>Who got each lesson and who tried it, per agency (groups smaller than <c>Nudges:MinGroupSize</c> are not shown).</summary>
    public async Task<IReadOnlyList<LessonReach>> ReachAsync(CancellationToken cancellationToken)
    {
        var current = curriculum.Planner.Curriculum;
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        var rows = await context.Set<NudgeDelivery>().AsNoTracking().Where(d => d.Kind == NudgePlanner.LessonKind)
            .GroupBy(d => new { d.ProgramId, d.ItemId, d.AgencyId })
            .Select(g => new { g.Key.ProgramId, g.Key.ItemId, g.Key.AgencyId, Sent = g.Count(), Tried = g.Count(d => d.CompletedAt != null) })
            .ToListAsync(cancellationToken);
        return rows.Where(r => r.Sent >= options.Value.MinGroupSize)
            .Select(r => new LessonReach(r.ProgramId, r.ItemId, current.Id == r.ProgramId ? current.Find(r.ItemId)?.Title ?? r.ItemId : r.ItemId, r.AgencyId, r.Sent, r.Tried))
            .OrderBy(r => r.ProgramId, StringComparer.Ordinal).ThenBy(r => current.Lessons.ToList().FindIndex(l => l.Id == r.LessonId)).ThenBy(r => r.AgencyId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// One planning run: every person with the app (a 1:1 chat with the bot), a page at a time, through the planner; the
    /// due lessons become one campaign each, whose recipients are stored here before it starts. Runs on one replica at a
    /// time (a durable recurring job); a run that died between storing recipients and starting its campaign is finished by the next.
    /// </summary>
    public async Task<PlanRun> PlanAsync(CancellationToken cancellationToken)
    {
        var started = await StartStrandedAsync(cancellationToken);
        var planner = curriculum.Planner;
        var now = time.GetUtcNow();
        var windows = (await registry.ListAsync(cancellationToken)).ToDictionary(a => a.Id, a => (IReadOnlyDictionary<string, DateTimeOffset>)a.Entitlements
            .Where(e => e.Start <= now && now < e.End).GroupBy(e => e.Feature, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Max(e => e.End), StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);
        var due = new Dictionary<string, List<NudgeDelivery>>(StringComparer.Ordinal);
        var skipped = new Dictionary<NudgeSkip, int>();
        var campaignIds = new List<string>(started);
        var people = 0;
        string? after = null;
        while (true)
        {
            await using var context = await db.CreateDbContextAsync(cancellationToken);
            var page = await context.Set<ConversationRecord>().AsNoTracking()
                .Where(c => c.Scope == Protocol.Activities.ConversationTypes.Personal && c.Installed && c.AadObjectId != null && c.TenantId != null
                            && (after == null || string.Compare(c.AadObjectId!, after) > 0))
                .GroupBy(c => new { c.AadObjectId, c.TenantId })
                .Select(g => new { ObjectId = g.Key.AadObjectId!, TenantId = g.Key.TenantId!, InstalledAt = g.Min(c => c.FirstSeenAt), LastActiveAt = g.Max(c => c.LastSeenAt) })
                .OrderBy(x => x.ObjectId).Take(options.Value.PageSize).ToListAsync(cancellationToken);
            if (page.Count == 0) break;
            after = page[^1].ObjectId;
            var ids = page.Select(p => p.ObjectId).ToList();
            var preferences = await context.Set<NudgePreference>().AsNoTracking().Where(p => ids.Contains(p.ObjectId)).ToDictionaryAsync(p => p.ObjectId, cancellationToken);
            var past = (await context.Set<NudgeDelivery>().AsNoTracking().Where(d => ids.Contains(d.ObjectId))
                    .Select(d => new { d.ObjectId, d.Kind, d.ProgramId, d.ItemId, d.PlannedAt, d.CompletedAt }).ToListAsync(cancellationToken))
                // Lessons of another program (the curriculum's id changed) count for the cap but never stand for a lesson of this one.
                // (Surveys are not a program's: their ids, the week, stand as they are.)
                .ToLookup(d => d.ObjectId, d => new PastNudge(d.Kind, d.Kind == NudgePlanner.SurveyKind || d.ProgramId == planner.Curriculum.Id ? d.ItemId : $"{d.ProgramId}/{d.ItemId}", d.PlannedAt, d.CompletedAt));
            foreach (var person in page)
            {
                people++;
                var user = await directory.ResolveAsync(new UserKey(person.ObjectId, person.TenantId), cancellationToken);
                if (user.IsDisabled || user.IsDeleted) continue;
                preferences.TryGetValue(person.ObjectId, out var preference);
                var decision = planner.Decide(new Learner
                {
                    ObjectId = person.ObjectId,
                    AgencyId = user.AgencyId,
                    TimeZone = user.TimeZone,
                    InstalledAt = person.InstalledAt,
                    LastActiveAt = person.LastActiveAt,
                    FeaturesUsed = (preference?.Features ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase),
                    StoppedAt = preference?.StoppedAt,
                    SnoozedUntil = preference?.SnoozedUntil,
                    Past = [.. past[person.ObjectId]],
                    OpenWindowsEnd = windows.GetValueOrDefault(user.AgencyId) ?? new Dictionary<string, DateTimeOffset>(),
                }, now);
                if (!decision.Sends)
                {
                    skipped[decision.Skip] = skipped.GetValueOrDefault(decision.Skip) + 1;
                    continue;
                }
                var (kind, programId, itemId) = decision.SurveyWeek is { } week
                    ? (NudgePlanner.SurveyKind, NudgePlanner.SurveyKind, NudgePlanner.SurveyId(week))
                    : (NudgePlanner.LessonKind, planner.Curriculum.Id, decision.Lesson!.Id);
                var key = $"{kind}/{itemId}";
                if (!due.TryGetValue(key, out var list)) due[key] = list = [];
                list.Add(new NudgeDelivery
                {
                    ObjectId = person.ObjectId, TenantId = person.TenantId, AgencyId = user.AgencyId, Kind = kind,
                    ProgramId = programId, ItemId = itemId, CampaignId = "", PlannedAt = now,
                });
            }
        }
        foreach (var recipients in due.Values)
            campaignIds.Add(recipients[0].Kind == NudgePlanner.SurveyKind
                ? await LaunchSurveyAsync(recipients[0].ItemId, recipients, cancellationToken)
                : await LaunchAsync(planner.Curriculum, planner.Curriculum.Find(recipients[0].ItemId)!, recipients, cancellationToken));
        var planned = due.Values.Sum(l => l.Count);
        logger.LogInformation("Nudge plan: {People} people, {Planned} nudges due in {Campaigns} campaigns; skipped {Skipped}", people, planned, due.Count,
            string.Join(", ", skipped.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}")));
        return new PlanRun(people, planned, skipped, campaignIds);
    }

    /// <summary>The lesson's campaign: drafted, its recipients stored (the rows that make each lesson go to a person once), then started.</summary>
    private Task<string> LaunchAsync(Curriculum program, Lesson lesson, List<NudgeDelivery> recipients, CancellationToken cancellationToken) =>
        LaunchAsync(lesson.Title, lesson.Body, $"{ReferenceScheme}:{program.Id}/{lesson.Id}", $"Training program {program.Name}: {recipients.Count} people due for this lesson",
            recipients, cancellationToken);

    /// <summary>The weekly survey's campaign (reference <c>survey:{monday}</c>), planned like a lesson.</summary>
    private Task<string> LaunchSurveyAsync(string surveyId, List<NudgeDelivery> recipients, CancellationToken cancellationToken) =>
        LaunchAsync("Weekly check-in: time saved", "About how many minutes did the assistant save you on a typical day this week?",
            $"{SurveyScheme}:{surveyId}", $"Weekly time-saved survey, week of {surveyId}: {recipients.Count} people", recipients, cancellationToken);

    private async Task<string> LaunchAsync(string title, string body, string reference, string note, List<NudgeDelivery> recipients, CancellationToken cancellationToken)
    {
        var campaign = await campaigns.CreatePlannedAsync(new CampaignDefinition
        {
            Kind = CampaignKinds.Nudge,
            Title = title,
            Body = body,
            Audience = new CampaignAudience { Type = "users", Users = [] },
        }, reference, note, cancellationToken);
        await using (var context = await db.CreateDbContextAsync(cancellationToken))
        {
            foreach (var r in recipients) r.CampaignId = campaign.Id;
            context.AddRange(recipients);
            await context.SaveChangesAsync(cancellationToken);
        }
        await campaigns.StartPlannedAsync(campaign.Id, recipients.Count, cancellationToken);
        return campaign.Id;
    }

    /// <summary>Campaigns a run drafted and stored recipients for, but did not start (the replica stopped): started now.</summary>
    private async Task<IReadOnlyList<string>> StartStrandedAsync(CancellationToken cancellationToken)
    {
        var stranded = (await campaigns.PlannedDraftsAsync(ReferenceScheme + ":", cancellationToken))
            .Concat(await campaigns.PlannedDraftsAsync(SurveyScheme + ":", cancellationToken)).ToList();
        foreach (var id in stranded)
        {
            await using var context = await db.CreateDbContextAsync(cancellationToken);
            var count = await context.Set<NudgeDelivery>().CountAsync(d => d.CampaignId == id, cancellationToken);
            await campaigns.StartPlannedAsync(id, count, cancellationToken);
            logger.LogInformation("Nudge campaign {CampaignId} left unstarted by an earlier run: started ({Count} people)", id, count);
        }
        return stranded;
    }

    /// <summary>The recipients a planning run stored for a nudge campaign (the fan-out builds its ledger from them).</summary>
    public async IAsyncEnumerable<DirectoryUser> RecipientsAsync(string campaignId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken);
        await foreach (var d in context.Set<NudgeDelivery>().AsNoTracking().Where(d => d.CampaignId == campaignId).OrderBy(d => d.Id)
                           .Select(d => new { d.ObjectId, d.TenantId, d.AgencyId }).AsAsyncEnumerable().WithCancellation(cancellationToken))
            yield return new DirectoryUser { ObjectId = d.ObjectId, TenantId = d.TenantId, AgencyId = d.AgencyId };
    }
}
