using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Agencies;
using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;

namespace TeamsBot.Tests.Broadcasts;

/// <summary>The coach's path in Teams: composer, preview, confirmation with the audience size, live status card.</summary>
public sealed partial class BroadcastTeamsTests : IAsyncLifetime
{
    private BroadcastHarness _h = null!;
    private BotApp _bot = null!;
    private const string CoachChat = "a:coach-chat";

    public async Task InitializeAsync()
    {
        _h = await BroadcastHarness.StartAsync(gsaUsers: 20);
        _bot = await BotApp.StartAsync(_h.Settings());
        var registry = _bot.Services.GetRequiredService<IAgencyRegistry>();
        await registry.UpsertAsync((await registry.FindAsync("gsa", default))! with { CoachUserIds = [CoachId] }, default);
    }

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        await _h.DisposeAsync();
    }

    private Activity As(Activity a, string objectId) => a with
    {
        From = new ChannelAccount { Id = "29:" + objectId, AadObjectId = objectId, Name = objectId == CoachId ? "Coach One" : "User" },
        Conversation = a.Conversation! with { TenantId = TenantA },
        ChannelData = new TeamsChannelData { Tenant = new TenantInfo { Id = TenantA } },
    };

    private Activity Click(string verb, object data, string objectId = CoachId, string replyToId = "composer-card-1") =>
        As(TestActivities.Invoke(_h.Connector.ServiceUrl, "adaptiveCard/action",
            new { action = new { type = "Action.Execute", verb, data }, trigger = "manual" }, conversationId: CoachChat), objectId) with { ReplyToId = replyToId };

    private static object Composer(string users, string title = "Hackathon on Friday") => new
    {
        draftId = "new", kind = "invite", title, body = "Join the **AI hackathon**.", audienceType = "users", users,
        acknowledge = "true", link1Title = "", link1Url = "", sendDate = "", sendTime = "",
    };

    [GeneratedRegex("\"campaignId\":\"([0-9a-f]{32})\"")]
    private static partial Regex CampaignIdPattern();

    [Fact]
    public async Task A_coach_composes_previews_confirms_and_watches_the_status_card_update_in_place()
    {
        Assert.Equal(HttpStatusCode.OK, (await _bot.SendAsync(As(TestActivities.Message(_h.Connector.ServiceUrl, "broadcast", conversationId: CoachChat), CoachId))).StatusCode);
        var composer = (await _h.Connector.WaitForSendsAsync(1)).Single(r => r.IsSend);
        Assert.Contains("broadcast.send", composer.VisibleText);

        // Preview: to the coach only.
        var preview = await _bot.SendAsync(Click("broadcast.preview", Composer("user1@gsa.gov, user2@gsa.gov")));
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var sends = await _h.Connector.WaitForSendsAsync(2);
        Assert.Contains("Hackathon on Friday", sends.Last(r => r.IsSend).VisibleText);
        Assert.All(sends.Where(r => r.IsSend), r => Assert.Equal(CoachChat, r.ConversationId));
        Assert.All(_h.Connector.Deliveries, d => Assert.Equal(CoachChat, d.ConversationId));

        // Send: confirmation with the resolved audience size.
        var confirm = await (await _bot.SendAsync(Click("broadcast.send", Composer("user1@gsa.gov\nuser2@gsa.gov, user3@gsa.gov")))).Content.ReadAsStringAsync();
        Assert.Contains("broadcast.confirm", confirm);
        Assert.Contains("Send to 3 people", confirm); // the resolved audience size, on the button
        var campaignId = CampaignIdPattern().Match(confirm).Groups[1].Value;
        Assert.NotEmpty(campaignId);

        var status = await (await _bot.SendAsync(Click("broadcast.confirm", new { campaignId }))).Content.ReadAsStringAsync();
        Assert.Contains("campaign.cancel", status);
        await _h.Connector.WaitForDeliveriesAsync(3 + 2);
        // The status card is the card the coach clicked, updated in place until the campaign completes.
        var updates = await _h.Connector.WaitForAsync(r => r.Any(x => x.Method == "PUT" && x.Path.EndsWith("/activities/composer-card-1", StringComparison.Ordinal)
            && x.Body.Contains("campaign.recall", StringComparison.Ordinal) && !x.Body.Contains("campaign.cancel", StringComparison.Ordinal)));
        Assert.Contains(updates, x => x.Method == "PUT" && x.ConversationId == CoachChat);
        var perMember = _h.Connector.DeliveriesPerMember();
        foreach (var i in new[] { 1, 2, 3 }) Assert.Equal(1, perMember[UserId(i)]);
    }

    [Fact]
    public async Task A_composer_with_mistakes_comes_back_with_the_reason_under_each_field_and_nothing_is_sent()
    {
        var response = await (await _bot.SendAsync(Click("broadcast.send", new
        {
            draftId = "new", kind = "announcement", title = "", body = "x", imageUrl = "https://img.example.gov/a.png", imageAltText = "",
            audienceType = "users", users = "",
        }))).Content.ReadAsStringAsync();
        Assert.Contains("A title is required.", response);
        Assert.Contains("alt text", response);
        Assert.Contains("List at least one person", response);
        await Task.Delay(500);
        Assert.Equal(0, _h.Connector.DeliveryCount);
    }

    [Fact]
    public async Task Someone_who_is_not_a_coach_is_refused_politely_and_nothing_runs()
    {
        await _bot.SendAsync(As(TestActivities.Message(_h.Connector.ServiceUrl, "broadcast", conversationId: "a:employee"), UserId(5)));
        var reply = (await _h.Connector.WaitForSendsAsync(1)).Single(r => r.IsSend);
        Assert.Contains("nothing was done", reply.VisibleText);
        Assert.DoesNotContain("broadcast.send", reply.VisibleText);

        var click = await (await _bot.SendAsync(Click("broadcast.send", Composer("user1@gsa.gov"), objectId: UserId(5)))).Content.ReadAsStringAsync();
        Assert.Contains("Only coaches", click);
        await Task.Delay(500);
        Assert.All(_h.Connector.Deliveries, d => Assert.Equal("a:employee", d.ConversationId)); // the refusal, nothing else
    }
}
