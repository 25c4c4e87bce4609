namespace TeamsBot.Cards.Tests.Infrastructure;

/// <summary>At least one typed record per template (several for cards with many states), built the way the app builds them (including hostile user text).</summary>
public static class TypedSamples
{
    private static readonly DateTimeOffset Start = new(2026, 3, 5, 14, 30, 15, 250, TimeSpan.FromHours(-5));
    private static readonly DateTimeOffset Week = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    // Declared before All: static fields initialise in textual order.
    private static readonly DateTimeOffset WindowEnd = new(2026, 6, 30, 23, 59, 59, TimeSpan.Zero);
    private const string Question = "What do **other agencies** say about <b>AI</b> for FOIA? [see](https://evil.example) ${$root.researchId}";

    public static IReadOnlyList<ICardData> All { get; } =
    [
        new WelcomeCardData("Ana [admin](https://evil.example) <b>Ruiz</b>", "Department of Labor", "AI for Government", 60,
            ["Deep Research", "Advanced Voice"], [new PromptSuggestion("Summarize a memo", "Summarize this memo in 5 bullets.")],
            new Uri("https://learn.example.gov/ai")),
        new HelpCardData(IsCoach: true),
        new AnswerSourceCardData(2, "Telework policy ${$root.secret}", "Employees may telework up to 3 days a week.",
            new Uri("https://knowledge.example.gov/telework"), "HR handbook", Start, ["telework", "policy"]),
        new TrainingNudgeCardData("n-1", "p-1", "AI basics", 1, 8, "Ask for a format", "Say **how** you want the answer: a table, bullets or an email.",
            "List the steps to request telework as a checklist.", 2),
        new EventInviteCardData("ev-1", EventKind.Workshop, "Plain language with AI", "Hands-on workshop.", Start, Start.AddMinutes(90),
            "Online", "Booz Allen Hamilton", 30, 4, RegistrationState.Registered, JoinUrl: new Uri("https://teams.example.gov/join/1"),
            Agenda: [new AgendaItem("14:30", "Intro"), new AgendaItem("15:00", "Practice")]),
        new EventInviteCardData("ev-2", EventKind.Hackathon, "Benefits hackathon", "Build prototypes in two days.", Start, Start.AddDays(1),
            "GSA HQ", "Accenture", 100, 0, RegistrationState.None, TeamSize: 5, RefreshUserIds: ["29:a", "29:b"],
            ImageUrl: new Uri("https://cdn.example.gov/h.png"), ImageAltText: "People coding together"),
        new EventAttendeesCardData("ev-1", "Plain language with AI", Start, Start.AddMinutes(90), 30, 2, 1, 1,
            [new AttendeeLine("Ana <b>Ruiz</b> [x](https://evil.example)", "registered", Attended: true), new AttendeeLine("Sam Lee", "waitlisted", 1)], More: 3),
        new EventComposerCardData([new AudienceOption("General Services Administration", "gsa")], "hackathon", "Forms <b>hackathon</b>", "Two days.",
            "2026-03-10", "09:00", "17:00", "2026-03-08", "GSA HQ", "https://teams.example.gov/join/1", "40", "users", "", "a@gsa.gov\nb@gsa.gov",
            new EventComposerErrors(Start: "This time has passed.", Audience: "List at least one person <b>now</b>"), "Fix the fields below."),
        new EventReminderCardData("ev-1", "Plain language with AI", Start, Start.AddMinutes(90), 15, "Online",
            new Uri("https://teams.example.gov/join/1"), ["A letter to simplify"]),
        new AnnouncementCardData("b-1", "New: Deep Research", "Available to everyone until June 30.",
            "Use **Deep Research** for long reports. [Guide](https://learn.example.gov/dr) and [bad](javascript:alert(1)).",
            "AI Program Office", Start, Links: [new AnnouncementLink("Guide", new Uri("https://learn.example.gov/dr"))],
            Kind: BroadcastKind.Nudge, Acknowledged: true, AcknowledgedAt: Start.AddHours(2)),
        new BroadcastComposerCardData("d-1", [new AudienceOption("General Services Administration", "gsa"), new AudienceOption("Department of Labor", "dol")],
            Kind: "nudge", Title: "Draft: Deep Research [x](https://evil.example) <b>bold</b>", Body: "Try **Deep Research**.",
            Links: [new ComposerLinkInput("Guide", "https://learn.example.gov/dr")], Acknowledge: true, AudienceType: "agencies",
            AudienceAgencies: "gsa,dol", SendDate: "2026-03-10", SendTime: "09:30",
            Errors: new ComposerErrors(Body: "Write the message.", Links: "Button 2 needs a link: <b>https</b> only"), Notice: "Preview sent: check this chat"),
        new BroadcastConfirmCardData("c-1", "New: Deep Research [x](https://evil.example)", BroadcastKind.Invite, "2 agencies: GSA, DOL", 1200,
            NeedsApproval: false, ApprovalThreshold: 5000, SendAt: Start.AddDays(1)),
        new BroadcastApprovalCardData("c-2", "New: Deep Research", BroadcastKind.Announcement, "Maria <b>Lopez</b>", "Everyone in the organization", 24000,
            "Use **Deep Research** for long reports. [bad](javascript:alert(1))", ApprovalState.Approved, "Ana Ruiz"),
        new CampaignStatusCardData("c-1", "New: Deep Research", CampaignState.Completed, 1000, 950, 10, 25, 5, 10, 0, 700, 400, 0, null, Start,
            CanCancel: false, CanResendFailed: true, CanRecall: true, Recalled: 12, PercentComplete: 100),
        new TimeSavedSurveyCardData("s-1", Submitted: true, MinutesSaved: 90, Quality: 4, Effort: 5, Speed: 3,
            WeekOf: new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero)),
        new SatisfactionPulseCardData("p-1", Submitted: true),
        new AdoptionReportCardData("Department of Labor <b>[x](https://evil.example)</b>", Week, Week.AddDays(6), 6000, 5000, 83, 120000,
            24.0, SatisfactionPercent: null, MedianMinutes: 60, MeanMinutes: null, AgreePercent: 78, NudgesDelivered: 900,
            NudgeEngagementPercent: null, LessonsCompleted: 400, EventSignups: 60, EventAttended: 45, BroadcastReached: 5800,
            BroadcastRead: 4100, ResearchReports: 12, HiddenGroups: 1, MinGroupSize: 10, ReferenceMinutes: 95, ReferencePositivePercent: 85,
            GeneratedAt: Start,
            Agencies: [new AgencyAdoption("Employment and Training Administration_*", 5000, 4200, 84, 25.5, 88, 60),
                new AgencyAdoption("Office of Personnel Management", 1000, 800, 80, 18.25, null, null)],
            Trend: [new WeeklyActive(Week.AddDays(-7), 4700), new WeeklyActive(Week, 5000)]),
        new ProtectedContentRefusalCardData(RefusalReason.Cui, "req-1", new Uri("https://www.example.gov/ai-policy")),
        new ErrorCardData("corr-1", CanRetry: true, Operation: "answer"),
        new RoleRequiredCardData(CardRole.Admin),
        // Deep research: every state, the question as typed (markdown, HTML and a template expression shown literally).
        new ResearchStatusCardData("r-1", ResearchCardState.Researching, Question, Milestone: "planning", WindowEnd: WindowEnd),
        new ResearchStatusCardData("r-1", ResearchCardState.Delivered, Question, "writing", 12, WindowEnd: WindowEnd),
        new ResearchStatusCardData("r-1", ResearchCardState.Cancelled, Question, "reading", 3),
        new ResearchStatusCardData("r-1", ResearchCardState.TimedOut, Question, "reading", 40, MaxMinutes: 30),
        new ResearchStatusCardData("r-1", ResearchCardState.Failed, Question),
        new ResearchStatusCardData("r-2", ResearchCardState.NoWindow, Question, AgencyName: "Department of Labor <b>[x](https://evil.example)</b>"),
        new ResearchStatusCardData("r-3", ResearchCardState.NotYetOpen, Question, WindowStart: WindowEnd.AddMonths(-6), WindowEnd: WindowEnd,
            AgencyName: "Department of Labor", Contact: "Ana Ruiz (ana.ruiz@dol.gov)"),
        new ResearchStatusCardData("r-4", ResearchCardState.Closed, Question, WindowStart: WindowEnd.AddMonths(-18), WindowEnd: WindowEnd.AddMonths(-12),
            Contact: "Sam *Lee*"),
        new ResearchStatusCardData("r-5", ResearchCardState.Busy, Question),
        new ResearchStatusCardData("r-6", ResearchCardState.DailyLimit, Question, PerDay: 3),
    ];
}
