using TeamsBot.Agencies;
using TeamsBot.Insights;
using Microsoft.EntityFrameworkCore;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Storage;

namespace TeamsBot.Answers;

/// <summary>
/// <c>message/submitAction</c> with <c>actionName: feedback</c> (value bound by the host): stores the reaction and answers
/// 200 with an empty body (Teams shows its own "thanks" toast). Other submit actions are not ours: 200, nothing stored.
/// A feedback value that is not a like or dislike gets 400.
/// </summary>
internal sealed class FeedbackHandler(
    IDbContextFactory<TeamsBotDbContext> db, IAnswerContextProvider contexts, ContentGuard guard, IInsightRecorder insights, TimeProvider time, ILogger<FeedbackHandler> logger)
    : IInvokeHandler<MessageSubmitActionValue>
{
    public async Task<InvokeResponse> HandleAsync(ITurnContext context, MessageSubmitActionValue value, CancellationToken cancellationToken)
    {
        if (!string.Equals(value.ActionName, MessageSubmitActionValue.Feedback, StringComparison.Ordinal))
        {
            logger.LogInformation("message/submitAction {ActionName} is not feedback: ignored", value.ActionName.Length > 32 ? value.ActionName[..32] : value.ActionName);
            return InvokeResponse.Ok();
        }
        if (Interpret(value) is not { } vote) return InvokeResponse.BadRequest("feedback needs actionValue.reaction \"like\" or \"dislike\".");
        var (reaction, comment) = vote;
        if (comment is not null && guard.Check(comment).Blocked) comment = null;

        var activity = context.Activity;
        var who = await contexts.GetAsync(activity, cancellationToken);
        var raterKey = RaterKeyOf(activity);
        await using var ctx = await db.CreateDbContextAsync(cancellationToken);
        // A person who changes their vote on the same answer replaces it: the satisfaction figure counts people, not clicks.
        var feedback = activity.ReplyToId is { } messageId && raterKey is not null
            ? await ctx.Set<AnswerFeedback>().FirstOrDefaultAsync(f => f.MessageId == messageId && f.RaterKey == raterKey, cancellationToken)
            : null;
        var previous = feedback?.Reaction;
        if (feedback is null)
        {
            feedback = new AnswerFeedback { Reaction = reaction, MessageId = activity.ReplyToId, RaterKey = raterKey };
            ctx.Add(feedback);
        }
        feedback.ConversationId = activity.Conversation?.Id;
        feedback.TenantId = activity.TenantId;
        feedback.AgencyId = who.AgencyId;
        feedback.AgencyName = who.AgencyName;
        feedback.Reaction = reaction;
        feedback.Comment = comment is { Length: > 2000 } ? comment[..2000] : comment;
        feedback.CreatedAtUtc = time.GetUtcNow().UtcDateTime;
        try
        {
            await ctx.SaveChangesAsync(cancellationToken);
            if (previous != reaction && UserKey.Of(activity) is { } user)
            {
                // A changed vote withdraws the old one, so likes ÷ rated counts each person's last word on an answer.
                if (previous is not null) insights.Record(InsightKind.RatingWithdrawn, user, who.AgencyId, Score(previous));
                insights.Record(InsightKind.Rated, user, who.AgencyId, Score(reaction));
            }
        }
        catch (DbUpdateException)
        {
            // The same person's double click raced its twin: one vote is stored, which is the point.
            logger.LogInformation("Duplicate feedback for one message ignored");
        }
        return InvokeResponse.Ok();
    }

    private static int Score(string reaction) => reaction == "like" ? 1 : -1;

    /// <summary>The vote in a feedback action: reaction like/dislike and the comment typed, if any; null when it is not a vote.</summary>
    internal static (string Reaction, string? Comment)? Interpret(MessageSubmitActionValue value) =>
        InvokeBinding.TryBind<FeedbackActionValue>(value.ActionValue, out var feedback, out _) && feedback.Reaction is "like" or "dislike"
            ? (feedback.Reaction, feedback.Feedback?.FeedbackText)
            : null;

    internal static string? RaterKeyOf(Activity activity)
    {
        var user = activity.From?.AadObjectId ?? activity.From?.Id;
        if (string.IsNullOrEmpty(user)) return null;
        return StorageKeys.Hash($"{activity.TenantId}|{user}");
    }
}
