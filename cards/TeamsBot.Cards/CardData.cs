using System.Text.Json.Serialization;

namespace TeamsBot.Cards;

/// <summary>Names of the embedded templates (<c>templates/&lt;name&gt;.json</c>).</summary>
public static class CardTemplates
{
    public const string Welcome = "welcome";
    public const string Help = "help";
    public const string AnswerSource = "answer-source";
    public const string TrainingNudge = "training-nudge";
    public const string WorkshopInvite = "workshop-invite";
    public const string HackathonInvite = "hackathon-invite";
    public const string EventReminder = "event-reminder";
    public const string Announcement = "announcement";
    public const string BroadcastComposer = "broadcast-composer";
    public const string CampaignStatus = "campaign-status";
    public const string TimeSavedSurvey = "time-saved-survey";
    public const string SatisfactionPulse = "satisfaction-pulse";
    public const string AdoptionReport = "adoption-report";
    public const string ProtectedContentRefusal = "protected-content-refusal";
    public const string Error = "error";
    public const string RoleRequired = "role-required";
}

/// <summary>
/// Typed data for one card. Conventions: <see cref="UserText"/> for text people typed (rendered literally),
/// <see cref="MarkdownText"/> for coach-authored markdown, <see cref="Uri"/> for links (https only),
/// <see cref="DateTimeOffset"/> for times (shown in each viewer's own time zone and locale by Teams).
/// </summary>
public interface ICardData
{
    [JsonIgnore] string TemplateName { get; }
}

public sealed record PromptSuggestion(UserText Title, string Prompt);

public sealed record WelcomeCardData(
    UserText UserName, UserText AgencyName, UserText ProgramName, int BonusDaysLeft = 0,
    IReadOnlyList<string>? BonusFeatures = null, IReadOnlyList<PromptSuggestion>? Suggestions = null, Uri? TrainingUrl = null) : ICardData
{
    public IReadOnlyList<string> BonusFeatures { get; init; } = BonusFeatures ?? [];
    public IReadOnlyList<PromptSuggestion> Suggestions { get; init; } = Suggestions ?? [];
    public string TemplateName => CardTemplates.Welcome;
}

/// <summary>Help lists the employee commands, plus coach and admin commands for those roles.</summary>
public sealed record HelpCardData(bool IsCoach = false, bool IsAdmin = false) : ICardData
{
    public string TemplateName => CardTemplates.Help;
}

/// <summary>Detail of one citation of an answer (position = the [n] in the answer text).</summary>
public sealed record AnswerSourceCardData(
    int Position, UserText Title, UserText Abstract, Uri Url, UserText SourceName, DateTimeOffset UpdatedOn,
    IReadOnlyList<UserText>? Keywords = null, UserText? SensitivityLabel = null) : ICardData
{
    public IReadOnlyList<UserText> Keywords { get; init; } = Keywords ?? [];
    public string TemplateName => CardTemplates.AnswerSource;
}

public sealed record TrainingNudgeCardData(
    string NudgeId, string ProgramId, UserText ProgramName, int LessonNumber, int LessonCount, UserText LessonTitle,
    MarkdownText Lesson, UserText SampleQuestion, int Minutes, Uri? LearnMoreUrl = null) : ICardData
{
    public string TemplateName => CardTemplates.TrainingNudge;
}

public enum EventKind { Workshop, Hackathon }

/// <summary>The viewer's RSVP state (per user: hackathon invites refresh per user).</summary>
public enum RegistrationState { None, Registered, Waitlisted }

public sealed record AgendaItem(UserText Time, UserText Title);

/// <summary>Workshop or hackathon invite; <see cref="Kind"/> picks the template. Hackathons list <see cref="RefreshUserIds"/> (29: ids) for per-user views.</summary>
public sealed record EventInviteCardData(
    string EventId, EventKind Kind, UserText Title, UserText Description, DateTimeOffset StartsAt, DateTimeOffset EndsAt,
    UserText Location, UserText HostName, int Capacity, int SeatsLeft, RegistrationState Registration = RegistrationState.None,
    int WaitlistPosition = 0, int TeamSize = 0, IReadOnlyList<AgendaItem>? Agenda = null, IReadOnlyList<string>? RefreshUserIds = null,
    Uri? JoinUrl = null, Uri? ImageUrl = null, UserText? ImageAltText = null) : ICardData
{
    public IReadOnlyList<AgendaItem> Agenda { get; init; } = Agenda ?? [];
    /// <summary>At most 60: Teams refreshes the card automatically only for the users listed, and takes no more than 60.</summary>
    public IReadOnlyList<string> RefreshUserIds { get; init; } = RefreshUserIds is { Count: > MaxRefreshUserIds }
        ? throw new ArgumentException($"Teams refreshes a card for at most {MaxRefreshUserIds} users.", nameof(RefreshUserIds))
        : RefreshUserIds ?? [];

    public const int MaxRefreshUserIds = 60;
    public string TemplateName => Kind == EventKind.Hackathon ? CardTemplates.HackathonInvite : CardTemplates.WorkshopInvite;
}

public sealed record EventReminderCardData(
    string EventId, UserText Title, DateTimeOffset StartsAt, DateTimeOffset EndsAt, int MinutesUntilStart, UserText Location,
    Uri? JoinUrl = null, IReadOnlyList<UserText>? Bring = null) : ICardData
{
    public IReadOnlyList<UserText> Bring { get; init; } = Bring ?? [];
    public string TemplateName => CardTemplates.EventReminder;
}

public sealed record AnnouncementLink(UserText Title, Uri Url);

/// <summary>A coach's broadcast: up to 3 link buttons; an image needs <see cref="ImageAltText"/>.</summary>
public sealed record AnnouncementCardData(
    string BroadcastId, UserText Title, UserText Summary, MarkdownText Body, UserText SentBy, DateTimeOffset SentAt,
    bool RequiresAck = true, bool Acknowledged = false, IReadOnlyList<AnnouncementLink>? Links = null,
    Uri? ImageUrl = null, UserText? ImageAltText = null) : ICardData
{
    public const int MaxLinks = 3;

    public IReadOnlyList<AnnouncementLink> Links { get; init; } = (Links?.Count ?? 0) > MaxLinks
        ? throw new ArgumentException($"An announcement has at most {MaxLinks} link buttons.", nameof(Links))
        : Links ?? [];

    public UserText? ImageAltText { get; init; } = ImageUrl is not null && string.IsNullOrWhiteSpace(ImageAltText?.Value)
        ? throw new ArgumentException("An announcement image needs alt text.", nameof(ImageAltText))
        : ImageAltText;

    public string TemplateName => CardTemplates.Announcement;
}

public sealed record AudienceOption(string Title, string Value);

/// <summary>Server-side validation results shown next to each composer field.</summary>
public sealed record ComposerErrors(bool Title = false, bool Body = false, bool Audience = false, bool ImageUrl = false, bool ImageAltText = false);

/// <summary>The coach's compose form. Field values are what the coach typed (inputs show them verbatim).</summary>
public sealed record BroadcastComposerCardData(
    string DraftId, IReadOnlyList<AudienceOption> Audiences, string Title = "", string Summary = "", string Body = "",
    string Audience = "", string ImageUrl = "", string ImageAltText = "", int EstimatedRecipients = 0, ComposerErrors? Errors = null) : ICardData
{
    public ComposerErrors Errors { get; init; } = Errors ?? new ComposerErrors();
    public string TemplateName => CardTemplates.BroadcastComposer;
}

public enum CampaignState { Running, Completed, Cancelled }

public sealed record CampaignStatusCardData(
    string CampaignId, UserText Title, CampaignState State, int Total, int Sent, int Failed, int Pending, int PercentComplete,
    int RatePerMinute, int EtaMinutes, DateTimeOffset UpdatedAt, bool CanCancel, bool CanResendFailed) : ICardData
{
    public string TemplateName => CardTemplates.CampaignStatus;
}

/// <summary>"How many minutes did the assistant save you today?" — answered via <see cref="CardVerbs.SurveyTimeSaved"/>.</summary>
public sealed record TimeSavedSurveyCardData(string SurveyId, bool Submitted = false, int MinutesSaved = 0) : ICardData
{
    public string TemplateName => CardTemplates.TimeSavedSurvey;
}

public sealed record SatisfactionPulseCardData(string SurveyId, bool Submitted = false) : ICardData
{
    public string TemplateName => CardTemplates.SatisfactionPulse;
}

public sealed record AgencyAdoption(UserText Name, int ActiveUsers, int AdoptionPercent, int MinutesSaved);

public sealed record UseCaseShare(UserText Name, int Percent);

public sealed record AdoptionReportCardData(
    UserText ScopeName, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, int ActiveUsers, int LicensedUsers, int AdoptionPercent,
    long QuestionsAsked, int MinutesSavedPerUserPerDay, int PositiveFeedbackPercent, int TrainingsCompleted, DateTimeOffset GeneratedAt,
    IReadOnlyList<AgencyAdoption>? Agencies = null, IReadOnlyList<UseCaseShare>? TopUseCases = null, Uri? ReportUrl = null) : ICardData
{
    public IReadOnlyList<AgencyAdoption> Agencies { get; init; } = Agencies ?? [];
    public IReadOnlyList<UseCaseShare> TopUseCases { get; init; } = TopUseCases ?? [];
    public string TemplateName => CardTemplates.AdoptionReport;
}

public enum RefusalReason { Classified, PersonalData, Cui, Policy }

public sealed record ProtectedContentRefusalCardData(RefusalReason Reason, string RequestId, Uri? PolicyUrl = null) : ICardData
{
    public string TemplateName => CardTemplates.ProtectedContentRefusal;
}

/// <summary>Generic error: never shows exception text; <see cref="Message"/> is an optional safe, human explanation.</summary>
public sealed record ErrorCardData(string CorrelationId, bool CanRetry = false, string Operation = "", UserText? Message = null) : ICardData
{
    public string TemplateName => CardTemplates.Error;
}

/// <summary>Which role a refused command or button needed.</summary>
public enum CardRole { Coach, Admin }

/// <summary>Polite refusal of a coach or admin command to someone without the role: says nothing was done and how to get it.</summary>
public sealed record RoleRequiredCardData(CardRole Role) : ICardData
{
    public string TemplateName => CardTemplates.RoleRequired;
}
