using System.Text.Json;
using static TeamsBot.Cards.Tests.Cards.LibraryTests;

namespace TeamsBot.Cards.Tests.Cards;

/// <summary>The Broadcasts feature: announcement, composer, confirmation, approval and campaign status cards.</summary>
public sealed class BroadcastCardsTests
{
    private readonly CardLibrary _library = new();
    private static readonly DateTimeOffset At = new(2026, 3, 10, 9, 30, 0, TimeSpan.FromHours(-4));
    private static readonly IReadOnlyList<AudienceOption> Agencies = [new("General Services Administration", "gsa"), new("Department of Labor", "dol")];

    /// <summary>Every object of the card body in document order (depth first), so "right under" can be checked.</summary>
    private static List<JsonElement> Elements(JsonElement e)
    {
        var list = new List<JsonElement>();
        void Walk(JsonElement x)
        {
            if (x.ValueKind == JsonValueKind.Array) { foreach (var i in x.EnumerateArray()) Walk(i); return; }
            if (x.ValueKind != JsonValueKind.Object) return;
            if (x.TryGetProperty("type", out _)) list.Add(x);
            foreach (var p in x.EnumerateObject()) Walk(p.Value);
        }
        Walk(e.GetProperty("body"));
        return list;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static JsonElement Input(JsonElement card, string id) => Elements(card).Single(e => Str(e, "id") == id);

    private static List<string> TextBlocks(JsonElement card) =>
        Elements(card).Where(e => Str(e, "type") == "TextBlock").Select(e => Str(e, "text")!).ToList();

    private static List<JsonElement> Actions(JsonElement card) =>
        card.TryGetProperty("actions", out var a) ? a.EnumerateArray().ToList() : [];

    private static List<string?> ActionTitles(JsonElement card) => Actions(card).Select(a => Str(a, "title")).ToList();

    private static string Data(JsonElement action, string name) => action.GetProperty("data").GetProperty(name).GetString()!;

    // ---------- announcement

    private static AnnouncementCardData Announcement(BroadcastKind kind = BroadcastKind.Announcement) =>
        new("b-9", "T", "S", "Body", "Office", DateTimeOffset.UnixEpoch,
            Links: Enumerable.Range(1, 3).Select(i => new AnnouncementLink($"Link {i}", new Uri($"https://l.example.gov/{i}"))).ToList(), Kind: kind);

    [Theory]
    [InlineData(BroadcastKind.Announcement, "📣 Announcement from Office")]
    [InlineData(BroadcastKind.Nudge, "🎓 Training from Office")]
    [InlineData(BroadcastKind.Invite, "✉️ Invitation from Office")]
    public void Announcement_kicker_names_the_kind(BroadcastKind kind, string kicker)
    {
        var texts = TextBlocks(_library.Bind(Announcement(kind)));
        Assert.Equal(kicker, texts[0]);
        Assert.Single(texts, t => t.Contains(" from Office", StringComparison.Ordinal));
    }

    [Fact]
    public void Announcement_kind_defaults_to_announcement_so_existing_callers_keep_their_card()
    {
        var data = new AnnouncementCardData("b", "T", "S", "Body", "Office", DateTimeOffset.UnixEpoch);
        Assert.Equal(BroadcastKind.Announcement, data.Kind);
        Assert.Null(data.AcknowledgedAt);
        Assert.Equal("📣 Announcement from Office", TextBlocks(_library.Bind(data))[0]);
    }

    [Fact]
    public void Announcement_hides_the_summary_block_when_summary_is_empty()
    {
        var with = TextBlocks(_library.Bind(Announcement()));
        var without = TextBlocks(_library.Bind(Announcement() with { Summary = "" }));
        Assert.Contains("S", with);
        Assert.Equal(with.Count - 1, without.Count);
        Assert.DoesNotContain(without, string.IsNullOrWhiteSpace);
    }

    [Fact]
    public void Announcement_shows_up_to_three_link_buttons_then_acknowledge_and_replaces_it_once_acknowledged()
    {
        var data = Announcement();
        var card = _library.Bind(data);
        Assert.Equal(["Link 1", "Link 2", "Link 3", "Acknowledge"], ActionTitles(card));
        var ack = Actions(card)[3];
        Assert.Equal(CardVerbs.BroadcastAck, Str(ack, "verb"));
        Assert.Equal("b-9", Data(ack, "broadcastId"));
        Assert.DoesNotContain(TextBlocks(card), t => t.Contains("Acknowledged", StringComparison.Ordinal));

        var acked = _library.Bind(data with { Acknowledged = true });
        Assert.DoesNotContain(Actions(acked), a => Str(a, "type") == "Action.Execute");
        Assert.Contains("✓ Acknowledged", TextBlocks(acked));

        var ackedAt = _library.Bind(data with { Acknowledged = true, AcknowledgedAt = At });
        Assert.Contains("✓ Acknowledged {{DATE(2026-03-10T13:30:00Z, SHORT)}} {{TIME(2026-03-10T13:30:00Z)}}", TextBlocks(ackedAt));
        Assert.DoesNotContain("✓ Acknowledged", TextBlocks(ackedAt));

        var noAck = _library.Bind(data with { RequiresAck = false });
        Assert.Equal(["Link 1", "Link 2", "Link 3"], ActionTitles(noAck));
        Assert.DoesNotContain(TextBlocks(noAck), t => t.Contains("Acknowledged", StringComparison.Ordinal));
    }

    [Fact]
    public void Acknowledged_line_is_spanish_in_spanish()
    {
        var card = _library.Bind(Announcement(BroadcastKind.Invite) with { Acknowledged = true }, "es-US");
        Assert.Contains("✓ Lectura confirmada", TextBlocks(card));
        Assert.Equal("✉️ Invitación de Office", TextBlocks(card)[0]);
    }

    // ---------- composer

    private static readonly string[] ComposerInputIds =
    [
        "kind", "title", "body", "imageUrl", "imageAltText", "link1Title", "link1Url", "link2Title", "link2Url", "link3Title", "link3Url",
        "acknowledge", "audienceType", "agencies", "groups", "teamId", "users", "sendDate", "sendTime",
    ];

    [Fact]
    public void Composer_has_the_contract_inputs_in_order_and_two_universal_actions_carrying_the_draft()
    {
        var card = _library.Bind(new BroadcastComposerCardData("d-7", Agencies));
        var ids = Elements(card).Where(e => Str(e, "type")!.StartsWith("Input.", StringComparison.Ordinal)).Select(e => Str(e, "id")).ToList();
        Assert.Equal(ComposerInputIds, ids);

        Assert.Equal("Input.ChoiceSet", Str(Input(card, "kind"), "type"));
        Assert.Equal("compact", Str(Input(card, "kind"), "style"));
        Assert.Equal(["announcement", "nudge", "invite"], Input(card, "kind").GetProperty("choices").EnumerateArray().Select(c => Str(c, "value")));
        Assert.Equal(["Announcement", "Training nudge", "Invitation"], Input(card, "kind").GetProperty("choices").EnumerateArray().Select(c => Str(c, "title")));
        Assert.True(Input(card, "title").GetProperty("isRequired").GetBoolean());
        Assert.Equal(200, Input(card, "title").GetProperty("maxLength").GetInt32());
        Assert.True(Input(card, "body").GetProperty("isMultiline").GetBoolean());
        Assert.Equal(4000, Input(card, "body").GetProperty("maxLength").GetInt32());
        Assert.Contains("Markdown", Str(Input(card, "body"), "label"));
        Assert.Equal("Url", Str(Input(card, "imageUrl"), "style"));
        Assert.Equal("Url", Str(Input(card, "link2Url"), "style"));
        Assert.Contains("required when there is an image", Str(Input(card, "imageAltText"), "label"));
        var toggle = Input(card, "acknowledge");
        Assert.Equal(("Input.Toggle", "true", "false", "Ask people to acknowledge"), (Str(toggle, "type"), Str(toggle, "valueOn"), Str(toggle, "valueOff"), Str(toggle, "title")));
        Assert.Equal(["tenant", "agencies", "groups", "team", "users"], Input(card, "audienceType").GetProperty("choices").EnumerateArray().Select(c => Str(c, "value")));
        Assert.Equal(["Everyone in the organization", "Agencies", "Entra groups", "A team", "A list of people"],
            Input(card, "audienceType").GetProperty("choices").EnumerateArray().Select(c => Str(c, "title")));
        var agencies = Input(card, "agencies");
        Assert.True(agencies.GetProperty("isMultiSelect").GetBoolean());
        Assert.Equal(["gsa", "dol"], agencies.GetProperty("choices").EnumerateArray().Select(c => Str(c, "value")));
        Assert.Equal(["General Services Administration", "Department of Labor"], agencies.GetProperty("choices").EnumerateArray().Select(c => Str(c, "title")));
        Assert.Equal("Group ids, separated by commas", Str(Input(card, "groups"), "label"));
        Assert.Equal("Team (Microsoft 365 group) id", Str(Input(card, "teamId"), "label"));
        Assert.Equal("UPNs or Entra object ids, one per line or separated by commas", Str(Input(card, "users"), "label"));
        Assert.True(Input(card, "users").GetProperty("isMultiline").GetBoolean());
        Assert.Equal("Input.Date", Str(Input(card, "sendDate"), "type"));
        Assert.Equal("Input.Time", Str(Input(card, "sendTime"), "type"));
        Assert.Contains("Leave empty to send now; the time is in your time zone.", TextBlocks(card));

        var actions = Actions(card);
        Assert.Equal([CardVerbs.BroadcastPreview, CardVerbs.BroadcastSend], actions.Select(a => Str(a, "verb")));
        Assert.Equal(["Preview", "Send…"], actions.Select(a => Str(a, "title")));
        Assert.All(actions, a => Assert.Equal(("Action.Execute", "d-7"), (Str(a, "type"), Data(a, "draftId"))));
        Assert.Equal("positive", Str(actions[1], "style"));
    }

    [Fact]
    public void Composer_prefills_what_the_coach_typed_verbatim()
    {
        var data = new BroadcastComposerCardData("d-7", Agencies, "invite", "Title **raw** ${x}", "Body", "https://i.example.gov/a.png", "Alt",
            [new ComposerLinkInput("Guide", "https://g.example.gov"), new ComposerLinkInput("Signup", "https://s.example.gov")], Acknowledge: true,
            AudienceType: "users", AudienceAgencies: "gsa,dol", AudienceGroups: "g1,g2", AudienceTeam: "t1", AudienceUsers: "a@x.gov\nb@x.gov",
            SendDate: "2026-03-10", SendTime: "09:30");
        var card = _library.Bind(data);
        string Value(string id) => Str(Input(card, id), "value")!;
        Assert.Equal("invite", Value("kind"));
        Assert.Equal("Title **raw** ${x}", Value("title")); // inputs show text as typed: no escaping, no evaluation
        Assert.Equal(("Body", "https://i.example.gov/a.png", "Alt"), (Value("body"), Value("imageUrl"), Value("imageAltText")));
        Assert.Equal(("Guide", "https://g.example.gov", "Signup", "https://s.example.gov", "", ""),
            (Value("link1Title"), Value("link1Url"), Value("link2Title"), Value("link2Url"), Value("link3Title"), Value("link3Url")));
        Assert.Equal("true", Value("acknowledge"));
        Assert.Equal("false", Str(Input(_library.Bind(data with { Acknowledge = false }), "acknowledge"), "value"));
        Assert.Equal(("users", "gsa,dol", "g1,g2", "t1", "a@x.gov\nb@x.gov"), (Value("audienceType"), Value("agencies"), Value("groups"), Value("teamId"), Value("users")));
        Assert.Equal(("2026-03-10", "09:30"), (Value("sendDate"), Value("sendTime")));
    }

    [Fact]
    public void Composer_links_are_always_three_rows()
    {
        Assert.Equal(3, new BroadcastComposerCardData("d", Agencies).Links.Count);
        Assert.All(new BroadcastComposerCardData("d", Agencies).Links, l => Assert.Equal(new ComposerLinkInput(), l));
        var one = new BroadcastComposerCardData("d", Agencies, Links: [new ComposerLinkInput("A", "https://a.example.gov")]);
        Assert.Equal([new ComposerLinkInput("A", "https://a.example.gov"), new ComposerLinkInput(), new ComposerLinkInput()], one.Links);
        var link = new ComposerLinkInput("A", "https://a.example.gov");
        Assert.Equal(3, new BroadcastComposerCardData("d", Agencies, Links: [link, link, link]).Links.Count);
        Assert.Throws<ArgumentException>(() => new BroadcastComposerCardData("d", Agencies, Links: [link, link, link, link]));
        Assert.NotNull(new BroadcastComposerCardData("d", Agencies).Errors);
    }

    [Fact]
    public void Composer_shows_each_error_message_right_under_its_field_and_nothing_when_all_is_fine()
    {
        var ok = _library.Bind(new BroadcastComposerCardData("d", Agencies));
        Assert.DoesNotContain("⚠", LibraryTests.AllText(ok), StringComparison.Ordinal);

        var bad = _library.Bind(new BroadcastComposerCardData("d", Agencies, Errors: new ComposerErrors(Title: "Enter a title.", SendAt: "Pick a time in the future.")));
        var texts = TextBlocks(bad);
        Assert.Contains("⚠️ Please fix the fields below before sending.", texts);
        var elements = Elements(bad);
        var titleError = elements.FindIndex(e => Str(e, "text") == "⚠️ Enter a title.");
        Assert.Equal(elements.FindIndex(e => Str(e, "id") == "title") + 1, titleError);
        Assert.Equal("attention", Str(elements[titleError], "color"));
        var sendAtError = elements.FindIndex(e => Str(e, "text") == "⚠️ Pick a time in the future.");
        Assert.True(sendAtError > elements.FindIndex(e => Str(e, "id") == "sendTime"));
        Assert.Equal(2, texts.Count(t => t.StartsWith("⚠️ ", StringComparison.Ordinal) && t != "⚠️ Please fix the fields below before sending."));

        foreach (var (errors, after, message) in new (ComposerErrors, string, string)[]
        {
            (new(Body: "m"), "body", "⚠️ m"), (new(ImageUrl: "m"), "imageUrl", "⚠️ m"), (new(ImageAltText: "m"), "imageAltText", "⚠️ m"),
            (new(Links: "m"), "link3Url", "⚠️ m"), (new(Audience: "m"), "users", "⚠️ m"),
        })
        {
            var el = Elements(_library.Bind(new BroadcastComposerCardData("d", Agencies, Errors: errors)));
            var at = el.FindIndex(e => Str(e, "text") == message);
            Assert.True(at > el.FindIndex(e => Str(e, "id") == after), $"{after}: error not under the field");
            Assert.Single(el, e => Str(e, "text") == message);
            // Nothing but layout between the field and its message.
            Assert.All(el.Skip(el.FindIndex(e => Str(e, "id") == after) + 1).Take(at - el.FindIndex(e => Str(e, "id") == after) - 1),
                e => Assert.Contains(Str(e, "type"), new[] { "Column", "ColumnSet" }));
        }
    }

    [Fact]
    public void Composer_notice_shows_at_the_top_only_when_set()
    {
        Assert.DoesNotContain(TextBlocks(_library.Bind(new BroadcastComposerCardData("d", Agencies))), t => t.StartsWith("ℹ️", StringComparison.Ordinal));
        var texts = TextBlocks(_library.Bind(new BroadcastComposerCardData("d", Agencies, Notice: "Preview sent: check this chat")));
        Assert.Equal("ℹ️ Preview sent: check this chat", texts[2]);
    }

    // ---------- confirmation

    private static BroadcastConfirmCardData Confirm() =>
        new("c-3", "Deep Research", BroadcastKind.Announcement, "3 agencies", 1840, NeedsApproval: false, ApprovalThreshold: 5000);

    [Fact]
    public void Confirm_asks_before_sending_now_and_offers_edit()
    {
        var card = _library.Bind(Confirm());
        var texts = TextBlocks(card);
        Assert.Contains("Send “Deep Research” to 1,840 people (3 agencies)?", texts);
        Assert.DoesNotContain(texts, t => t.Contains("Scheduled", StringComparison.Ordinal) || t.Contains("approve", StringComparison.Ordinal));
        var actions = Actions(card);
        Assert.Equal(["Send to 1,840 people", "Edit"], actions.Select(a => Str(a, "title")));
        Assert.Equal([CardVerbs.BroadcastConfirm, CardVerbs.BroadcastEdit], actions.Select(a => Str(a, "verb")));
        Assert.All(actions, a => Assert.Equal(("Action.Execute", "c-3"), (Str(a, "type"), Data(a, "campaignId"))));
    }

    [Fact]
    public void Confirm_schedules_when_a_send_time_is_set_and_requests_approval_above_the_threshold()
    {
        var scheduled = _library.Bind(Confirm() with { SendAt = At });
        Assert.Contains("🕒 Scheduled for {{DATE(2026-03-10T13:30:00Z, SHORT)}} {{TIME(2026-03-10T13:30:00Z)}}", TextBlocks(scheduled));
        Assert.Equal(["Schedule", "Edit"], ActionTitles(scheduled));

        var big = _library.Bind(Confirm() with { Recipients = 12000, NeedsApproval = true });
        var note = Elements(big).Single(e => Str(e, "color") == "attention");
        Assert.Equal("⚠️ More than 5,000 people: another coach or an admin must approve before it goes out.", Str(note, "text"));
        Assert.Equal(["Request approval", "Edit"], ActionTitles(big));
        Assert.Equal(CardVerbs.BroadcastConfirm, Str(Actions(big)[0], "verb"));

        var bigLater = _library.Bind(Confirm() with { NeedsApproval = true, SendAt = At });
        Assert.Equal(["Request approval", "Edit"], ActionTitles(bigLater));
    }

    [Fact]
    public void Confirm_escapes_the_title_and_speaks_spanish()
    {
        var card = _library.Bind(Confirm() with { Title = "[x](https://evil.example)" }, "es-US");
        Assert.Contains(@"¿Enviar «\[x\](https://evil.example)» a 1,840 personas (3 agencies)?", TextBlocks(card));
        Assert.Equal(["Enviar a 1,840 personas", "Editar"], ActionTitles(card));
    }

    // ---------- approval

    [Fact]
    public void Approval_shows_who_asks_for_whom_and_what_then_the_decision()
    {
        var data = new BroadcastApprovalCardData("c-4", "Deep Research", BroadcastKind.Nudge, "Maria Lopez", "Everyone in the organization", 24000,
            "Try **Deep Research**.");
        var card = _library.Bind(data);
        var text = LibraryTests.AllText(card);
        Assert.Contains("Maria Lopez wants to send this to 24,000 people", text);
        Assert.Contains("Everyone in the organization (24,000 people)", text);
        Assert.Contains("🎓 Training", text);
        Assert.Contains("Try **Deep Research**.", TextBlocks(card));
        var approve = Assert.Single(Actions(card));
        Assert.Equal(("Action.Execute", CardVerbs.BroadcastApprove, "Approve and send", "c-4"),
            (Str(approve, "type"), Str(approve, "verb"), Str(approve, "title"), Data(approve, "campaignId")));

        var approved = _library.Bind(data with { State = ApprovalState.Approved, DecidedBy = "Ana Ruiz" });
        Assert.Empty(Verbs(approved));
        Assert.Contains("✓ Approved by Ana Ruiz", TextBlocks(approved));
        Assert.DoesNotContain(TextBlocks(approved), t => t.StartsWith("⏳", StringComparison.Ordinal));
        Assert.Contains("✓ Approved", TextBlocks(_library.Bind(data with { State = ApprovalState.Approved })));
    }

    // ---------- campaign status

    private static CampaignStatusCardData Status(CampaignState state) =>
        new("c-5", "Deep Research", state, 2000, 1240, 12, 30, 2, 1, 715, 610, 402, 4.25, 170, At,
            CanCancel: true, CanResendFailed: false, CanRecall: false, PercentComplete: 64, SendAt: At);

    private static Dictionary<string, string> Facts(JsonElement card) =>
        Elements(card).Single(e => Str(e, "type") == "FactSet").GetProperty("facts").EnumerateArray()
            .ToDictionary(f => Str(f, "title")!, f => Str(f, "value")!);

    [Theory]
    [InlineData(CampaignState.Draft, "📝 Draft: not sent yet")]
    [InlineData(CampaignState.AwaitingApproval, "⏳ Waiting for approval by another coach or an admin")]
    [InlineData(CampaignState.Scheduled, "🕒 Scheduled for {{DATE(2026-03-10T13:30:00Z, SHORT)}} {{TIME(2026-03-10T13:30:00Z)}}")]
    [InlineData(CampaignState.Preparing, "⏳ Preparing the audience")]
    [InlineData(CampaignState.Sending, "📤 Sending: 64% done")]
    [InlineData(CampaignState.Completed, "✅ Delivery finished")]
    [InlineData(CampaignState.Cancelled, "⛔ Cancelled: no more messages will be sent")]
    public void Status_shows_one_state_line_with_its_symbol(CampaignState state, string line)
    {
        string[] all = ["📝", "⏳", "🕒", "📤", "✅", "⛔"];
        var texts = TextBlocks(_library.Bind(Status(state)));
        Assert.Contains(line, texts);
        Assert.Single(texts, t => all.Any(s => t.StartsWith(s, StringComparison.Ordinal)));
        Assert.Contains("Updated {{TIME(2026-03-10T13:30:00Z)}}", texts);
    }

    [Fact]
    public void Status_counts_every_outcome_and_shows_rate_and_eta_only_while_sending()
    {
        var sending = Facts(_library.Bind(Status(CampaignState.Sending)));
        Assert.Equal(new Dictionary<string, string>
        {
            ["Recipients"] = "2,000", ["Sent"] = "1,240", ["Failed"] = "12", ["Not installed"] = "30", ["Blocked"] = "2", ["Not found"] = "1",
            ["Remaining"] = "715", ["Read"] = "at least 610", ["Acknowledged"] = "402", ["Rate"] = "4.3 messages/s", ["Time left"] = "about 3 min",
        }, sending);
        Assert.Equal("under a minute", Facts(_library.Bind(Status(CampaignState.Sending) with { EtaSeconds = 59 }))["Time left"]);
        Assert.Equal("about 1 min", Facts(_library.Bind(Status(CampaignState.Sending) with { EtaSeconds = 60 }))["Time left"]);
        Assert.False(Facts(_library.Bind(Status(CampaignState.Sending) with { EtaSeconds = null })).ContainsKey("Time left"));
        Assert.Equal("0.0 messages/s", Facts(_library.Bind(Status(CampaignState.Sending) with { RatePerSecond = double.NaN }))["Rate"]);

        var done = Facts(_library.Bind(Status(CampaignState.Completed)));
        Assert.False(done.ContainsKey("Rate"));
        Assert.False(done.ContainsKey("Time left"));
        Assert.Equal(9, done.Count);
    }

    [Fact]
    public void Status_offers_cancel_resend_and_recall_only_when_allowed_and_refresh_always()
    {
        var sending = _library.Bind(Status(CampaignState.Sending));
        Assert.Equal([CardVerbs.CampaignCancel, CardVerbs.CampaignRefresh], Verbs(sending));
        Assert.Equal(["Cancel", "Refresh"], ActionTitles(sending));
        Assert.Equal("destructive", Str(Actions(sending)[0], "style"));

        var done = Status(CampaignState.Completed) with { CanCancel = false, CanResendFailed = true, CanRecall = true };
        var card = _library.Bind(done);
        Assert.Equal([CardVerbs.CampaignResendFailed, CardVerbs.CampaignRecall, CardVerbs.CampaignRefresh], Verbs(card));
        Assert.Equal(["Resend to failed", "Recall", "Refresh"], ActionTitles(card));
        Assert.Equal("destructive", Str(Actions(card)[1], "style"));
        Assert.All(Actions(card), a => Assert.Equal("c-5", Data(a, "campaignId")));
        Assert.Contains("⚠️ 12 people could not be reached", TextBlocks(card));

        Assert.Equal([CardVerbs.CampaignRefresh], Verbs(_library.Bind(done with { CanResendFailed = false, CanRecall = false })));
    }

    [Fact]
    public void Status_reports_recalled_chats_only_after_a_recall()
    {
        Assert.DoesNotContain(TextBlocks(_library.Bind(Status(CampaignState.Completed))), t => t.Contains("Recalled", StringComparison.Ordinal));
        Assert.Contains("↩️ Recalled from 1,240 chats", TextBlocks(_library.Bind(Status(CampaignState.Completed) with { Recalled = 1240 })));
    }
}
