using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Protocol.Tests;

public class BotRouteTests
{
    private sealed class Help : ITurnHandler { public Task HandleAsync(ITurnContext c, CancellationToken t) => Task.CompletedTask; }
    private sealed class OtherHelp : ITurnHandler { public Task HandleAsync(ITurnContext c, CancellationToken t) => Task.CompletedTask; }
    private sealed class Answer : ITurnHandler { public Task HandleAsync(ITurnContext c, CancellationToken t) => Task.CompletedTask; }
    private sealed class Feedback : IInvokeHandler { public Task<InvokeResponse> HandleAsync(ITurnContext c, CancellationToken t) => Task.FromResult(InvokeResponse.Ok()); }

    public sealed record RsvpData(string EventId, int Seats = 1, bool Notify = false);

    private sealed class Rsvp : ICardActionHandler<RsvpData>
    {
        public Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext c, CardAction<RsvpData> action, CancellationToken t) =>
            Task.FromResult(AdaptiveCardInvokeResponse.Message($"{action.Verb}:{action.Data.EventId}:{action.Data.Seats}:{action.Data.Notify}:{action.IsRefresh}"));
    }

    private sealed class OtherRsvp : ICardActionHandler<RsvpData>
    {
        public Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext c, CardAction<RsvpData> action, CancellationToken t) =>
            Task.FromResult(AdaptiveCardInvokeResponse.Message("other"));
    }

    private static (BotRouteTable Table, IServiceProvider Services) Build(params Action<BotRouteBuilder>[] slices)
    {
        var services = new ServiceCollection();
        foreach (var slice in slices) services.AddBotRoutes(slice);
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<BotRouteTable>(), provider);
    }

    private static BotRouteTable Table() => Build(
        r => r.OnMessage<Answer>(),
        r => r.OnCommand<Help>("help").OnInvoke<Feedback>("message/submitAction").OnCardAction<Rsvp, RsvpData>("rsvp.register", "rsvp.refresh")).Table;

    private static Activity Execute(string verb, object? data, string trigger = "manual") => new()
    {
        Type = "invoke", Name = "adaptiveCard/action",
        Value = JsonSerializer.SerializeToElement(new { action = new { type = "Action.Execute", verb, data }, trigger }),
    };

    [Theory]
    [InlineData("help", typeof(Help))]
    [InlineData("HELP me", typeof(Help))]
    [InlineData("helpdesk hours?", typeof(Answer))]
    [InlineData("what is help?", typeof(Answer))]
    public void Commands_win_over_the_message_fallback(string text, Type expected)
    {
        var activity = new Activity { Type = "message", Text = text };
        Assert.Equal(expected, Table().MatchTurn(activity, text)!.HandlerType);
    }

    [Theory]
    [InlineData("help", true)]
    [InlineData("  Help! ", true)]
    [InlineData("new chat.", true)]
    [InlineData("help me write a memo", false)]
    [InlineData("reset my PIV PIN", false)]
    public void Exact_text_commands_match_only_the_whole_message(string text, bool isCommand)
    {
        var (table, _) = Build(r => r.OnMessage<Answer>().OnExactText<Help>("help", "new chat", "reset"));
        Assert.Equal(isCommand ? typeof(Help) : typeof(Answer), table.MatchTurn(new Activity { Type = "message", Text = text }, text)!.HandlerType);
    }

    [Fact]
    public void Invokes_route_by_name_and_card_actions_by_verb()
    {
        var table = Table();
        Assert.Equal(typeof(Feedback), table.MatchInvoke(new Activity { Type = "invoke", Name = "message/submitAction" })!.HandlerType);
        var route = table.MatchInvoke(Execute("RSVP.Register", new { eventId = 1 }))!;
        Assert.Equal(typeof(Rsvp), route.HandlerType);
        Assert.True(route.IsCardAction);
        Assert.Null(table.MatchInvoke(Execute("rsvp.other", new { })));
        Assert.Null(table.MatchInvoke(Execute("rsvp.register", null) with { Value = JsonSerializer.SerializeToElement(new { action = "garbage" }) }));
        Assert.Null(table.MatchInvoke(new Activity { Type = "invoke", Name = "unknown/thing" }));
        Assert.Null(table.Match(new Activity { Type = "somethingNew" }, ""));
        Assert.Null(table.MatchTurn(new Activity { Type = "invoke", Name = "message/submitAction" }, "")); // invokes never reach turn handlers
    }

    [Fact]
    public async Task Card_action_data_is_bound_to_the_handlers_type_with_Teams_string_inputs()
    {
        var (table, services) = Build(r => r.OnCardAction<Rsvp, RsvpData>("rsvp.register", "rsvp.refresh"));
        // Input.Number and Input.Toggle values arrive as strings; the trigger says whether a person clicked.
        var activity = Execute("rsvp.refresh", new { eventId = "ev-7", seats = "3", notify = "true" }, trigger: "automatic");
        var response = await table.MatchInvoke(activity)!.Run(services, Context(activity), default);
        var body = Assert.IsType<AdaptiveCardInvokeResponse>(response.Body);
        Assert.Equal((200, AdaptiveCardInvokeResponse.MessageType, (object)"rsvp.refresh:ev-7:3:True:True"), (response.Status, body.Type, body.Value));
    }

    [Theory]
    [InlineData("{}", "'eventId' is missing")]
    [InlineData(null, "'eventId' is missing")]
    [InlineData("{\"eventId\":null}", "eventId")]
    [InlineData("{\"eventId\":\"e\",\"seats\":\"many\"}", "seats")]
    [InlineData("[1,2]", "expected shape")]
    public async Task Bad_or_missing_card_data_gets_an_error_response_naming_the_field_and_never_reaches_the_handler(string? data, string reason)
    {
        var (table, services) = Build(r => r.OnCardAction<Rsvp, RsvpData>("rsvp.register"));
        var activity = Execute("rsvp.register", data is null ? null : JsonDocument.Parse(data).RootElement);
        var response = await table.MatchInvoke(activity)!.Run(services, Context(activity), default);
        var body = Assert.IsType<AdaptiveCardInvokeResponse>(response.Body);
        Assert.Equal((200, 400, AdaptiveCardInvokeResponse.ErrorType), (response.Status, body.StatusCode, body.Type));
        var error = Assert.IsType<AdaptiveCardInvokeResponse.ErrorValue>(body.Value);
        Assert.Equal("BadRequest", error.Code);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Two_handlers_for_one_verb_stop_startup_naming_both()
    {
        var e = Assert.Throws<BotRouteConflictException>(() => Build(
            r => r.OnCardAction<Rsvp, RsvpData>("rsvp.register"),
            r => r.OnCardAction<OtherRsvp, RsvpData>("RSVP.register")));
        Assert.Equal("Two bot routes for the card verb 'RSVP.register': Rsvp and OtherRsvp.", e.Message);
    }

    [Fact]
    public void A_command_and_an_exact_text_with_the_same_word_conflict_and_so_do_two_invoke_handlers()
    {
        var command = Assert.Throws<BotRouteConflictException>(() => Build(r => r.OnCommand<Help>("help"), r => r.OnExactText<OtherHelp>("Help")));
        Assert.Contains("the command 'Help': Help and OtherHelp", command.Message);
        Assert.Throws<BotRouteConflictException>(() => Build(r => r.OnInvoke<Feedback>("x/y"), r => r.OnCardAction<Rsvp, RsvpData>("v").OnActivity<Help>("event").OnInvoke<Feedback>("x/y").OnActivity<OtherHelp>("event")));
        Assert.Throws<ArgumentException>(() => Build(r => r.OnInvoke<Feedback>("adaptiveCard/action")));
        Assert.Throws<ArgumentException>(() => Build(r => r.OnActivity<Help>("invoke")));
    }

    [Fact]
    public void The_same_slice_registered_twice_adds_nothing_and_keeps_its_role()
    {
        var (table, _) = Build(r => r.OnCommand<Help>("help").RequireRole("Coach"), r => r.OnCommand<Help>("help").RequireRole("Coach"));
        Assert.Equal("Coach", Assert.Single(table.Routes).RequiredRole);
        // The same handler with another set of verbs is a mistake, not a silent drop of the new one.
        var e = Assert.Throws<BotRouteConflictException>(() => Build(r => r.OnCardAction<Rsvp, RsvpData>("x"), r => r.OnCardAction<Rsvp, RsvpData>("x", "y")));
        Assert.Contains("Rsvp is registered twice", e.Message);
    }

    [Fact]
    public void RequireRole_guards_the_routes_of_the_call_before_it()
    {
        var (table, _) = Build(r => r.OnCommand<Help>("broadcast").RequireRole("Coach").OnCardAction<Rsvp, RsvpData>("campaign.cancel", "campaign.send").RequireRole("Admin").OnMessage<Answer>());
        Assert.Equal("Coach", table.MatchTurn(new Activity { Type = "message", Text = "broadcast" }, "broadcast")!.RequiredRole);
        Assert.Equal("Admin", table.MatchInvoke(Execute("campaign.send", new { }))!.RequiredRole);
        Assert.Null(table.MatchTurn(new Activity { Type = "message", Text = "hello" }, "hello")!.RequiredRole);
        Assert.Throws<InvalidOperationException>(() => Build(r => r.RequireRole("Coach")));
    }

    private static ITurnContext Context(Activity activity) => Mock.Of<ITurnContext>(c => c.Activity == activity);
}
