using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Testing;

namespace TeamsBot.Answers.Tests;

public class TimeLimitTests
{
    /// <summary>A model that says a few words and then never finishes.</summary>
    private sealed class HangingModel : IChatClient
    {
        public readonly TaskCompletionSource Yielded = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, "Partial answer [1]");
            Yielded.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;
        public void Dispose() { }
    }

    /// <summary>A model that never says anything.</summary>
    private sealed class SilentModel : IChatClient
    {
        public readonly TaskCompletionSource Called = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Called.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;
        public void Dispose() { }
    }

    [Fact]
    public async Task A_model_silent_until_the_time_limit_gives_the_offline_answer_in_group_chats_too()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var model = new SilentModel();
        await using var connector = await FakeConnector.StartAsync();
        await using var bot = await BotApp.StartAsync(customize: b =>
        {
            b.Services.AddSingleton<TimeProvider>(time);
            b.Services.AddSingleton(new ModelClient(model, new ModelOptions { Provider = "Compatible" }));
        });
        _ = bot.SendAsync(TestActivities.Message(connector.ServiceUrl, "How do I get access?", ConversationTypes.GroupChat, "19:group@thread.v2"));
        await model.Called.Task.WaitAsync(TimeSpan.FromSeconds(20));
        for (var i = 0; i < 115 && connector.SentActivities.Count == 0; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }
        await connector.WaitForSendsAsync(1, TimeSpan.FromSeconds(15));
        var final = Assert.Single(connector.SentActivities);
        Assert.StartsWith(AnswerComposer.ModelUnavailableLine, final.Text);
    }

    [Fact]
    public async Task A_stream_never_outlives_two_minutes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var model = new HangingModel();
        await using var connector = await FakeConnector.StartAsync();
        await using var bot = await BotApp.StartAsync(new Dictionary<string, string?> { ["Model:IdleTimeout"] = "01:00:00" }, b =>
        {
            b.Services.AddSingleton<TimeProvider>(time);
            b.Services.AddSingleton(new ModelClient(model, new ModelOptions { Provider = "Compatible", IdleTimeout = TimeSpan.FromHours(1) }));
        });
        var started = time.GetUtcNow();
        _ = bot.SendAsync(TestActivities.Message(connector.ServiceUrl, "How do I get access?"));
        await model.Yielded.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await connector.WaitForSendsAsync(1);

        // Advance fake time second by second up to 115 s (inside Teams' 2 minutes), then give the bot real time to finish.
        for (var i = 0; i < 115 && !connector.SentActivities.Any(a => a.Type == ActivityTypes.Message); i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }
        await connector.WaitForAsync(r => r.Any(x => x.IsSend && x.Activity?.Type == ActivityTypes.Message), TimeSpan.FromSeconds(15));
        var final = connector.SentActivities.Single(a => a.Type == ActivityTypes.Message);
        Assert.True(time.GetUtcNow() - started < StreamingResponse.MaxDuration, $"final after {(time.GetUtcNow() - started).TotalSeconds} s");
        Assert.StartsWith("Partial answer [1]", final.Text);
        Assert.Contains("limited to two minutes", final.Text);
        Assert.Equal(StreamTypes.Final, final.Entities!.Single(e => e.Type == EntityTypes.StreamInfo).As<StreamInfoEntity>()!.StreamType);
    }
}
