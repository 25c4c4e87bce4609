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
    /// <summary>Automatic refresh of a hackathon invite (per-user view for <c>refresh.userIds</c>). Data: <c>eventId</c>.</summary>
    public const string RsvpRefresh = "rsvp.refresh";
    /// <summary>Ask the training nudge's sample question. Data: <c>nudgeId</c>, <c>question</c>.</summary>
    public const string NudgeTry = "nudge.try";
    /// <summary>Remind later. Data: <c>nudgeId</c>, <c>snoozeHours</c>.</summary>
    public const string NudgeSnooze = "nudge.snooze";
    /// <summary>Stop training nudges for this program. Data: <c>nudgeId</c>, <c>programId</c>.</summary>
    public const string NudgeStop = "nudge.stop";
    /// <summary>Acknowledge a broadcast announcement. Data: <c>broadcastId</c>.</summary>
    public const string BroadcastAck = "broadcast.ack";
    /// <summary>Preview the composed broadcast (coach). Data: <c>draftId</c> + inputs.</summary>
    public const string BroadcastPreview = "broadcast.preview";
    /// <summary>Send the composed broadcast (coach). Data: <c>draftId</c> + inputs <c>title</c>, <c>summary</c>, <c>body</c>, <c>audience</c>, <c>imageUrl</c>, <c>imageAltText</c>.</summary>
    public const string BroadcastSend = "broadcast.send";
    /// <summary>Cancel a running campaign. Data: <c>campaignId</c>.</summary>
    public const string CampaignCancel = "campaign.cancel";
    /// <summary>Resend to the recipients that failed. Data: <c>campaignId</c>.</summary>
    public const string CampaignResendFailed = "campaign.resendFailed";
    /// <summary>Refresh the campaign status card. Data: <c>campaignId</c>.</summary>
    public const string CampaignRefresh = "campaign.refresh";
    /// <summary>Time-saved survey answer. Data: <c>surveyId</c> + input <c>minutesSaved</c>.</summary>
    public const string SurveyTimeSaved = "survey.timeSaved";
    /// <summary>Satisfaction pulse answer. Data: <c>surveyId</c> + inputs <c>rating</c>, <c>comment</c>.</summary>
    public const string SurveyPulse = "survey.pulse";
    /// <summary>Retry the operation an error card reports. Data: <c>operation</c>, <c>correlationId</c>.</summary>
    public const string ErrorRetry = "error.retry";

    public static IReadOnlyList<string> All { get; } =
    [
        RsvpRegister, RsvpCancel, RsvpRefresh, NudgeTry, NudgeSnooze, NudgeStop, BroadcastAck, BroadcastPreview,
        BroadcastSend, CampaignCancel, CampaignResendFailed, CampaignRefresh, SurveyTimeSaved, SurveyPulse, ErrorRetry,
    ];
}
