namespace TeamsBot.Cards;

/// <summary>
/// Universal Action verbs the cards send (<c>Action.Execute</c> → invoke <c>adaptiveCard/action</c> with
/// <c>value.action.verb</c> and <c>value.action.data</c>). The app routes on these; the data each carries is listed.
/// </summary>
public static class CardVerbs
{
    /// <summary>Register for a workshop or hackathon (joins the waitlist when full). Data: <c>eventId</c>.</summary>
    public const string RsvpRegister = "rsvp.register";
    /// <summary>Cancel a registration or leave the waitlist. Data: <c>eventId</c>.</summary>
    public const string RsvpCancel = "rsvp.cancel";
    /// <summary>Create a workshop or hackathon from the event composer (coach). Data: the composer inputs (see <see cref="EventComposerCardData"/>).</summary>
    public const string EventCreate = "event.create";
    /// <summary>Automatic refresh of a hackathon invite (per-user view for <c>refresh.userIds</c>). Data: <c>eventId</c>.</summary>
    public const string RsvpRefresh = "rsvp.refresh";
    /// <summary>Pause training nudges for <c>Nudges:SnoozeFor</c> (a week). Data: <c>nudgeId</c>, <c>programId</c>.</summary>
    public const string NudgeSnooze = "nudge.snooze";
    /// <summary>Stop training nudges of every kind until the person types <c>nudges on</c>. Data: <c>nudgeId</c>, <c>programId</c>.</summary>
    public const string NudgeStop = "nudge.stop";
    /// <summary>Acknowledge a broadcast (announcement, training nudge or invitation). Data: <c>broadcastId</c>.</summary>
    public const string BroadcastAck = "broadcast.ack";
    /// <summary>
    /// Preview the composed broadcast in the coach's own chat (coach). Data: <c>draftId</c> + the composer inputs
    /// <c>kind</c>, <c>title</c>, <c>body</c>, <c>imageUrl</c>, <c>imageAltText</c>, <c>link1Title</c>, <c>link1Url</c>,
    /// <c>link2Title</c>, <c>link2Url</c>, <c>link3Title</c>, <c>link3Url</c>, <c>acknowledge</c> ("true"/"false"),
    /// <c>audienceType</c> (tenant, agencies, groups, team, users), <c>agencies</c> (comma-separated values), <c>groups</c>,
    /// <c>teamId</c>, <c>users</c>, <c>sendDate</c> (yyyy-MM-dd), <c>sendTime</c> (HH:mm, the coach's time zone).
    /// </summary>
    public const string BroadcastPreview = "broadcast.preview";
    /// <summary>
    /// Validate the composed broadcast and show the confirmation card (coach); nothing is sent yet.
    /// Data: <c>draftId</c> + the same composer inputs as <see cref="BroadcastPreview"/>.
    /// </summary>
    public const string BroadcastSend = "broadcast.send";
    /// <summary>Confirm sending (or scheduling, or requesting approval for) the campaign shown on the confirmation card (coach). Data: <c>campaignId</c>.</summary>
    public const string BroadcastConfirm = "broadcast.confirm";
    /// <summary>Back from the confirmation card to the composer, with the fields as they were (coach). Data: <c>campaignId</c>.</summary>
    public const string BroadcastEdit = "broadcast.edit";
    /// <summary>Approve a large campaign another coach asked to send (another coach or an admin). Data: <c>campaignId</c>.</summary>
    public const string BroadcastApprove = "broadcast.approve";
    /// <summary>Cancel a scheduled, waiting or sending campaign. Data: <c>campaignId</c>.</summary>
    public const string CampaignCancel = "campaign.cancel";
    /// <summary>Resend to the recipients that failed. Data: <c>campaignId</c>.</summary>
    public const string CampaignResendFailed = "campaign.resendFailed";
    /// <summary>Recall a sent campaign: delete its message from the chats it reached. Data: <c>campaignId</c>.</summary>
    public const string CampaignRecall = "campaign.recall";
    /// <summary>Refresh the campaign status card. Data: <c>campaignId</c>.</summary>
    public const string CampaignRefresh = "campaign.refresh";
    /// <summary>
    /// Weekly time-saved survey answer. Data: <c>surveyId</c> + inputs <c>minutesSaved</c> (one of
    /// <see cref="TimeSavedSurveyCardData.MinuteChoices"/>, as text) and <c>quality</c>, <c>effort</c>, <c>speed</c> ("5" strongly agree … "1" strongly disagree).
    /// </summary>
    public const string SurveyTimeSaved = "survey.timeSaved";
    /// <summary>Satisfaction pulse answer. Data: <c>surveyId</c> + inputs <c>rating</c>, <c>comment</c>.</summary>
    public const string SurveyPulse = "survey.pulse";
    /// <summary>Cancel a running deep research. Data: <c>researchId</c>.</summary>
    public const string ResearchCancel = "research.cancel";
    /// <summary>Retry the operation an error card reports. Data: <c>operation</c>, <c>correlationId</c>.</summary>
    public const string ErrorRetry = "error.retry";

    public static IReadOnlyList<string> All { get; } =
    [
        RsvpRegister, RsvpCancel, RsvpRefresh, EventCreate, NudgeSnooze, NudgeStop, BroadcastAck, BroadcastPreview,
        BroadcastSend, BroadcastConfirm, BroadcastEdit, BroadcastApprove, CampaignCancel, CampaignResendFailed, CampaignRecall,
        CampaignRefresh, SurveyTimeSaved, SurveyPulse, ResearchCancel, ErrorRetry,
    ];
}
