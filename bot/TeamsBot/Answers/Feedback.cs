using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Storage;

namespace TeamsBot.Answers;

/// <summary>A thumbs up/down on an answer: who's agency, when, which message. Never the prompt or the answer.</summary>
public sealed class AnswerFeedback
{
    public long Id { get; set; }
    /// <summary>The rated bot message (the invoke's replyToId).</summary>
    public string? MessageId { get; set; }
    public string? ConversationId { get; set; }
    /// <summary>A one-way hash of who rated (tenant + user id): one vote per person per message, without storing the person.</summary>
    public string? RaterKey { get; set; }
    public string? TenantId { get; set; }
    public string? AgencyId { get; set; }
    public string? AgencyName { get; set; }
    /// <summary>like or dislike.</summary>
    public required string Reaction { get; set; }
    /// <summary>The optional comment the user typed in the feedback form (dropped if it contains protected content).</summary>
    public string? Comment { get; set; }
    public DateTime CreatedAtUtc { get; set; }
}

internal sealed class AnswerFeedbackConfiguration : IEntityTypeConfiguration<AnswerFeedback>
{
    public void Configure(EntityTypeBuilder<AnswerFeedback> e)
    {
        e.ToTable("answer_feedback");
        e.HasKey(f => f.Id);
        e.Property(f => f.MessageId).HasMaxLength(512);
        e.Property(f => f.ConversationId).HasMaxLength(512);
        e.Property(f => f.TenantId).HasMaxLength(64);
        e.Property(f => f.AgencyId).HasMaxLength(128);
        e.Property(f => f.AgencyName).HasMaxLength(256);
        e.Property(f => f.Reaction).HasMaxLength(16);
        e.Property(f => f.Comment).HasMaxLength(2000);
        e.Property(f => f.RaterKey).HasMaxLength(64);
        e.HasIndex(f => new { f.AgencyId, f.CreatedAtUtc });
        e.HasIndex(f => new { f.MessageId, f.RaterKey }).IsUnique().HasFilter("\"MessageId\" IS NOT NULL AND \"RaterKey\" IS NOT NULL");
    }
}

/// <summary>
/// <c>message/submitAction</c> with <c>actionName: feedback</c>: stores the reaction and answers 200 with an empty body
/// (Teams shows its own "thanks" toast).
/// </summary>
internal sealed class FeedbackHandler(
    IDbContextFactory<TeamsBotDbContext> db, IAnswerContextProvider contexts, ContentGuard guard, TimeProvider time, ILogger<FeedbackHandler> logger) : IInvokeHandler
{
    public async Task<InvokeResponse> HandleAsync(ITurnContext context, CancellationToken cancellationToken)
    {
        var activity = context.Activity;
        if (!TryRead(activity.Value, out var reaction, out var comment))
        {
            logger.LogInformation("message/submitAction without a feedback reaction ignored");
            return InvokeResponse.Ok();
        }
        if (comment is not null && guard.Check(comment).Blocked) comment = null;
        var who = await contexts.GetAsync(activity, cancellationToken);
        var raterKey = RaterKeyOf(activity);
        await using var ctx = await db.CreateDbContextAsync(cancellationToken);
        // A person who changes their vote on the same answer replaces it: the satisfaction figure counts people, not clicks.
        var feedback = activity.ReplyToId is { } messageId && raterKey is not null
            ? await ctx.Set<AnswerFeedback>().FirstOrDefaultAsync(f => f.MessageId == messageId && f.RaterKey == raterKey, cancellationToken)
            : null;
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
        }
        catch (DbUpdateException)
        {
            // The same person's double click raced its twin: one vote is stored, which is the point.
            logger.LogInformation("Duplicate feedback for one message ignored");
        }
        return InvokeResponse.Ok();
    }

    internal static string? RaterKeyOf(Activity activity)
    {
        var user = activity.From?.AadObjectId ?? activity.From?.Id;
        if (string.IsNullOrEmpty(user)) return null;
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{activity.TenantId}|{user}"));
        return Convert.ToHexString(hash);
    }

    /// <summary>value: {actionName:"feedback", actionValue:{reaction:"like"|"dislike", feedback:"{\"feedbackText\":\"…\"}"}}.</summary>
    internal static bool TryRead(JsonElement? value, out string reaction, out string? comment)
    {
        reaction = "";
        comment = null;
        if (value is not { ValueKind: JsonValueKind.Object } v) return false;
        if (StringOf(v, "actionName") != "feedback") return false;
        if (!v.TryGetProperty("actionValue", out var action) || action.ValueKind != JsonValueKind.Object) return false;
        var r = StringOf(action, "reaction");
        if (r is not ("like" or "dislike")) return false;
        reaction = r;
        if (action.TryGetProperty("feedback", out var f) && f.ValueKind == JsonValueKind.String && f.GetString() is { Length: > 0 } raw)
        {
            try
            {
                using var doc = JsonDocument.Parse(raw);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("feedbackText", out var text)
                    && text.ValueKind == JsonValueKind.String)
                    comment = text.GetString();
            }
            catch (JsonException)
            {
                comment = raw;
            }
            if (string.IsNullOrWhiteSpace(comment)) comment = null;
        }
        return true;
    }

    private static string? StringOf(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}

/// <summary>Satisfaction per agency over a period (the program's "share of positive experiences" figure).</summary>
public sealed record AgencySatisfaction(string? AgencyId, string? AgencyName, int Likes, int Dislikes)
{
    public double PositiveShare => Likes + Dislikes == 0 ? 0 : (double)Likes / (Likes + Dislikes);
}

/// <summary>Read side of the stored feedback, for the insights slice and reports.</summary>
public sealed class AnswerFeedbackReport(IDbContextFactory<TeamsBotDbContext> db)
{
    public async Task<IReadOnlyList<AgencySatisfaction>> ByAgencyAsync(DateTime fromUtc, DateTime toUtc, CancellationToken cancellationToken = default)
    {
        await using var ctx = await db.CreateDbContextAsync(cancellationToken);
        var rows = await ctx.Set<AnswerFeedback>().AsNoTracking()
            .Where(f => f.CreatedAtUtc >= fromUtc && f.CreatedAtUtc < toUtc)
            .GroupBy(f => new { f.AgencyId, f.AgencyName, f.Reaction })
            .Select(g => new { g.Key.AgencyId, g.Key.AgencyName, g.Key.Reaction, Count = g.Count() })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => (r.AgencyId, r.AgencyName))
            .Select(g => new AgencySatisfaction(g.Key.AgencyId, g.Key.AgencyName,
                g.Where(r => r.Reaction == "like").Sum(r => r.Count), g.Where(r => r.Reaction == "dislike").Sum(r => r.Count)))
            .OrderBy(a => a.AgencyName, StringComparer.Ordinal)
            .ToList();
    }
}
