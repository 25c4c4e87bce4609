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
            "hackathon-invite", "help", "protected-content-refusal", "role-required", "satisfaction-pulse", "time-saved-survey", "training-nudge",
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
    public void Survey_asks_the_time_saved_question_then_thanks()
    {
        var ask = _library.Bind(new TimeSavedSurveyCardData("s"));
        Assert.Contains("How many minutes did the assistant save you today?", AllText(ask));
        Assert.Equal([CardVerbs.SurveyTimeSaved], Verbs(ask));
        var done = _library.Bind(new TimeSavedSurveyCardData("s", true, 30));
        Assert.Contains("saved you 30 minutes today", AllText(done));
        Assert.Empty(Verbs(done));
    }

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
