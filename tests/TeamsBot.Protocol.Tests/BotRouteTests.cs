using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Protocol.Tests;

public class BotRouteTests
{
    private sealed class Help : ITurnHandler { public Task HandleAsync(ITurnContext c, CancellationToken t) => Task.CompletedTask; }
    private sealed class Answer : ITurnHandler { public Task HandleAsync(ITurnContext c, CancellationToken t) => Task.CompletedTask; }
    private sealed class Feedback : IInvokeHandler { public Task<InvokeResponse> HandleAsync(ITurnContext c, CancellationToken t) => Task.FromResult(InvokeResponse.Ok()); }
    private sealed class Rsvp : IInvokeHandler { public Task<InvokeResponse> HandleAsync(ITurnContext c, CancellationToken t) => Task.FromResult(InvokeResponse.Ok()); }

    private static BotRouteTable Table()
    {
        var services = new ServiceCollection();
        services.AddBotRoutes(r => r.OnMessage<Answer>());
        services.AddBotRoutes(r => r.OnCommand<Help>("help").OnInvoke<Feedback>("message/submitAction").OnCardAction<Rsvp>("rsvp.register"));
        return services.BuildServiceProvider().GetRequiredService<BotRouteTable>();
    }

    [Theory]
    [InlineData("help", typeof(Help))]
    [InlineData("HELP me", typeof(Help))]
    [InlineData("helpdesk hours?", typeof(Answer))]
    [InlineData("what is help?", typeof(Answer))]
    public void Commands_win_over_the_message_fallback(string text, Type expected)
    {
        var activity = new Activity { Type = "message", Text = text };
        Assert.Equal(expected, Table().Match(activity, text)!.HandlerType);
    }

    [Theory]
    [InlineData("help", true)]
    [InlineData("  Help! ", true)]
    [InlineData("new chat.", true)]
    [InlineData("help me write a memo", false)]
    [InlineData("reset my PIV PIN", false)]
    public void Exact_text_commands_match_only_the_whole_message(string text, bool isCommand)
    {
        var services = new ServiceCollection();
        services.AddBotRoutes(r => r.OnMessage<Answer>().OnExactText<Help>("help", "new chat", "reset"));
        var table = services.BuildServiceProvider().GetRequiredService<BotRouteTable>();
        Assert.Equal(isCommand ? typeof(Help) : typeof(Answer), table.Match(new Activity { Type = "message", Text = text }, text)!.HandlerType);
    }

    [Fact]
    public void Invokes_route_by_name_and_card_actions_by_verb()
    {
        var table = Table();
        Assert.Equal(typeof(Feedback), table.Match(new Activity { Type = "invoke", Name = "message/submitAction" }, "")!.HandlerType);
        var execute = new Activity
        {
            Type = "invoke", Name = "adaptiveCard/action",
            Value = JsonSerializer.SerializeToElement(new { action = new { type = "Action.Execute", verb = "rsvp.register", data = new { eventId = 1 } }, trigger = "manual" }),
        };
        Assert.Equal(typeof(Rsvp), table.Match(execute, "")!.HandlerType);
        Assert.Null(table.Match(execute with { Value = JsonSerializer.SerializeToElement(new { action = "garbage" }) }, ""));
        Assert.Null(table.Match(new Activity { Type = "invoke", Name = "unknown/thing" }, ""));
        Assert.Null(table.Match(new Activity { Type = "somethingNew" }, ""));
    }
}
