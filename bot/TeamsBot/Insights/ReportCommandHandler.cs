using TeamsBot.Agencies;
using TeamsBot.Cards;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Insights;

/// <summary>
/// <c>report</c> (last full week), <c>report this week</c>, <c>report 2026-11-23</c> (the week holding that date): the adoption
/// card. Admins see every agency; coaches the agencies they coach. The route requires the Coach role (admins hold it too).
/// </summary>
internal sealed class ReportCommandHandler(InsightsService insights, IDirectoryRoles roles, IAgencyRegistry registry, CardLibrary cards, TimeProvider time) : ITurnHandler
{
    public const string Command = "report";
    /// <summary>Agencies listed on the card (the largest); the CSV export has them all.</summary>
    public const int MaxAgenciesOnCard = 12;

    public async Task HandleAsync(ITurnContext context, CancellationToken cancellationToken)
    {
        var argument = context.Text.Trim().Length > Command.Length ? context.Text.Trim()[Command.Length..].Trim().ToLowerInvariant() : "";
        DateOnly week;
        if (argument is "") week = insights.LastFullWeek();
        else if (argument is "this week" or "now") week = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        else if (argument is "last week") week = insights.LastFullWeek();
        else if (!InsightsExtensions.TryDate(argument, out week))
        {
            await context.SendActivityAsync(Activity.Message(
                "I did not understand that week. Try **report** (last full week), **report this week**, or **report 2026-11-23** (the week holding that date)."), cancellationToken);
            return;
        }
        if (UserKey.Of(context.Activity) is not { } user) return;
        var held = await roles.GetRolesAsync(user, cancellationToken);
        IReadOnlyCollection<string>? agencies = null;
        string scope;
        if (held.IsAdmin) scope = "All agencies";
        else
        {
            agencies = held.CoachOf;
            var names = (await registry.ListAsync(cancellationToken)).Where(a => held.CanCoach(a.Id)).Select(a => a.Name).ToList();
            scope = names.Count == 1 ? names[0] : $"Your {names.Count} agencies";
        }
        var report = await insights.ReportAsync(week, agencies, scope, cancellationToken);
        await context.SendActivityAsync(Activity.Message() with
        {
            Attachments = [Attachment.AdaptiveCard(cards.Bind(ToCard(report), context.Activity.Locale))],
            Summary = $"Adoption report, week of {report.Week:yyyy-MM-dd}",
        }, cancellationToken);
    }

    public static AdoptionReportCardData ToCard(AdoptionReport r)
    {
        var t = r.Totals;
        var listed = r.Agencies.OrderByDescending(a => a.Figures.Enrolled).ThenBy(a => a.Name, StringComparer.Ordinal).Take(MaxAgenciesOnCard).ToList();
        var scope = r.Agencies.Count > listed.Count ? $"{r.Scope} ({listed.Count} largest of {r.Agencies.Count} shown; the CSV export has all)" : r.Scope;
        static DateTimeOffset Utc(DateOnly d) => new(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return new AdoptionReportCardData(
            scope, Utc(r.Week), Utc(r.WeekEnd), t.Enrolled, t.ActiveUsers, t.ActivePercent, t.Questions, t.QuestionsPerActive, t.SatisfactionPercent,
            t.MedianMinutes, t.MeanMinutes, t.AgreePercent, t.NudgesDelivered, t.NudgeEngagementPercent, t.LessonsCompleted, t.EventSignups,
            t.EventAttended, t.BroadcastReached, t.BroadcastRead, t.ResearchReports, r.HiddenGroups, r.MinGroupSize, r.Reference.MinutesPerDay,
            r.Reference.PositivePercent, r.GeneratedAt,
            listed.Select(a => new AgencyAdoption(a.Name, a.Figures.Enrolled, a.Figures.ActiveUsers, a.Figures.ActivePercent, a.Figures.QuestionsPerActive,
                a.Figures.SatisfactionPercent, a.Figures.MedianMinutes)).ToList(),
            r.Trend.Select(w => new WeeklyActive(Utc(w.Week), w.ActiveUsers)).ToList());
    }
}
