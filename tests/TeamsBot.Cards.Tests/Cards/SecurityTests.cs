using System.Text.Json;

namespace TeamsBot.Cards.Tests.Cards;

/// <summary>User-provided text must show as typed: no links, HTML or template expressions smuggled into a card.</summary>
public sealed class SecurityTests
{
    private readonly CardLibrary _library = new();

    private static string Heading(JsonElement card) =>
        card.GetProperty("body").EnumerateArray().First(e => e.TryGetProperty("style", out var s) && s.GetString() == "heading").GetProperty("text").GetString()!;

    private static WelcomeCardData Welcome(string name) => new(name, "GSA", "AI for Government");

    [Fact]
    public void Markdown_link_in_a_name_is_escaped_so_it_renders_as_text()
    {
        var heading = Heading(_library.Bind(Welcome("[Click here](https://evil.example/login)")));
        Assert.Contains(@"\[Click here\](https://evil.example/login)", heading);
        Assert.DoesNotContain("[Click here](", heading);
    }

    [Fact]
    public void Html_and_emphasis_in_user_text_are_escaped()
    {
        var heading = Heading(_library.Bind(Welcome("<img src=x onerror=alert(1)> **boss** _x_")));
        Assert.Contains(@"\<img src=x onerror=alert(1)\>", heading);
        Assert.Contains(@"\*\*boss\*\* \_x\_", heading);
    }

    [Fact]
    public void Template_expressions_in_user_text_are_not_evaluated()
    {
        var card = _library.Bind(new AnswerSourceCardData(1, "${$root.url} ${string(position)}", "abstract", new Uri("https://k.example.gov/doc"),
            "source", DateTimeOffset.UnixEpoch));
        var heading = Heading(card);
        Assert.DoesNotContain("https://k.example.gov/doc", heading);
        Assert.DoesNotContain("1", heading);
        Assert.Contains("root.url", heading);
        // A word joiner breaks "${" so a later templating pass over the card cannot evaluate it either.
        Assert.False(heading.Contains("${", StringComparison.Ordinal), heading);
    }

    [Fact]
    public void Engine_never_evaluates_data_values_even_without_sanitising()
    {
        var data = JsonDocument.Parse("""{"title":"${secret}","secret":"TOP SECRET"}""").RootElement;
        var card = _library.Bind("answer-source", data);
        Assert.DoesNotContain("TOP SECRET", card.GetRawText());
    }

    [Fact]
    public void Coach_markdown_keeps_https_links_and_neutralises_other_schemes_and_html()
    {
        var body = CardText.Markdown("See [guide](https://learn.example.gov/x) or [this](javascript:alert(1)) <script>x</script> ${a}");
        Assert.Contains("[guide](https://learn.example.gov/x)", body);
        Assert.Contains(@"\[this\]\(javascript:", body);
        Assert.DoesNotContain("[this](", body);
        Assert.Contains(@"\<script\>", body);
        Assert.False(body.Contains("${", StringComparison.Ordinal), body);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("http://insecure.example.gov/")]
    [InlineData("data:text/html,hi")]
    public void Non_https_links_are_refused(string url)
    {
        var data = new AnswerSourceCardData(1, "t", "a", new Uri(url), "s", DateTimeOffset.UnixEpoch);
        Assert.Throws<JsonException>(() => _library.Bind(data));
    }

    [Fact]
    public void Announcement_refuses_more_than_three_links_and_images_without_alt_text()
    {
        var link = new AnnouncementLink("x", new Uri("https://a.example.gov"));
        Assert.Throws<ArgumentException>(() => new AnnouncementCardData("b", "t", "s", "b", "c", DateTimeOffset.UnixEpoch, Links: [link, link, link, link]));
        Assert.Throws<ArgumentException>(() => new AnnouncementCardData("b", "t", "s", "b", "c", DateTimeOffset.UnixEpoch, ImageUrl: new Uri("https://a.example.gov/i.png")));
    }

    [Fact]
    public void Composer_error_messages_and_notice_show_as_plain_text_even_when_they_quote_the_coach()
    {
        var card = _library.Bind(new BroadcastComposerCardData("d", [new AudienceOption("All", "all")],
            Errors: new ComposerErrors(ImageUrl: "[javascript:x](https://evil.example) is not an https URL ${$root.draftId}"),
            Notice: "<b>Preview</b> sent"));
        var text = LibraryTests.AllText(card);
        Assert.Contains(@"⚠️ \[javascript:x\](https://evil.example) is not an https URL $", text);
        Assert.DoesNotContain("[javascript:x](", text);
        Assert.False(text.Contains("${$root", StringComparison.Ordinal), text);
        Assert.Contains(@"ℹ️ \<b\>Preview\</b\> sent", text);
    }

    [Fact]
    public void Broadcast_titles_and_names_are_escaped_on_the_confirmation_approval_and_status_cards()
    {
        const string Evil = "[Click](https://evil.example) <b>x</b>";
        var cards = new ICardData[]
        {
            new BroadcastConfirmCardData("c", Evil, BroadcastKind.Announcement, Evil, 10, false, 5000),
            new BroadcastApprovalCardData("c", Evil, BroadcastKind.Invite, Evil, Evil, 10, "[bad](javascript:alert(1))"),
            new CampaignStatusCardData("c", Evil, CampaignState.Sending, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 10, DateTimeOffset.UnixEpoch, true, false, false),
        };
        foreach (var data in cards)
        {
            var text = LibraryTests.AllText(_library.Bind(data));
            Assert.DoesNotContain("[Click](", text);
            Assert.DoesNotContain("<b>", text);
            Assert.DoesNotContain("[bad](javascript", text);
            Assert.Contains(@"\[Click\](https://evil.example)", text);
        }
    }
}
