using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Conversations;

/// <summary>The welcome card a new user sees names their agency and its open bonus-feature window.</summary>
public class WelcomeTests
{
    [Fact]
    public async Task Welcome_names_the_agency_and_the_bonus_features_with_days_left_in_the_users_language()
    {
        await using var connector = await FakeConnector.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-24T12:00:00Z"));
        await using var bot = await BotApp.StartAsync(customize: b => b.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));

        // Alex Rivera of the sample directory: a GSA employee; GSA's sample windows end on 2026-12-31.
        var added = TestActivities.BotAdded(connector.ServiceUrl) is var a
            ? a with
            {
                From = new ChannelAccount { Id = "29:alex", Name = "Alex Rivera", AadObjectId = "00000000-0000-4000-8000-000000000001" },
                Conversation = a.Conversation! with { TenantId = "5a3b1e00-0000-4000-8000-00000000d1a0" },
                Locale = "es-US",
            }
            : a;
        await bot.SendAsync(added);
        var welcome = (await connector.WaitForSendsAsync(1)).Single(r => r.IsSend).VisibleText;
        Assert.Contains("General Services Administration", welcome);
        Assert.Contains("Alex Rivera", welcome);
        Assert.Contains("Deep Research", welcome);
        Assert.Contains("37", welcome);
        Assert.Contains("Bienvenid", welcome); // Spanish card for an es-US Teams client
    }

    [Fact]
    public async Task Welcome_without_a_known_name_reads_naturally()
    {
        await using var connector = await FakeConnector.StartAsync();
        await using var bot = await BotApp.StartAsync();
        var added = TestActivities.BotAdded(connector.ServiceUrl) with { From = new ChannelAccount { Id = "29:user-1" } };
        await bot.SendAsync(added);
        var sent = (await connector.WaitForSendsAsync(1)).Single(r => r.IsSend);
        Assert.Contains("Welcome to Enterprise AI Assistant!", sent.VisibleText);
        // A user no directory rule maps: no agency is named, and no sentence starts in lower case.
        Assert.Contains("You are part of the government-wide AI program.", sent.VisibleText);
        Assert.DoesNotContain("your agency is", sent.VisibleText, StringComparison.OrdinalIgnoreCase);
        var texts = TextBlocks(sent.Activity!.Attachments![0].Content!.Value).ToList();
        Assert.NotEmpty(texts);
        Assert.All(texts, t => Assert.False(char.IsLower(t[0]), $"starts in lower case: {t}"));
    }

    private static IEnumerable<string> TextBlocks(System.Text.Json.JsonElement element)
    {
        if (element.ValueKind == System.Text.Json.JsonValueKind.Object)
        {
            if (element.TryGetProperty("type", out var type) && type.GetString() == "TextBlock" && element.TryGetProperty("text", out var text)
                && text.GetString() is { Length: > 0 } value) yield return value;
            foreach (var p in element.EnumerateObject()) foreach (var t in TextBlocks(p.Value)) yield return t;
        }
        else if (element.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray()) foreach (var t in TextBlocks(item)) yield return t;
        }
    }
}
