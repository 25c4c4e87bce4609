using System.Globalization;
using Microsoft.EntityFrameworkCore;
using TeamsBot.Agencies;
using TeamsBot.Broadcasts;
using TeamsBot.Cards;
using TeamsBot.Insights;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Storage;

namespace TeamsBot.Nudges;

/// <summary>The weekly survey campaigns' content (<c>survey:{monday}</c>): the survey card, to the people the planner stored.</summary>
public sealed class SurveyContent(CardLibrary cards, NudgeService nudges) : ICampaignContent
{
    public string Scheme => NudgeService.SurveyScheme;

    public Task<Activity?> RecipientMessageAsync(Campaign campaign, string id, CancellationToken cancellationToken) =>
        Task.FromResult<Activity?>(Activity.Message() with
        {
            Attachments = [Attachment.AdaptiveCard(cards.Bind(new TimeSavedSurveyCardData(id, WeekOf: SurveyAnswerHandler.WeekOf(id))))],
            Summary = "Quick question: how much time did the assistant save you this week?",
        });

    public IAsyncEnumerable<DirectoryUser> PlannedRecipients(Campaign campaign, string id, CancellationToken cancellationToken) =>
        nudges.RecipientsAsync(campaign.Id, cancellationToken);
}

/// <summary>The survey card's inputs as Teams sends them (strings), with the card's <c>surveyId</c>.</summary>
public sealed record SurveyAnswerData(string? SurveyId, string? MinutesSaved = null, string? Quality = null, string? Effort = null, string? Speed = null);

/// <summary>
/// <c>survey.timeSaved</c>: one answer per person and week, from people the survey was sent to. The answer is stored as
/// adoption events (minutes and three 1–5 agreements, counted in the week asked about) and the card thanks them; a second
/// answer to the same week changes nothing.
/// </summary>
internal sealed class SurveyAnswerHandler(IDbContextFactory<TeamsBotDbContext> db, IInsightRecorder insights, CardLibrary cards, TimeProvider time)
    : ICardActionHandler<SurveyAnswerData>
{
    public async Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<SurveyAnswerData> action, CancellationToken cancellationToken)
    {
        var a = context.Activity;
        if (UserKey.Of(a) is not { AadObjectId: var objectId } user)
            return AdaptiveCardInvokeResponse.Message("Teams did not say who you are, so nothing was recorded.");
        var d = action.Data;
        if (d.SurveyId is not { } surveyId || WeekOf(surveyId) is not { } week)
            return AdaptiveCardInvokeResponse.Message("This survey is no longer valid.");
        if (!int.TryParse(d.MinutesSaved, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) || !TimeSavedSurveyCardData.MinuteChoices.Contains(minutes)
            || Likert(d.Quality) is not { } quality || Likert(d.Effort) is not { } effort || Likert(d.Speed) is not { } speed)
            return AdaptiveCardInvokeResponse.Message("Please choose an answer for every question, then send again.");

        await using var context_ = await db.CreateDbContextAsync(cancellationToken);
        var delivery = await context_.Set<NudgeDelivery>()
            .FirstOrDefaultAsync(n => n.ObjectId == objectId && n.Kind == NudgePlanner.SurveyKind && n.ItemId == surveyId, cancellationToken);
        if (delivery is null) return AdaptiveCardInvokeResponse.Message("This survey was not sent to you, so nothing was recorded.");
        // Answers close a week after the week asked about: the week's figures are then sealed.
        if (InsightCalendar.WeekOf(week) <= InsightCalendar.WeekOf(time.GetUtcNow()) - 2)
            return AdaptiveCardInvokeResponse.Message("This survey has closed, so nothing was recorded. Next week's comes as usual.");

        var recorded = await insights.RecordOnceAsync($"survey:{surveyId}", user, delivery.AgencyId, InsightCalendar.DayOf(DateOnly.FromDateTime(week.UtcDateTime)), null,
            [(InsightKind.SurveyMinutes, minutes), (InsightKind.SurveyQuality, quality), (InsightKind.SurveyEffort, effort), (InsightKind.SurveySpeed, speed)],
            cancellationToken);
        if (recorded && delivery.CompletedAt is null)
        {
            delivery.CompletedAt = time.GetUtcNow();
            await context_.SaveChangesAsync(cancellationToken);
        }
        var card = new TimeSavedSurveyCardData(surveyId, Submitted: true, minutes, quality, effort, speed, WeekOf(surveyId));
        return AdaptiveCardInvokeResponse.Card(cards.Bind(card, a.Locale));
    }

    private static int? Likert(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 5 ? n : null;

    /// <summary>The Monday a survey id names (<c>yyyy-MM-dd</c>), as a UTC date; null when it is not one.</summary>
    public static DateTimeOffset? WeekOf(string surveyId) =>
        DateOnly.TryParseExact(surveyId, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var monday) && monday.DayOfWeek == DayOfWeek.Monday
            ? new DateTimeOffset(monday.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
            : null;
}
