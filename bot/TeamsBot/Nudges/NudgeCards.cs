using TeamsBot.Agencies;
using TeamsBot.Broadcasts;
using TeamsBot.Cards;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Nudges;

/// <summary>The lesson card, and the nudge campaigns' content for the fan-out (the card, and the recipients the planner stored).</summary>
public sealed class NudgeCards(CardLibrary cards, CurriculumSource curriculum, NudgeService nudges) : ICampaignContent
{
    public string Scheme => NudgeService.ReferenceScheme;

    public Task<Activity?> RecipientMessageAsync(Campaign campaign, string id, CancellationToken cancellationToken)
    {
        var (programId, lessonId) = Split(id);
        // A lesson edited out of the curriculum while its campaign sends still goes out, as the campaign stored it.
        var card = Lesson(programId, lessonId, NudgeCardState.Active, null, null)
            ?? new TrainingNudgeCardData(lessonId, programId, curriculum.Planner.Curriculum.Name, 1, 1, campaign.Title, campaign.Body, campaign.Title, 5);
        return Task.FromResult<Activity?>(Activity.Message() with { Attachments = [Attachment.AdaptiveCard(cards.Bind(card))], Summary = $"Tip: {card.LessonTitle.Value}" });
    }

    public IAsyncEnumerable<DirectoryUser> PlannedRecipients(Campaign campaign, string id, CancellationToken cancellationToken) =>
        nudges.RecipientsAsync(campaign.Id, cancellationToken);

    /// <summary>The lesson's card data in a state; null when the curriculum no longer has it.</summary>
    public TrainingNudgeCardData? Lesson(string programId, string lessonId, NudgeCardState state, DateTimeOffset? snoozedUntil, string? locale)
    {
        var program = curriculum.Planner.Curriculum;
        if (program.Id != programId || program.Find(lessonId) is not { } lesson) return null;
        return new TrainingNudgeCardData(lesson.Id, program.Id, program.Name, program.NumberOf(lesson), program.Lessons.Count, lesson.Title, lesson.Body,
            lesson.TryIt, lesson.Minutes, lesson.Link is null ? null : new Uri(lesson.Link), state, snoozedUntil);
    }

    public System.Text.Json.JsonElement Bind(ICardData data, string? locale) => cards.Bind(data, locale);

    private static (string ProgramId, string LessonId) Split(string id)
    {
        var slash = id.IndexOf('/');
        return slash < 0 ? (id, "") : (id[..slash], id[(slash + 1)..]);
    }
}
