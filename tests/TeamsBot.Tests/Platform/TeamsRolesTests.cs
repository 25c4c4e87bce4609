using System.Net;
using Moq;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Agencies;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Security;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Platform;

/// <summary>Role-guarded bot routes: commands and card buttons only for coaches (from the directory), politely refused to others.</summary>
public sealed class TeamsRolesTests : IAsyncLifetime
{
    // Sample directory: Alex Rivera (GSA) is an employee; the test makes Sam Chen (NASA) a coach by user id.
    private const string Employee = "00000000-0000-4000-8000-000000000001";
    private const string Coach = "00000000-0000-4000-8000-000000000002";
    private const string SampleTenant = "5a3b1e00-0000-4000-8000-00000000d1a0";
    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> Ran = new();

    private FakeConnector _connector = null!;
    private BotApp _bot = null!;

    public sealed record CancelData(string CampaignId);

    private sealed class BroadcastCommand : ITurnHandler
    {
        public async Task HandleAsync(ITurnContext context, CancellationToken cancellationToken)
        {
            Ran.Enqueue("broadcast:" + context.Activity.From!.AadObjectId);
            await context.SendTextAsync("composer", cancellationToken);
        }
    }

    private sealed class CancelCampaign : ICardActionHandler<CancelData>
    {
        public Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<CancelData> action, CancellationToken cancellationToken)
        {
            Ran.Enqueue($"cancel:{action.Data.CampaignId}:{context.Activity.From!.AadObjectId}");
            return Task.FromResult(AdaptiveCardInvokeResponse.Message("Campaign cancelled."));
        }
    }

    public async Task InitializeAsync()
    {
        _connector = await FakeConnector.StartAsync();
        _bot = await BotApp.StartAsync(customize: b => b.Services.AddBotRoutes(r => r
            .OnCommand<BroadcastCommand>("broadcast-test").RequireRole(Roles.Coach)
            .OnCardAction<CancelCampaign, CancelData>("campaign-test.cancel").RequireRole(Roles.Coach)));
        var registry = _bot.Services.GetRequiredService<IAgencyRegistry>();
        await registry.UpsertAsync((await registry.FindAsync("nasa", default))! with { CoachUserIds = [Coach] }, default);
    }

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        await _connector.DisposeAsync();
    }

    private Activity From(Activity activity, string aadObjectId) => activity with
    {
        From = activity.From! with { AadObjectId = aadObjectId, Id = "29:" + aadObjectId },
        Conversation = activity.Conversation! with { TenantId = SampleTenant },
    };

    [Fact]
    public async Task A_non_coach_typing_a_coach_command_gets_the_refusal_card_and_nothing_runs()
    {
        var response = await _bot.SendAsync(From(TestActivities.Message(_connector.ServiceUrl, "broadcast-test", conversationId: "a:employee-chat"), Employee));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = (await _connector.WaitForSendsAsync(1)).Single(r => r.IsSend);
        Assert.Contains("This is for coaches", reply.VisibleText);
        Assert.Contains("nothing was done", reply.VisibleText);
        Assert.DoesNotContain(Ran, r => r.EndsWith(Employee));
    }

    [Fact]
    public async Task A_coach_named_in_the_agency_registry_runs_the_command()
    {
        await _bot.SendAsync(From(TestActivities.Message(_connector.ServiceUrl, "broadcast-test", conversationId: "a:coach-chat"), Coach));
        var reply = (await _connector.WaitForSendsAsync(1)).Single(r => r.IsSend);
        Assert.Equal("composer", reply.Activity!.Text);
        Assert.Contains("broadcast:" + Coach, Ran);
    }

    [Fact]
    public async Task A_non_coach_pressing_a_coach_only_button_gets_a_refusal_invoke_response_and_the_card_stays()
    {
        var click = From(TestActivities.Invoke(_connector.ServiceUrl, "adaptiveCard/action",
            new { action = new { type = "Action.Execute", verb = "campaign-test.cancel", data = new { campaignId = "c-42" } }, trigger = "manual" }), Employee);
        var response = await _bot.SendAsync(click);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(200, body.GetProperty("statusCode").GetInt32());
        Assert.Equal("application/vnd.microsoft.activity.message", body.GetProperty("type").GetString());
        Assert.Contains("Only coaches can do this, so nothing was done", body.GetProperty("value").GetString());
        Assert.DoesNotContain(Ran, r => r == $"cancel:c-42:{Employee}");

        var byCoach = await _bot.SendAsync(From(click, Coach) with { Id = Guid.NewGuid().ToString("N") });
        Assert.Equal("Campaign cancelled.", JsonDocument.Parse(await byCoach.Content.ReadAsStringAsync()).RootElement.GetProperty("value").GetString());
        Assert.Contains($"cancel:c-42:{Coach}", Ran);
    }

    [Fact]
    public async Task A_user_Teams_did_not_identify_holds_no_role()
    {
        var anonymous = TestActivities.Message(_connector.ServiceUrl, "broadcast-test", conversationId: "a:anon-chat") is var m
            ? m with { From = m.From! with { AadObjectId = null } }
            : m;
        await _bot.SendAsync(anonymous);
        var reply = (await _connector.WaitForSendsAsync(1)).Single(r => r.IsSend);
        Assert.Contains("This is for coaches", reply.VisibleText);
    }
}

public sealed class RoleGuardTests
{
    [Fact]
    public async Task A_failed_role_lookup_refuses_instead_of_failing_the_turn()
    {
        var roles = new Moq.Mock<IDirectoryRoles>();
        roles.Setup(r => r.GetRolesAsync(Moq.It.IsAny<UserKey>(), Moq.It.IsAny<CancellationToken>())).ThrowsAsync(new TimeoutException("database"));
        var guard = new TeamsRoleGuard(roles.Object, new TeamsBot.Cards.CardLibrary(), Microsoft.Extensions.Logging.Abstractions.NullLogger<TeamsRoleGuard>.Instance);
        var activity = TestActivities.Message("http://127.0.0.1:1/", "broadcast");
        var context = Moq.Mock.Of<ITurnContext>(c => c.Activity == activity);
        Assert.False(await guard.IsInRoleAsync(context, Roles.Coach, default));
    }
}

public sealed class RouteConflictTests
{
    public sealed record Data(string Id);

    private sealed class First : ICardActionHandler<Data>
    {
        public Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext c, CardAction<Data> a, CancellationToken t) => Task.FromResult(AdaptiveCardInvokeResponse.Message("1"));
    }

    private sealed class Second : ICardActionHandler<Data>
    {
        public Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext c, CardAction<Data> a, CancellationToken t) => Task.FromResult(AdaptiveCardInvokeResponse.Message("2"));
    }

    [Fact]
    public async Task A_duplicated_verb_stops_startup_with_one_line_naming_both_handlers()
    {
        var errors = new StringWriter();
        var exit = await HostingExtensions.RunWithConfigurationCheckAsync(() => TeamsBotApplication.Build(["--urls=http://127.0.0.1:0"], b =>
        {
            b.Services.AddBotRoutes(r => r.OnCardAction<First, Data>("test.duplicate"));
            b.Services.AddBotRoutes(r => r.OnCardAction<Second, Data>("test.duplicate"));
        }), errors);
        Assert.Equal(2, exit);
        Assert.Equal(["Configuration error: Two bot routes for the card verb 'test.duplicate': First and Second."],
            errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task A_slice_command_claimed_again_stops_startup_too()
    {
        var errors = new StringWriter();
        var exit = await HostingExtensions.RunWithConfigurationCheckAsync(() => TeamsBotApplication.Build(["--urls=http://127.0.0.1:0"],
            b => b.Services.AddBotRoutes(r => r.OnInvoke<RefreshInvoke>("message/submitAction"))), errors);
        Assert.Equal(2, exit);
        Assert.Contains("Two bot routes for the invoke 'message/submitAction': FeedbackHandler and RefreshInvoke.", errors.ToString());
    }

    private sealed class RefreshInvoke : IInvokeHandler
    {
        public Task<InvokeResponse> HandleAsync(ITurnContext context, CancellationToken cancellationToken) => Task.FromResult(InvokeResponse.Ok());
    }
}
