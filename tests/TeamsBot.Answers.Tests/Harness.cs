using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;

namespace TeamsBot.Answers.Tests;

/// <summary>The real bot on Kestrel, the fake connector, and (optionally) the fake model, all on 127.0.0.1.</summary>
internal sealed class Harness : IAsyncDisposable
{
    public required FakeConnector Connector { get; init; }
    public FakeOpenAI? Model { get; init; }
    public required BotApp Bot { get; init; }

    public static async Task<Harness> StartAsync(bool withModel = true, IDictionary<string, string?>? settings = null, string provider = "Compatible")
    {
        var connector = await FakeConnector.StartAsync();
        var model = withModel ? await FakeOpenAI.StartAsync() : null;
        var config = new Dictionary<string, string?>
        {
            ["Model:RetryBaseDelay"] = "00:00:00.050",
            ["Model:MaxRetries"] = "2",
        };
        if (model is not null)
        {
            config["Model:Provider"] = provider;
            config["Model:Endpoint"] = provider == "AzureOpenAI" ? model.RootUrl : model.BaseUrl;
            config["Model:Name"] = "gpt-test";
            config["Model:ApiKey"] = "test-key";
        }
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) config[k] = v;
        var bot = await BotApp.StartAsync(config);
        return new Harness { Connector = connector, Model = model, Bot = bot };
    }

    public Task<HttpResponseMessage> AskAsync(string text, string conversationType = ConversationTypes.Personal, string conversationId = "a:personal-chat-1",
        string aadObjectId = "aad-user-1") =>
        Bot.SendAsync(TestActivities.Message(Connector.ServiceUrl, text, conversationType, conversationId, aadObjectId: aadObjectId));

    /// <summary>Waits for the <paramref name="nth"/> message activity (not typing) the bot sent.</summary>
    public async Task<Activity> MessageAsync(int nth = 1)
    {
        await Connector.WaitForAsync(r => r.Count(x => x.IsSend && x.Activity?.Type == ActivityTypes.Message) >= nth);
        return Connector.SentActivities.Where(a => a.Type == ActivityTypes.Message).ElementAt(nth - 1);
    }

    public IReadOnlyList<ConnectorRequest> Sends => Connector.Requests.Where(r => r.IsSend).ToList();

    public async ValueTask DisposeAsync()
    {
        await Bot.DisposeAsync();
        if (Model is not null) await Model.DisposeAsync();
        await Connector.DisposeAsync();
    }
}

internal static class EntityAssertions
{
    public static IReadOnlyList<Entity> Roots(Activity a) =>
        (a.Entities ?? []).Where(e => e.Type == EntityTypes.SchemaOrgMessage).ToList();

    public static AIMessageEntity Root(Activity a) => Assert.Single(Roots(a)).As<AIMessageEntity>()!;
}
