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
    public const string EventAttendees = "event-attendees";
    public const string EventComposer = "event-composer";
    public const string Announcement = "announcement";
    public const string BroadcastComposer = "broadcast-composer";
    public const string BroadcastConfirm = "broadcast-confirm";
    public const string BroadcastApproval = "broadcast-approval";
    public const string CampaignStatus = "campaign-status";
    public const string TimeSavedSurvey = "time-saved-survey";
    public const string SatisfactionPulse = "satisfaction-pulse";
    public const string AdoptionReport = "adoption-report";
    public const string ProtectedContentRefusal = "protected-content-refusal";
    public const string Error = "error";
    public const string RoleRequired = "role-required";
    public const string ResearchStatus = "research-status";
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

public enum NudgeCardState { Active, Snoozed, Stopped }

/// <summary>
/// A lesson of a training program. <b>Try it</b> posts <see cref="SampleQuestion"/> into the chat as the person's own message
/// (Teams <c>imBack</c>), so the assistant answers it as it would any question; Snooze and Stop carry <c>nudgeId</c> and
/// <c>programId</c>. Once snoozed or stopped the card says so (with <see cref="SnoozedUntil"/>) and drops those buttons.
/// </summary>
public sealed record TrainingNudgeCardData(
    string NudgeId, string ProgramId, UserText ProgramName, int LessonNumber, int LessonCount, UserText LessonTitle,
    MarkdownText Lesson, UserText SampleQuestion, int Minutes, Uri? LearnMoreUrl = null, NudgeCardState State = NudgeCardState.Active,
    DateTimeOffset? SnoozedUntil = null) : ICardData
{
    /// <summary>The question as the person's message (imBack posts it verbatim: no escaping for display).</summary>
    public string SampleQuestionText => SampleQuestion.Value;

    public string TemplateName => CardTemplates.TrainingNudge;
}

public enum EventKind { Workshop, Hackathon }

/// <summary>The viewer's RSVP state (per user: hackathon invites refresh per user).</summary>
public enum RegistrationState { None, Registered, Waitlisted, Cancelled }

public sealed record AgendaItem(UserText Time, UserText Title);

/// <summary>
/// Workshop or hackathon invite; <see cref="Kind"/> picks the template. Both refresh per user (<see cref="CardVerbs.RsvpRefresh"/>):
/// <see cref="RefreshUserIds"/> (29: ids) lists who refreshes automatically in a group chat; in a 1:1 chat the one viewer does.
/// Register buttons show only while <see cref="RegistrationOpen"/>; <see cref="CalendarUrl"/> (an .ics download) shows once registered.
/// </summary>
public sealed record EventInviteCardData(
    string EventId, EventKind Kind, UserText Title, UserText Description, DateTimeOffset StartsAt, DateTimeOffset EndsAt,
    UserText Location, UserText HostName, int Capacity, int SeatsLeft, RegistrationState Registration = RegistrationState.None,
    int WaitlistPosition = 0, int TeamSize = 0, IReadOnlyList<AgendaItem>? Agenda = null, IReadOnlyList<string>? RefreshUserIds = null,
    Uri? JoinUrl = null, Uri? ImageUrl = null, UserText? ImageAltText = null, bool RegistrationOpen = true,
    DateTimeOffset? RegistrationDeadline = null, Uri? CalendarUrl = null) : ICardData
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

/// <summary>One person on a coach's attendee card: <c>state</c> registered | waitlisted (with <see cref="Position"/>) | cancelled.</summary>
public sealed record AttendeeLine(UserText Name, string State, int Position = 0, bool Attended = false);

/// <summary>
/// A coach's view of an event: seats taken, the waitlist, who attended, and the people (at most <see cref="MaxShown"/>; the
/// card says how many more and where the full list is).
/// </summary>
public sealed record EventAttendeesCardData(
    string EventId, UserText Title, DateTimeOffset StartsAt, DateTimeOffset EndsAt, int Capacity, int Registered, int Waitlisted, int Attended,
    IReadOnlyList<AttendeeLine>? Attendees = null, int More = 0) : ICardData
{
    public const int MaxShown = 50;

    public IReadOnlyList<AttendeeLine> Attendees { get; init; } = (Attendees?.Count ?? 0) > MaxShown
        ? throw new ArgumentException($"An attendee card lists at most {MaxShown} people.", nameof(Attendees))
        : Attendees ?? [];

    public string TemplateName => CardTemplates.EventAttendees;
}

/// <summary>Per-field messages of the event composer (plain text, shown under each field; null = fine).</summary>
public sealed record EventComposerErrors(
    [property: JsonConverter(typeof(PlainStringConverter))] string? Title = null,
    [property: JsonConverter(typeof(PlainStringConverter))] string? Description = null,
    [property: JsonConverter(typeof(PlainStringConverter))] string? Start = null,
    [property: JsonConverter(typeof(PlainStringConverter))] string? End = null,
    [property: JsonConverter(typeof(PlainStringConverter))] string? Location = null,
    [property: JsonConverter(typeof(PlainStringConverter))] string? JoinUrl = null,
    [property: JsonConverter(typeof(PlainStringConverter))] string? Capacity = null,
    [property: JsonConverter(typeof(PlainStringConverter))] string? RegistrationDeadline = null,
    [property: JsonConverter(typeof(PlainStringConverter))] string? Audience = null);

/// <summary>
/// A coach's form for a workshop or hackathon (<c>events new</c>); <see cref="CardVerbs.EventCreate"/> sends the inputs
/// <c>kind</c>, <c>title</c>, <c>description</c>, <c>date</c> (yyyy-MM-dd), <c>startTime</c>, <c>endTime</c> (HH:mm, the
/// coach's Teams time zone), <c>location</c>, <c>joinUrl</c>, <c>capacity</c>, <c>deadlineDate</c>, <c>audienceType</c>
/// (agencies | users), <c>agencies</c> (comma-separated values), <c>users</c>, and <c>formId</c> (<see cref="FormId"/>: the event's
/// id, so a second submit of one form creates nothing more). Field values are shown as typed.
/// </summary>
public sealed record EventComposerCardData(
    IReadOnlyList<AudienceOption> Agencies, string Kind = "workshop", string Title = "", string Description = "", string Date = "",
    string StartTime = "", string EndTime = "", string DeadlineDate = "", string Location = "", string JoinUrl = "", string Capacity = "",
    string AudienceType = "agencies", string AudienceAgencies = "", string AudienceUsers = "", EventComposerErrors? Errors = null, UserText? Notice = null,
    string FormId = "") : ICardData
{
    public IReadOnlyList<AudienceOption> Agencies { get; init; } = Agencies ?? [];
    public EventComposerErrors Errors { get; init; } = Errors ?? new();
    public string TemplateName => CardTemplates.EventComposer;
}

public sealed record AnnouncementLink(UserText Title, Uri Url);

/// <summary>What a broadcast is: the kicker of the card says so ("Announcement", "Training", "Invitation").</summary>
public enum BroadcastKind { Announcement, Nudge, Invite }

/// <summary>
/// A coach's broadcast: up to 3 link buttons; an image needs <see cref="ImageAltText"/>; the Summary block is hidden when
/// <see cref="Summary"/> is empty. The Acknowledge button (<see cref="CardVerbs.BroadcastAck"/>) shows while
/// <see cref="RequiresAck"/> and not <see cref="Acknowledged"/>; once acknowledged a "✓ Acknowledged" line replaces it
/// (with the time when <see cref="AcknowledgedAt"/> is set).
/// </summary>
public sealed record AnnouncementCardData(
    string BroadcastId, UserText Title, UserText Summary, MarkdownText Body, UserText SentBy, DateTimeOffset SentAt,
    bool RequiresAck = true, bool Acknowledged = false, IReadOnlyList<AnnouncementLink>? Links = null,
    Uri? ImageUrl = null, UserText? ImageAltText = null, BroadcastKind Kind = BroadcastKind.Announcement,
    DateTimeOffset? AcknowledgedAt = null) : ICardData
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

/// <summary>One link row of the composer, as the coach typed it (inputs <c>linkNTitle</c>, <c>linkNUrl</c>).</summary>
public sealed record ComposerLinkInput(string Title = "", string Url = "");

/// <summary>
/// Per-field messages from server-side validation, shown in attention colour right under each field (null = fine).
/// Messages are shown as plain text (markdown and HTML in them are escaped), so they may quote what the coach typed.
/// </summary>
public sealed record ComposerErrors(
    [property: JsonConverter(typeof(PlainStringConverter))] string? Title = null,
    [property: JsonConverter(typeof(PlainStringConverter))] string? Body = null,
    [property: JsonConverter(typeof(PlainStringConverter))] string? ImageUrl = null,
    [property: JsonConverter(typeof(PlainStringConverter))] string? ImageAltText = null,
    [property: JsonConverter(typeof(PlainStringConverter))] string? Links = null,
    [property: JsonConverter(typeof(PlainStringConverter))] string? Audience = null,
    [property: JsonConverter(typeof(PlainStringConverter))] string? SendAt = null);

/// <summary>
/// The coach's compose form (<see cref="CardVerbs.BroadcastPreview"/>, <see cref="CardVerbs.BroadcastSend"/> with <c>draftId</c>
/// and the inputs). Field values are what the coach typed (inputs show them verbatim, so a re-shown card keeps them).
/// <see cref="Kind"/>: announcement | nudge | invite. <see cref="AudienceType"/>: tenant | agencies | groups | team | users.
/// <see cref="AudienceAgencies"/>: the chosen agency values, comma-separated. <see cref="SendDate"/> yyyy-MM-dd and
/// <see cref="SendTime"/> HH:mm, empty = send now. <see cref="Links"/> always holds exactly 3 rows (padded with empty ones).
/// </summary>
public sealed record BroadcastComposerCardData(
    string DraftId, IReadOnlyList<AudienceOption> Agencies,
    string Kind = "announcement", string Title = "", string Body = "", string ImageUrl = "", string ImageAltText = "",
    IReadOnlyList<ComposerLinkInput>? Links = null, bool Acknowledge = false,
    string AudienceType = "agencies", string AudienceAgencies = "", string AudienceGroups = "", string AudienceTeam = "", string AudienceUsers = "",
    string SendDate = "", string SendTime = "", ComposerErrors? Errors = null, UserText? Notice = null) : ICardData
{
    public const int LinkRows = 3;

    public IReadOnlyList<AudienceOption> Agencies { get; init; } = Agencies ?? [];

    public IReadOnlyList<ComposerLinkInput> Links { get; init; } = (Links?.Count ?? 0) > LinkRows
        ? throw new ArgumentException($"The composer has {LinkRows} link rows; got {Links!.Count}.", nameof(Links))
        : [.. Links ?? [], .. Enumerable.Repeat(new ComposerLinkInput(), LinkRows - (Links?.Count ?? 0))];

    public ComposerErrors Errors { get; init; } = Errors ?? new();

    public string TemplateName => CardTemplates.BroadcastComposer;
}

/// <summary>
/// "Send “title” to N people (audience)?" after <see cref="CardVerbs.BroadcastSend"/>: confirm with
/// <see cref="CardVerbs.BroadcastConfirm"/> (titled "Request approval" when <see cref="NeedsApproval"/>, "Schedule" when
/// <see cref="SendAt"/> is set) or go back with <see cref="CardVerbs.BroadcastEdit"/>; both carry <c>campaignId</c>.
/// </summary>
public sealed record BroadcastConfirmCardData(
    string CampaignId, UserText Title, BroadcastKind Kind, UserText AudienceDescription, int Recipients,
    bool NeedsApproval, int ApprovalThreshold, DateTimeOffset? SendAt = null) : ICardData
{
    public string TemplateName => CardTemplates.BroadcastConfirm;
}

public enum ApprovalState { Pending, Approved }

/// <summary>Asks another coach or an admin to approve a large campaign (<see cref="CardVerbs.BroadcastApprove"/> with <c>campaignId</c> while pending).</summary>
public sealed record BroadcastApprovalCardData(
    string CampaignId, UserText Title, BroadcastKind Kind, UserText AuthorName, UserText AudienceDescription, int Recipients,
    MarkdownText Body, ApprovalState State = ApprovalState.Pending, UserText? DecidedBy = null) : ICardData
{
    public string TemplateName => CardTemplates.BroadcastApproval;
}

public enum CampaignState { Draft, AwaitingApproval, Scheduled, Preparing, Sending, Completed, Cancelled }

/// <summary>
/// Delivery status of a campaign for its coach. <see cref="Read"/> is a lower bound (read receipts are partial). Rate and
/// ETA show only while <see cref="CampaignState.Sending"/>. Actions carry <c>campaignId</c>: cancel, resend to failed and
/// recall when allowed, refresh always.
/// </summary>
public sealed record CampaignStatusCardData(
    string CampaignId, UserText Title, CampaignState State, int Recipients, int Sent, int Failed, int NotInstalled, int Blocked, int NotFound,
    int Remaining, int Read, int Acknowledged, [property: JsonIgnore] double RatePerSecond, int? EtaSeconds, DateTimeOffset UpdatedAt,
    bool CanCancel, bool CanResendFailed, bool CanRecall, int Recalled = 0, DateTimeOffset? SendAt = null, int PercentComplete = 0) : ICardData
{
    /// <summary>Messages per second with one decimal ("12.5"), as the card shows it (the card binds this, not the raw double, so NaN or ∞ show as "0.0").</summary>
    public string RateText => (double.IsFinite(RatePerSecond) && RatePerSecond > 0 ? RatePerSecond : 0)
        .ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Whole minutes left, rounded up (null when unknown); the card says "under a minute" below 60 seconds.</summary>
    public int? EtaMinutes => EtaSeconds is { } s ? (int)Math.Ceiling(Math.Max(s, 0) / 60.0) : null;

    public string TemplateName => CardTemplates.CampaignStatus;
}

/// <summary>
/// The weekly time-saved survey: "About how many minutes did the assistant save you on a typical day this week?" plus three
/// 5-point agreement questions (quality, effort, speed); answered via <see cref="CardVerbs.SurveyTimeSaved"/>. Submitted: the
/// card thanks them and repeats their answers. <see cref="WeekOf"/> = Monday of the week asked about (UTC date).
/// The card shows "Week of" that date (noon UTC of it, so every US time zone sees the same day) and omits the line when null.
/// The choices are written in the template: keep <see cref="MinuteChoices"/> and <c>templates/time-saved-survey.json</c> in step
/// (a test compares them).
/// </summary>
public sealed record TimeSavedSurveyCardData(string SurveyId, bool Submitted = false, int MinutesSaved = 0, int Quality = 0, int Effort = 0, int Speed = 0,
    DateTimeOffset? WeekOf = null) : ICardData
{
    /// <summary>The minutes people can choose (the answers the handler accepts).</summary>
    public static readonly IReadOnlyList<int> MinuteChoices = [0, 15, 30, 60, 90, 120, 180];
    public string TemplateName => CardTemplates.TimeSavedSurvey;
}

public sealed record SatisfactionPulseCardData(string SurveyId, bool Submitted = false) : ICardData
{
    public string TemplateName => CardTemplates.SatisfactionPulse;
}

/// <summary>
/// One row of the adoption report: an agency (or "Other agencies", pooled small groups) in one week. Null figures were
/// suppressed because fewer people than the minimum group size stand behind them; the card says "not enough answers".
/// </summary>
public sealed record AgencyAdoption(UserText Name, int Enrolled, int ActiveUsers, int ActivePercent, double QuestionsPerActive, int? SatisfactionPercent,
    int? MedianMinutes);

/// <summary>Weekly active people in one week (the trend line); <see cref="Week"/> is the Monday (UTC).</summary>
public sealed record WeeklyActive(DateTimeOffset Week, int ActiveUsers);

/// <summary>
/// The adoption report card: one week, for all agencies (admins) or the agencies a coach runs. Totals are the sum of the rows
/// shown (never including a hidden group); <see cref="HiddenGroups"/> groups of fewer than <see cref="MinGroupSize"/> people are left
/// out. Shown beside the pilots' reference figures (<see cref="ReferenceMinutes"/> a day, <see cref="ReferencePositivePercent"/>% positive).
/// Teams chart elements draw the trend and the agencies; hosts without charts drop them and keep the table.
/// <see cref="WeekStart"/> and <see cref="WeekEnd"/> are shown as calendar dates (their UTC date), so <see cref="WeekEnd"/> is the
/// week's last day (Sunday), not the next Monday. Percentages are whole numbers; <see cref="QuestionsPerActive"/> is shown to one decimal.
/// A null figure reads "not enough answers" (fewer than <see cref="MinGroupSize"/> people); agencies with a null
/// <see cref="AgencyAdoption.MedianMinutes"/> show "—" in the table and are left out of the minutes chart.
/// </summary>
public sealed record AdoptionReportCardData(
    UserText ScopeName, DateTimeOffset WeekStart, DateTimeOffset WeekEnd, int Enrolled, int ActiveUsers, int ActivePercent, long Questions,
    double QuestionsPerActive, int? SatisfactionPercent, int? MedianMinutes, int? MeanMinutes, int? AgreePercent, int NudgesDelivered,
    int? NudgeEngagementPercent, int LessonsCompleted, int EventSignups, int EventAttended, int BroadcastReached, int BroadcastRead,
    int ResearchReports, int HiddenGroups, int MinGroupSize, int ReferenceMinutes, int ReferencePositivePercent, DateTimeOffset GeneratedAt,
    IReadOnlyList<AgencyAdoption>? Agencies = null, IReadOnlyList<WeeklyActive>? Trend = null) : ICardData
{
    public IReadOnlyList<AgencyAdoption> Agencies { get; init; } = Agencies ?? [];
    public IReadOnlyList<WeeklyActive> Trend { get; init; } = Trend ?? [];
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

/// <summary>Where a deep research request is, as its card shows it.</summary>
public enum ResearchCardState
{
    /// <summary>Running: <see cref="ResearchStatusCardData.Milestone"/> says where; a Cancel button.</summary>
    Researching,
    /// <summary>The report was delivered (in the chat, and as a Word document when accepted).</summary>
    Delivered,
    Cancelled,
    /// <summary>Stopped after <see cref="ResearchStatusCardData.MaxMinutes"/> minutes.</summary>
    TimedOut,
    /// <summary>Something went wrong; nothing was delivered (no details shown).</summary>
    Failed,
    /// <summary>The agency has no Deep Research window.</summary>
    NoWindow,
    /// <summary>The agency's window opens on <see cref="ResearchStatusCardData.WindowStart"/>.</summary>
    NotYetOpen,
    /// <summary>The agency's window closed on <see cref="ResearchStatusCardData.WindowEnd"/>.</summary>
    Closed,
    /// <summary>This person already has a research running (one at a time).</summary>
    Busy,
    /// <summary>This person reached <see cref="ResearchStatusCardData.PerDay"/> research requests today.</summary>
    DailyLimit,
}

/// <summary>
/// The deep research card: the acknowledgement ("Researching… usually 5–20 minutes; I'll message you here") updated in
/// place at milestones (<c>planning</c>, <c>reading</c> with <see cref="SourcesRead"/>, <c>writing</c>) with a Cancel button
/// (<see cref="CardVerbs.ResearchCancel"/>, data <c>researchId</c>), then its end state; or why research is not available
/// (the agency's window, with <see cref="Contact"/> to ask). <see cref="WindowEnd"/> is shown while researching too
/// ("your agency's window is open until …").
/// </summary>
public sealed record ResearchStatusCardData(
    string ResearchId, ResearchCardState State, UserText Question, string Milestone = "", int SourcesRead = 0,
    DateTimeOffset? WindowStart = null, DateTimeOffset? WindowEnd = null, UserText? AgencyName = null, UserText? Contact = null,
    int PerDay = 0, int MaxMinutes = 30) : ICardData
{
    public string TemplateName => CardTemplates.ResearchStatus;
}
