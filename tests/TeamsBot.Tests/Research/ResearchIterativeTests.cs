using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Agencies;
using TeamsBot.Testing;
using TeamsBot.Tests.Broadcasts;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;
using static TeamsBot.Tests.Events.EventHarness;

namespace TeamsBot.Tests.Research;

/// <summary><c>Research:Provider=Iterative</c> with a chat model (a fake OpenAI-compatible server): two requests per report, sources only.</summary>
public sealed class ResearchIterativeTests
{
    [Fact]
    public async Task The_model_plans_and_writes_from_the_numbered_approved_sources_and_nothing_protected_reaches_it()
    {
        await using var h = await BroadcastHarness.StartAsync(gsaUsers: 2);
        await using var model = await FakeOpenAI.StartAsync();
        var settings = ResearchTests.Settings(h, stepDelay: "00:00:00");
        settings["Research:Provider"] = "Iterative";
        settings["Model:Provider"] = "Compatible";
        settings["Model:Endpoint"] = model.BaseUrl;
        settings["Model:Name"] = "gpt-test";
        await using var bot = await BotApp.StartAsync(settings);
        await ResearchTests.OpenWindowAsync(bot.Services.GetRequiredService<IAgencyRegistry>(), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        // Protected content: refused, and the model sees nothing.
        await bot.SendAsync(Person(TestActivities.Message(h.Connector.ServiceUrl, "research the SECRET//NOFORN annex on deployments", conversationId: ChatOf(UserId(2))), UserId(2), TenantA));
        Assert.Empty(model.Requests);

        model.Enqueue(
            ModelScript.Answer("1. What is included in the advanced features window?\n2. When does the window start?\n3. What happens after the window?"),
            ModelScript.Answer("SUMMARY: The window gives 60 days of unlimited advanced features [1], counted from the agency's activation [2].\nFINDINGS:\n- Deep research and advanced voice are included [1]\n- The 60 days start when the agency activates the program [2]\n- A claim with an invented source [9]"));
        await bot.SendAsync(Person(TestActivities.Message(h.Connector.ServiceUrl, "research " + ResearchTests.Question, conversationId: ChatOf(UserId(1))), UserId(1), TenantA));
        var requests = await h.Connector.WaitForAsync(r => r.Any(ResearchTests.IsConsentCard), TimeSpan.FromSeconds(30));

        Assert.Equal(2, model.Requests.Count); // requests per report: plan, write
        Assert.Contains(ResearchTests.Question, model.Requests[0].AllText);
        var write = model.Requests[1].AllText;
        Assert.Contains("[1] ", write);
        Assert.Contains("When does the window start?", write);
        Assert.Contains("60 days", write); // the approved passages themselves

        var report = JsonDocument.Parse(requests.Single(ResearchTests.IsReport).Body).RootElement;
        var text = report.GetProperty("text").GetString()!;
        Assert.Contains("Deep research and advanced voice are included [1]", text);
        Assert.Contains("A claim with an invented source", text);
        Assert.DoesNotContain("[9]", text);
        Assert.DoesNotContain("extractive", text);
        var entity = report.GetProperty("entities")[0];
        Assert.Equal("AIGeneratedContent", entity.GetProperty("additionalType")[0].GetString());
        Assert.Equal(2, entity.GetProperty("citation").GetArrayLength());
    }
}
