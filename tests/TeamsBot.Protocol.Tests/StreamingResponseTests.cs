using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Connector;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Protocol.Tests;

public class StreamingResponseTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-24T10:00:00Z"));
    private readonly ConcurrentQueue<(Activity Activity, DateTimeOffset At)> _sent = new();
    private Func<Activity, ResourceResponse> _respond = _ => new ResourceResponse("stream-1");

    private StreamingResponse Create(bool personal) => new((a, _) =>
    {
        _sent.Enqueue((a, _time.GetUtcNow()));
        return Task.FromResult(_respond(a));
    }, personal, _time);

    private static StreamInfoEntity Info(Activity a) => a.Entities!.Single(e => e.Type == "streaminfo").As<StreamInfoEntity>()!;

    private async Task WaitForSentAsync(int count)
    {
        for (var i = 0; i < 500 && _sent.Count < count; i++) await Task.Delay(10);
        Assert.Equal(count, _sent.Count);
    }

    [Fact]
    public async Task Personal_stream_sends_informative_then_coalesced_updates_then_final()
    {
        await using var stream = Create(personal: true);
        await stream.SendInformativeUpdateAsync("Searching agency guidance…");
        Assert.Equal("stream-1", stream.StreamId);

        stream.AppendText("Hello");
        stream.AppendText(" there");
        await Task.Delay(100);
        Assert.Single(_sent); // nothing before a second has passed since the informative update

        _time.Advance(TimeSpan.FromSeconds(1));
        await WaitForSentAsync(2);
        stream.AppendText(", Ada");
        stream.AppendText(".");
        _time.Advance(TimeSpan.FromMilliseconds(500));
        await Task.Delay(100);
        Assert.Equal(2, _sent.Count);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        await WaitForSentAsync(3);

        var final = await stream.EndAsync(new Activity { Entities = [], ChannelData = new TeamsChannelData { FeedbackLoopEnabled = true } });
        var sent = _sent.ToArray();
        Assert.Equal(4, sent.Length);

        Assert.All(sent[..3], s => Assert.Equal(ActivityTypes.Typing, s.Activity.Type));
        Assert.Equal([1, 2, 3], sent[..3].Select(s => Info(s.Activity).StreamSequence!.Value));
        Assert.Equal(StreamTypes.Informative, Info(sent[0].Activity).StreamType);
        Assert.Null(Info(sent[0].Activity).StreamId);
        Assert.Equal("Hello there", sent[1].Activity.Text);
        Assert.Equal("Hello there, Ada.", sent[2].Activity.Text); // each update carries the whole text so far
        Assert.All(sent[1..3], s => Assert.Equal("stream-1", Info(s.Activity).StreamId));
        for (var i = 1; i < 3; i++) Assert.True(sent[i].At - sent[i - 1].At >= TimeSpan.FromSeconds(1));

        var message = sent[3].Activity;
        Assert.Equal(ActivityTypes.Message, message.Type);
        Assert.Equal("Hello there, Ada.", message.Text);
        var finalInfo = Info(message);
        Assert.Equal(StreamTypes.Final, finalInfo.StreamType);
        Assert.Equal("stream-1", finalInfo.StreamId);
        Assert.Null(finalInfo.StreamSequence);
        Assert.True(message.ChannelData!.FeedbackLoopEnabled);
    }

    [Fact]
    public async Task Group_chats_get_only_the_final_message()
    {
        await using var stream = Create(personal: false);
        await stream.SendInformativeUpdateAsync("Searching…");
        stream.AppendText("Answer ");
        stream.AppendText("text");
        _time.Advance(TimeSpan.FromSeconds(5));
        await Task.Delay(50);
        await stream.EndAsync(new Activity());
        var only = Assert.Single(_sent);
        Assert.Equal(ActivityTypes.Message, only.Activity.Type);
        Assert.Equal("Answer text", only.Activity.Text);
        Assert.Null(only.Activity.Entities);
    }

    [Fact]
    public async Task User_stop_403_cancels_the_stream_and_no_more_updates_are_sent()
    {
        await using var stream = Create(personal: true);
        await stream.SendInformativeUpdateAsync("Searching…");
        _respond = _ => throw new ConnectorException(HttpStatusCode.Forbidden, "ContentStreamNotAllowed", "stopped");
        stream.AppendText("partial");
        _time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 200 && !stream.Cancellation.IsCancellationRequested; i++) await Task.Delay(10);

        Assert.True(stream.StoppedByUser);
        Assert.True(stream.Cancellation.IsCancellationRequested);
        stream.AppendText(" more");
        _time.Advance(TimeSpan.FromSeconds(3));
        await Task.Delay(50);
        Assert.Equal(2, _sent.Count); // informative + the refused update, nothing after
    }

    [Fact]
    public async Task Stream_is_cancelled_before_the_two_minute_limit()
    {
        await using var stream = Create(personal: true);
        await stream.SendInformativeUpdateAsync("Searching…");
        _time.Advance(TimeSpan.FromSeconds(100));
        Assert.False(stream.Cancellation.IsCancellationRequested);
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.True(stream.Cancellation.IsCancellationRequested);
    }

    [Fact]
    public async Task A_refused_streamed_final_is_delivered_as_a_plain_message_unless_the_user_stopped()
    {
        await using var stream = Create(personal: true);
        await stream.SendInformativeUpdateAsync("Searching…");
        _respond = a => a.Type == ActivityTypes.Message && a.Entities?.Any(e => e.Type == "streaminfo") == true
            ? throw new ConnectorException(HttpStatusCode.Forbidden, "ContentStreamNotAllowed", "message size too large")
            : new ResourceResponse("final-id");
        stream.AppendText("A long answer");
        var response = await stream.EndAsync(new Activity());
        Assert.Equal("final-id", response.Id);
        var last = _sent.Last().Activity;
        Assert.Equal("A long answer", last.Text);
        Assert.DoesNotContain(last.Entities ?? [], e => e.Type == "streaminfo");
    }

    [Fact]
    public async Task After_the_user_pressed_Stop_the_final_is_not_forced_on_them()
    {
        await using var stream = Create(personal: true);
        await stream.SendInformativeUpdateAsync("Searching…");
        _respond = _ => throw new ConnectorException(HttpStatusCode.Forbidden, "ContentStreamNotAllowed", "stopped");
        stream.AppendText("partial");
        _time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 200 && !stream.StoppedByUser; i++) await Task.Delay(10);
        var response = await stream.EndAsync(new Activity());
        Assert.Null(response.Id);
    }

    [Fact]
    public async Task A_failing_update_stops_updates_but_the_final_message_still_goes_out()
    {
        await using var stream = Create(personal: true);
        await stream.SendInformativeUpdateAsync("Searching…");
        _respond = a => a.Type == ActivityTypes.Typing ? throw new ConnectorException(HttpStatusCode.ServiceUnavailable, null, "down") : new ResourceResponse("final");
        stream.AppendText("text");
        _time.Advance(TimeSpan.FromSeconds(1));
        await WaitForSentAsync(2);
        var response = await stream.EndAsync(new Activity());
        Assert.Equal("final", response.Id);
        Assert.Equal("text", _sent.Last().Activity.Text);
    }
}
