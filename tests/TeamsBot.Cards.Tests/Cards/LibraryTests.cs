using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Cards.Tests.Infrastructure;

namespace TeamsBot.Cards.Tests.Cards;

public sealed class LibraryTests
{
    private readonly CardLibrary _library = new();

    [Fact]
    public void Lists_every_embedded_template_and_no_sample_data()
    {
        string[] expected =
        [
            "adoption-report", "announcement", "answer-source", "broadcast-approval", "broadcast-composer", "broadcast-confirm", "campaign-status",
            "error", "event-attendees", "event-composer", "event-reminder",
            "hackathon-invite", "help", "protected-content-refusal", "research-status", "role-required", "satisfaction-pulse", "time-saved-survey", "training-nudge",
            "welcome", "workshop-invite",
        ];
        Assert.Equal(expected, _library.TemplateNames);
    }

    [Fact]
    public void Unknown_template_name_is_an_argument_error() =>
        Assert.Throws<ArgumentException>(() => _library.Bind("nope", new { }));

    [Fact]
    public void AddCardLibrary_registers_one_shared_instance()
    {
        var services = new ServiceCollection().AddCardLibrary().AddCardLibrary();
        var descriptor = Assert.Single(services, d => d.ServiceType == typeof(CardLibrary));
        Assert.Equal(ServiceLifetime.Singleton, descriptor.Lifetime);
    }

    [Fact]
    public void Typed_records_and_sample_data_fill_every_binding()
    {
        // An unresolved binding stays in the card as "${name}" (JS engine behaviour), so any left means a record lacks a field.
        var unresolved = SampleCards.All
            .Select(s => (s.Id, Text: AllText(SampleCards.Bind(_library, s))))
            .Where(x => x.Text.Contains("${", StringComparison.Ordinal))
            .Select(x => x.Id)
            .ToList();
        Assert.Empty(unresolved);
    }

    [Fact]
    public void Every_card_uses_schema_1_5()
    {
        foreach (var s in SampleCards.All)
        {
            var card = SampleCards.Bind(_library, s);
            Assert.Equal("AdaptiveCard", card.GetProperty("type").GetString());
            Assert.Equal("1.5", card.GetProperty("version").GetString());
        }
    }

    [Fact]
    public void State_changing_clicks_are_universal_actions_with_documented_verbs()
    {
        var verbs = new HashSet<string>();
        foreach (var s in SampleCards.All) Collect(SampleCards.Bind(_library, s), verbs, out _);
        Assert.Subset(CardVerbs.All.ToHashSet(), verbs);
        // Every documented verb is used by some card (else the list lies).
        Assert.Equal(CardVerbs.All.ToHashSet(), verbs);
    }

    [Fact]
    public void Hackathon_invite_refreshes_per_user_and_shows_the_viewers_state()
    {
        var data = TypedSamples.All.OfType<EventInviteCardData>().Single(e => e.Kind == EventKind.Hackathon);
        var full = _library.Bind(data);
        var refresh = full.GetProperty("refresh");
        Assert.Equal(CardVerbs.RsvpRefresh, refresh.GetProperty("action").GetProperty("verb").GetString());
        Assert.Equal(["29:a", "29:b"], refresh.GetProperty("userIds").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(["Join the waitlist"], full.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("title").GetString()));

        var registered = _library.Bind(data with { Registration = RegistrationState.Registered, SeatsLeft = 3 });
        var actions = registered.GetProperty("actions").EnumerateArray().ToList();
        Assert.Equal(CardVerbs.RsvpCancel, Assert.Single(actions).GetProperty("verb").GetString());
        Assert.Contains("You're registered", AllText(registered));

        var open = _library.Bind(data with { SeatsLeft = 7 });
        var register = Assert.Single(open.GetProperty("actions").EnumerateArray());
        Assert.Equal(CardVerbs.RsvpRegister, register.GetProperty("verb").GetString());
        Assert.Equal("ev-2", register.GetProperty("data").GetProperty("eventId").GetString());
        Assert.Contains("7 of 100 left", AllText(open));
    }

    [Fact]
    public void Training_nudge_offers_try_snooze_and_stop()
    {
        var card = _library.Bind(TypedSamples.All.OfType<TrainingNudgeCardData>().Single());
        var actions = card.GetProperty("actions").EnumerateArray().ToList();
        // Try it posts the question as the person's own message (imBack), so the assistant answers it like any other.
        Assert.Equal("Try it", actions[0].GetProperty("title").GetString());
        Assert.Equal("Action.Submit", actions[0].GetProperty("type").GetString());
        var imBack = actions[0].GetProperty("data").GetProperty("msteams");
        Assert.Equal("imBack", imBack.GetProperty("type").GetString());
        Assert.Equal("List the steps to request telework as a checklist.", imBack.GetProperty("value").GetString());
        Assert.Equal([CardVerbs.NudgeSnooze, CardVerbs.NudgeStop], actions.Skip(1).Select(a => a.GetProperty("verb").GetString()));
        Assert.Contains("List the steps to request telework", AllText(card));

        var data = TypedSamples.All.OfType<TrainingNudgeCardData>().Single();
        var snoozed = _library.Bind(data with { State = NudgeCardState.Snoozed, SnoozedUntil = new DateTimeOffset(2026, 12, 8, 14, 0, 0, TimeSpan.Zero) });
        Assert.Contains("Snoozed", AllText(snoozed));
        Assert.Equal([CardVerbs.NudgeStop], Verbs(snoozed));
        var stopped = _library.Bind(data with { State = NudgeCardState.Stopped });
        Assert.Contains("nudges on", AllText(stopped));
        Assert.Empty(stopped.GetProperty("actions").EnumerateArray());
    }

    [Fact]
    public void Survey_asks_the_minutes_saved_and_three_agreement_questions()
    {
        var ask = _library.Bind(new TimeSavedSurveyCardData("s", WeekOf: new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero)));
        var inputs = OfType(ask, "Input.ChoiceSet").ToDictionary(i => i.GetProperty("id").GetString()!);
        Assert.Equal(["minutesSaved", "quality", "effort", "speed"], inputs.Keys);

        var minutes = inputs["minutesSaved"];
        Assert.Equal("About how many minutes did the assistant save you on a typical day this week?", minutes.GetProperty("label").GetString());
        Assert.Equal("expanded", minutes.GetProperty("style").GetString());
        Assert.True(minutes.GetProperty("isRequired").GetBoolean());
        // The choices are exactly the minutes the handler accepts.
        Assert.Equal(TimeSavedSurveyCardData.MinuteChoices.Select(m => m.ToString(CultureInfo.InvariantCulture)), Values(minutes));
        Assert.Equal(["None", "About 15 minutes", "About 30 minutes", "About 1 hour", "About 1½ hours", "About 2 hours", "3 hours or more"],
            Titles(minutes));

        foreach (var (id, label) in new[] { ("quality", "The answers were good enough to use"), ("effort", "It took less effort to get my work done"),
                     ("speed", "I got my work done faster") })
        {
            var input = inputs[id];
            Assert.Equal(label, input.GetProperty("label").GetString());
            Assert.True(input.GetProperty("isRequired").GetBoolean(), id);
            Assert.Equal(["5", "4", "3", "2", "1"], Values(input));
            Assert.Equal(["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"], Titles(input));
        }

        var text = AllText(ask);
        // Noon UTC of the Monday, so every US time zone shows the same date.
        Assert.Contains("Week of {{DATE(2026-03-02T12:00:00Z, SHORT)}}", text);
        Assert.Contains("Your agency only sees totals of 10 or more people, never individual answers.", text);
        var action = Assert.Single(ask.GetProperty("actions").EnumerateArray());
        Assert.Equal(CardVerbs.SurveyTimeSaved, action.GetProperty("verb").GetString());
        Assert.Equal("auto", action.GetProperty("associatedInputs").GetString());
        Assert.Equal("""{"surveyId":"s"}""", action.GetProperty("data").GetRawText());

        Assert.DoesNotContain("Week of", AllText(_library.Bind(new TimeSavedSurveyCardData("s"))));
    }

    [Theory]
    [InlineData(0, "didn't save you time this week")]
    [InlineData(30, "saved you about 30 minutes on a typical day this week")]
    [InlineData(120, "saved you about 120 minutes on a typical day this week")]
    [InlineData(180, "saved you 3 hours or more on a typical day this week")]
    public void Submitted_survey_thanks_and_repeats_the_minutes(int minutes, string expected)
    {
        var done = _library.Bind(new TimeSavedSurveyCardData("s", true, minutes, 4, 4, 4));
        var text = AllText(done);
        Assert.Contains("✅ Thanks!", text);
        Assert.Contains(expected, text);
        Assert.Contains("Your answers were recorded.", text);
        Assert.Contains("never individual answers", text);
        Assert.Empty(OfType(done, "Input.ChoiceSet"));
        Assert.Empty(Verbs(done));
    }

    private static AdoptionReportCardData Report(int? satisfaction = 84, int? median = 60, int? mean = 71, int? agree = 78, int? engagement = 41,
        int hidden = 0, double questionsPerActive = 22.619178082191782) =>
        new("All agencies", Monday, Monday.AddDays(6), 24000, 18250, 76, 412800, questionsPerActive, satisfaction, median, mean, agree, 9800, engagement,
            3120, 640, 512, 23100, 15800, 214, hidden, 10, 95, 85, Monday.AddDays(7),
            [new AgencyAdoption("General Services Administration", 12000, 9100, 76, 24.1, 86, 65),
                new AgencyAdoption("Department of Labor", 8000, 6150, 77, 21, 83, 55),
                new AgencyAdoption("Office of Personnel Management", 4000, 3000, 75, 12.5, null, null)],
            [new WeeklyActive(Monday.AddDays(-7), 17300), new WeeklyActive(Monday, 18250)]);

    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    private static Dictionary<string, string> Facts(JsonElement card) =>
        OfType(card, "FactSet").Single().GetProperty("facts").EnumerateArray()
            .ToDictionary(f => f.GetProperty("title").GetString()!, f => f.GetProperty("value").GetString()!);

    [Fact]
    public void Adoption_report_shows_the_weeks_totals_beside_the_pilots_reference()
    {
        var card = _library.Bind(Report());
        Assert.Equal("Full", card.GetProperty("msteams").GetProperty("width").GetString());
        Assert.Contains("All agencies: {{DATE(2026-03-02T12:00:00Z, SHORT)}} – {{DATE(2026-03-08T12:00:00Z, SHORT)}}", AllText(card));
        var facts = Facts(card);
        Assert.Equal("24,000 people", facts["Enrolled"]);
        Assert.Equal("18,250 people (76% of enrolled)", facts["Active this week"]);
        Assert.Equal("412,800 (22.6 per active person)", facts["Questions"]);
        Assert.Equal("84% of rated answers liked (pilots: 85%)", facts["Satisfaction"]);
        Assert.Equal("60 min median, 71 min mean (pilots: 95 min/day)", facts["Time saved a day"]);
        Assert.Equal("78% agree the assistant helps (quality, effort, speed)", facts["Agreement"]);
        Assert.Equal("9,800 delivered, 41% engaged", facts["Training nudges"]);
        Assert.Equal("3,120", facts["Lessons completed"]);
        Assert.Equal("640 signed up, 512 attended", facts["Events"]);
        Assert.Equal("23,100 reached, 15,800 read", facts["Announcements"]);
        Assert.Equal("214", facts["Research reports"]);
        // The record has no link any more: nothing to open.
        Assert.False(card.TryGetProperty("actions", out var actions) && actions.GetArrayLength() > 0);
        Assert.DoesNotContain("Action.OpenUrl", card.GetRawText());
        Assert.Equal("412,800 (24 per active person)", Facts(_library.Bind(Report(questionsPerActive: 24.0)))["Questions"]);
        Assert.Equal("412,800 (0.1 per active person)", Facts(_library.Bind(Report(questionsPerActive: 0.05)))["Questions"]);
    }

    [Fact]
    public void Suppressed_figures_say_not_enough_answers()
    {
        var facts = Facts(_library.Bind(Report(satisfaction: null, median: null, mean: null, agree: null, engagement: null)));
        Assert.Equal("Not enough answers (pilots: 85%)", facts["Satisfaction"]);
        Assert.Equal("Not enough answers (pilots: 95 min/day)", facts["Time saved a day"]);
        Assert.Equal("Not enough answers", facts["Agreement"]);
        Assert.Equal("9,800 delivered; engagement: not enough answers", facts["Training nudges"]);
        Assert.Equal("60 min median (pilots: 95 min/day)", Facts(_library.Bind(Report(mean: null)))["Time saved a day"]);

        var es = Facts(_library.Bind(Report(satisfaction: null), "es-US"));
        Assert.Equal("No hay suficientes respuestas (pilotos: 85%)", es["Satisfacción"]);
    }

    [Fact]
    public void Adoption_report_draws_teams_charts_that_other_hosts_drop_and_keeps_the_table()
    {
        var card = _library.Bind(Report());
        var charts = OfType(card, null).Where(e => e.GetProperty("type").GetString()!.StartsWith("Chart.", StringComparison.Ordinal)).ToList();
        Assert.Equal(["Chart.Line", "Chart.HorizontalBar", "Chart.VerticalBar"], charts.Select(c => c.GetProperty("type").GetString()));
        Assert.All(charts, c => Assert.Equal("drop", c.GetProperty("fallback").GetString()));
        Assert.All(charts, c => Assert.False(string.IsNullOrWhiteSpace(c.GetProperty("title").GetString())));

        var series = Assert.Single(charts[0].GetProperty("data").EnumerateArray());
        Assert.Equal("Active people", series.GetProperty("legend").GetString());
        Assert.Equal("""[{"x":"2026-02-23","y":17300},{"x":"2026-03-02","y":18250}]""", series.GetProperty("values").GetRawText());

        Assert.Equal("""[{"x":"General Services Administration","y":76},{"x":"Department of Labor","y":77},{"x":"Office of Personnel Management","y":75}]""",
            charts[1].GetProperty("data").GetRawText());
        // Agencies without enough answers are left out of the minutes chart; the pilots' reference is the last bar.
        Assert.Equal("""[{"x":"General Services Administration","y":65},{"x":"Department of Labor","y":55},{"x":"Pilots (reference)","y":95,"color":"neutral"}]""",
            charts[2].GetProperty("data").GetRawText());

        // The table keeps every figure for hosts without charts: name, enrolled, active, active %, median or "—".
        var rows = OfType(card, "ColumnSet").Select(r => r.GetProperty("columns").EnumerateArray()
            .Select(c => string.Join("", c.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("text").GetString()))).ToList()).ToList();
        Assert.Contains(rows, r => r.SequenceEqual(["General Services Administration", "12,000", "9,100", "76%", "65"]));
        Assert.Contains(rows, r => r.SequenceEqual(["Office of Personnel Management", "4,000", "3,000", "75%", "—"]));

        var empty = _library.Bind(Report() with { Agencies = [], Trend = [] });
        Assert.DoesNotContain("Chart.", empty.GetRawText());
        Assert.DoesNotContain("By agency", AllText(empty));
    }

    [Fact]
    public void Adoption_report_says_how_many_small_groups_were_left_out()
    {
        var text = AllText(_library.Bind(Report(hidden: 3)));
        Assert.Contains("Groups of fewer than 10 people are never shown; 3 left out.", text);
        Assert.Contains("Generated {{DATE(2026-03-09T00:00:00Z, SHORT)}}. Totals only, never questions or answers.", text);
        Assert.DoesNotContain("left out", AllText(_library.Bind(Report(hidden: 0))));
    }

    private static readonly DateTimeOffset WindowEnd = new(2026, 6, 30, 23, 59, 59, TimeSpan.Zero);

    private static ResearchStatusCardData Research(ResearchCardState state, string milestone = "", int sourcesRead = 0) =>
        new("r-9", state, "Compare FOIA automation across agencies", milestone, sourcesRead);

    private static List<JsonElement> Actions(JsonElement card) =>
        card.TryGetProperty("actions", out var actions) ? [.. actions.EnumerateArray()] : [];

    [Theory]
    [InlineData("planning", "Planning the questions to look into")]
    [InlineData("reading", "Reading sources (7 so far)")]
    [InlineData("writing", "Writing the report")]
    [InlineData("", "Starting")]
    [InlineData("queued", "Starting")]
    public void Research_in_progress_shows_its_milestone_and_a_cancel_button(string milestone, string expected)
    {
        var card = _library.Bind(Research(ResearchCardState.Researching, milestone, 7) with { WindowEnd = WindowEnd });
        var text = AllText(card);
        Assert.Contains("Researching… usually 5–20 minutes. I'll message you here when the report is ready.", text);
        Assert.Contains(expected, text);
        // Exactly one milestone line.
        var milestones = new[] { "Planning the questions to look into", "Reading sources (", "Writing the report", "Starting" };
        Assert.Single(milestones, m => text.Contains(m, StringComparison.Ordinal));
        Assert.Contains("Your agency's Deep Research window is open until {{DATE(2026-06-30T23:59:59Z, SHORT)}}.", text);

        var cancel = Assert.Single(Actions(card));
        Assert.Equal("Action.Execute", cancel.GetProperty("type").GetString());
        Assert.Equal(CardVerbs.ResearchCancel, cancel.GetProperty("verb").GetString());
        Assert.Equal("research.cancel", cancel.GetProperty("verb").GetString());
        Assert.Equal("Cancel", cancel.GetProperty("title").GetString());
        Assert.Equal("destructive", cancel.GetProperty("style").GetString());
        Assert.Equal("""{"researchId":"r-9"}""", cancel.GetProperty("data").GetRawText());
        Assert.False(card.TryGetProperty("refresh", out _));

        Assert.DoesNotContain("window is open", AllText(_library.Bind(Research(ResearchCardState.Researching, milestone))));
        var es = AllText(_library.Bind(Research(ResearchCardState.Researching, "reading", 7), "es-US"));
        Assert.Contains("Investigando…", es);
        Assert.Contains("Leyendo fuentes (7 hasta ahora)", es);
        Assert.Equal("Cancelar", Assert.Single(Actions(_library.Bind(Research(ResearchCardState.Researching), "es-US"))).GetProperty("title").GetString());
    }

    [Theory]
    [InlineData(ResearchCardState.Delivered, "Done: the report is in this chat.")]
    [InlineData(ResearchCardState.Cancelled, "Cancelled. Nothing more will be sent for this question.")]
    [InlineData(ResearchCardState.TimedOut, "Stopped after 45 minutes without a finished report. Try a narrower question.")]
    [InlineData(ResearchCardState.Failed, "Something went wrong and no report was made. Please try again later.")]
    [InlineData(ResearchCardState.Busy, "You already have a research running. Cancel it or wait for its report.")]
    [InlineData(ResearchCardState.DailyLimit, "You have reached today's limit of 3 research requests. Try again tomorrow.")]
    [InlineData(ResearchCardState.NoWindow, "Deep Research is not available for your agency.")]
    [InlineData(ResearchCardState.NotYetOpen, "Deep Research opens for your agency on {{DATE(2026-01-01T05:00:00Z, SHORT)}}.")]
    [InlineData(ResearchCardState.Closed, "Your agency's Deep Research window closed on {{DATE(2026-06-30T23:59:59Z, SHORT)}}.")]
    public void Research_that_is_over_or_not_allowed_says_why_and_offers_no_buttons(ResearchCardState state, string expected)
    {
        var data = Research(state, "reading", 12) with
        {
            PerDay = 3, MaxMinutes = 45, WindowStart = new DateTimeOffset(2026, 1, 1, 5, 0, 0, TimeSpan.Zero), WindowEnd = WindowEnd,
        };
        var card = _library.Bind(data);
        var text = AllText(card);
        Assert.Contains(expected, text);
        Assert.Empty(Actions(card));
        Assert.DoesNotContain("Researching…", text);
        Assert.DoesNotContain("Reading sources", text);
        Assert.DoesNotContain("window is open", text);
        // Only the window states say whom to ask.
        var window = state is ResearchCardState.NoWindow or ResearchCardState.NotYetOpen or ResearchCardState.Closed;
        Assert.Equal(window, text.Contains("Questions? Ask your agency's AI program coach.", StringComparison.Ordinal));
    }

    [Fact]
    public void Research_unavailable_names_the_agency_and_contact_when_known()
    {
        var noWindow = AllText(_library.Bind(Research(ResearchCardState.NoWindow)));
        Assert.Contains("Deep Research is not available for your agency.", noWindow);
        Assert.Contains("Questions? Ask your agency's AI program coach.", noWindow);

        var named = AllText(_library.Bind(Research(ResearchCardState.NoWindow) with { AgencyName = "Department of Labor", Contact = "Ana Ruiz" }));
        Assert.Contains("Deep Research is not available for Department of Labor.", named);
        Assert.Contains("Questions? Ask Ana Ruiz.", named);
        Assert.DoesNotContain("AI program coach", named);

        // A window state without its date still reads as a sentence (no unresolved binding).
        Assert.Contains("Deep Research is not open for your agency yet.", AllText(_library.Bind(Research(ResearchCardState.NotYetOpen))));
        Assert.Contains("Your agency's Deep Research window has closed.", AllText(_library.Bind(Research(ResearchCardState.Closed))));
        Assert.Contains("¿Preguntas? Consulte al coach del programa de IA de su agencia.",
            AllText(_library.Bind(Research(ResearchCardState.NoWindow), "es-US")));
    }

    [Fact]
    public void Research_question_is_the_heading_and_shows_as_typed()
    {
        var card = _library.Bind(new ResearchStatusCardData("r-9", ResearchCardState.Delivered,
            "Is **bold** <b>html</b> [a link](https://evil.example) ${$root.researchId} ok?"));
        var body = card.GetProperty("body").EnumerateArray().ToList();
        Assert.Equal("Deep Research", body[0].GetProperty("text").GetString());
        var heading = body[1];
        Assert.Equal("heading", heading.GetProperty("style").GetString());
        var question = heading.GetProperty("text").GetString()!;
        Assert.Contains(@"Is \*\*bold\*\* \<b\>html\</b\> \[a link\](https://evil.example) $", question);
        Assert.DoesNotContain("[a link](", question);
        Assert.False(question.Contains("${", StringComparison.Ordinal), question);
        Assert.DoesNotContain("r-9", question);

        // No question: the card still has a heading.
        var empty = _library.Bind(new ResearchStatusCardData("r-9", ResearchCardState.Busy, ""));
        var first = empty.GetProperty("body").EnumerateArray().First();
        Assert.Equal("Deep Research", first.GetProperty("text").GetString());
        Assert.Equal("heading", first.GetProperty("style").GetString());
        Assert.Empty(AccessibilityTests.Check(empty));
    }

    internal static IEnumerable<JsonElement> OfType(JsonElement e, string? type)
    {
        if (e.ValueKind == JsonValueKind.Array) return e.EnumerateArray().SelectMany(x => OfType(x, type));
        if (e.ValueKind != JsonValueKind.Object) return [];
        var self = e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && (type is null || t.GetString() == type)
            ? [e] : Array.Empty<JsonElement>();
        return self.Concat(e.EnumerateObject().SelectMany(p => OfType(p.Value, type)));
    }

    private static List<string> Values(JsonElement choiceSet) =>
        choiceSet.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("value").GetString()!).ToList();

    private static List<string> Titles(JsonElement choiceSet) =>
        choiceSet.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("title").GetString()!).ToList();

    /// <summary>All string values of the card, unescaped (GetRawText escapes apostrophes and emoji).</summary>
    internal static string AllText(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Object => string.Join("\n", e.EnumerateObject().Select(p => AllText(p.Value))),
        JsonValueKind.Array => string.Join("\n", e.EnumerateArray().Select(AllText)),
        _ => "",
    };

    internal static List<string> Verbs(JsonElement card)
    {
        var verbs = new HashSet<string>();
        Collect(card, verbs, out var ordered, includeRefresh: false);
        return ordered;
    }

    private static void Collect(JsonElement e, HashSet<string> verbs, out List<string> ordered, bool includeRefresh = true)
    {
        ordered = [];
        Walk(e, verbs, ordered, includeRefresh);
    }

    private static void Walk(JsonElement e, HashSet<string> verbs, List<string> ordered, bool includeRefresh)
    {
        if (e.ValueKind == JsonValueKind.Array) { foreach (var x in e.EnumerateArray()) Walk(x, verbs, ordered, includeRefresh); return; }
        if (e.ValueKind != JsonValueKind.Object) return;
        if (e.TryGetProperty("type", out var t) && t.GetString() == "Action.Execute")
        {
            var verb = e.GetProperty("verb").GetString()!;
            verbs.Add(verb);
            ordered.Add(verb);
        }
        foreach (var p in e.EnumerateObject())
        {
            if (!includeRefresh && p.Name == "refresh") continue;
            Walk(p.Value, verbs, ordered, includeRefresh);
        }
    }
}

public sealed class RefreshLimitTests
{
    [Fact]
    public void A_hackathon_invite_refreshes_for_at_most_60_people_as_Teams_allows()
    {
        var start = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        EventInviteCardData Invite(int people) => new("ev-1", EventKind.Hackathon, "Benefits hackathon", "Two days.", start, start.AddDays(1),
            "GSA HQ", "Accenture", 100, 10, RefreshUserIds: Enumerable.Range(1, people).Select(i => $"29:u{i}").ToList());

        var card = new CardLibrary().Bind(Invite(60));
        Assert.Equal(60, card.GetProperty("refresh").GetProperty("userIds").GetArrayLength());
        Assert.Equal("rsvp.refresh", card.GetProperty("refresh").GetProperty("action").GetProperty("verb").GetString());
        Assert.Throws<ArgumentException>(() => Invite(61));
    }
}
