using System.Net;
using System.Text;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Connector;

namespace TeamsBot.Protocol.Hosting;

/// <summary>
/// Teams streaming for one turn (wire: typing activities with a <c>streaminfo</c> entity, then a final message).
/// 1:1 chats get an informative update, then text updates at most one per <see cref="StreamingResponse.UpdateInterval"/>,
/// each carrying the whole text so far; other scopes only get the final message. A 403 from the connector
/// (user pressed Stop, stream too long) cancels <see cref="Cancellation"/>; the stream never outlives <see cref="MaxDuration"/>.
/// </summary>
public sealed class StreamingResponse : IAsyncDisposable
{
    public static readonly TimeSpan UpdateInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(2);
    // Leave room for the final message inside Teams' two minutes.
    private static readonly TimeSpan FinalMargin = TimeSpan.FromSeconds(10);
    private const int MaxInformativeLength = 1000;

    private readonly Func<Activity, CancellationToken, Task<ResourceResponse>> _send;
    private readonly TimeProvider _time;
    private readonly StringBuilder _text = new();
    private readonly object _gate = new();
    private readonly CancellationTokenSource _cancel;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly SemaphoreSlim _changed = new(0, 1);
    // Cancelled when the stream ends: wakes the flush loop from its wait.
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _loopToken;
    private Task? _flushLoop;
    private int _sequence;
    private int _sentLength = -1;
    private bool _ended;
    private DateTimeOffset _lastSent = DateTimeOffset.MinValue;

    public StreamingResponse(Func<Activity, CancellationToken, Task<ResourceResponse>> send, bool canStream, TimeProvider time)
    {
        _send = send;
        _time = time;
        CanStream = canStream;
        _cancel = new CancellationTokenSource(MaxDuration - FinalMargin, time);
        _loopToken = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token, _stop.Token);
    }

    /// <summary>False outside 1:1 chats: updates are buffered and only the final message is sent.</summary>
    public bool CanStream { get; }

    /// <summary>The id Teams gave the stream (the id returned for the first update).</summary>
    public string? StreamId { get; private set; }

    /// <summary>Canceled when the user stopped the stream or it reached its time limit: stop producing text.</summary>
    public CancellationToken Cancellation => _cancel.Token;

    /// <summary>True when Teams refused further updates (the user pressed Stop).</summary>
    public bool StoppedByUser { get; private set; }

    public int UpdatesSent => _sequence;

    public string Text
    {
        get { lock (_gate) return _text.ToString(); }
    }

    /// <summary>Sends an informative update ("Searching agency guidance…") right away.</summary>
    public async Task SendInformativeUpdateAsync(string text, CancellationToken cancellationToken = default)
    {
        if (!CanStream || _cancel.IsCancellationRequested) return;
        if (text.Length > MaxInformativeLength) text = text[..MaxInformativeLength];
        await SendUpdateAsync(StreamTypes.Informative, text, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends generated text; a background loop coalesces it into at most one update per second.</summary>
    public void AppendText(string chunk)
    {
        if (string.IsNullOrEmpty(chunk)) return;
        lock (_gate)
        {
            if (_ended) return;
            _text.Append(chunk);
            if (!CanStream) return;
            _flushLoop ??= Task.Run(FlushLoopAsync);
        }
        if (_changed.CurrentCount == 0)
        {
            try { _changed.Release(); } catch (SemaphoreFullException) { }
        }
    }

    /// <summary>
    /// Ends the stream with the final message. Its text defaults to the streamed text; entities, attachments and
    /// channelData of <paramref name="final"/> are kept and the <c>streaminfo</c> final entity is added.
    /// </summary>
    public async Task<ResourceResponse> EndAsync(Activity final, CancellationToken cancellationToken = default)
    {
        Task? loop;
        lock (_gate)
        {
            _ended = true;
            loop = _flushLoop;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        if (loop is not null) await loop.ConfigureAwait(false);

        var plain = final with { Type = ActivityTypes.Message, Text = final.Text ?? Text };
        var message = plain;
        if (StreamId is not null)
        {
            var entities = (message.Entities ?? []).ToList();
            entities.Add(Entity.From(new StreamInfoEntity { StreamId = StreamId, StreamType = StreamTypes.Final }));
            message = message with
            {
                Entities = entities,
                ChannelData = (message.ChannelData ?? new TeamsChannelData()) with { StreamId = StreamId, StreamType = StreamTypes.Final },
            };
        }
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _send(message, cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectorException e) when (StreamId is not null && e.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
        {
            // The user pressed Stop: they keep what they saw. Otherwise Teams refused the stream (too long, too large,
            // already ended): deliver the answer as an ordinary message so it is never lost.
            if (StoppedByUser) return new ResourceResponse(null);
            return await _send(plain, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task FlushLoopAsync()
    {
        var token = _loopToken.Token;
        while (true)
        {
            try
            {
                await _changed.WaitAsync(token).ConfigureAwait(false);
                var wait = _lastSent + UpdateInterval - _time.GetUtcNow();
                if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            string text;
            lock (_gate)
            {
                if (_ended || _cancel.IsCancellationRequested) return;
                if (_text.Length == _sentLength) continue;
                text = _text.ToString();
            }
            try
            {
                await SendUpdateAsync(StreamTypes.Streaming, text, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // An update that failed for good (after retries) ends the updates; the final message still goes out.
                return;
            }
            lock (_gate)
            {
                if (_ended) return;
            }
        }
    }

    private async Task SendUpdateAsync(string streamType, string text, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cancel.IsCancellationRequested) return;
            var wait = _lastSent + UpdateInterval - _time.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            var sequence = _sequence + 1;
            var update = new Activity
            {
                Type = ActivityTypes.Typing,
                Text = text,
                Entities = [Entity.From(new StreamInfoEntity { StreamId = StreamId, StreamType = streamType, StreamSequence = sequence })],
                ChannelData = new TeamsChannelData { StreamId = StreamId, StreamType = streamType, StreamSequence = sequence },
            };
            try
            {
                var response = await _send(update, cancellationToken).ConfigureAwait(false);
                _sequence = sequence;
                StreamId ??= response.Id;
                _lastSent = _time.GetUtcNow();
                if (streamType == StreamTypes.Streaming) _sentLength = text.Length;
            }
            catch (ConnectorException e) when (e.StatusCode == HttpStatusCode.Forbidden)
            {
                StoppedByUser = true;
                await _cancel.CancelAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate) _ended = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_flushLoop is not null) await _flushLoop.ConfigureAwait(false);
        _loopToken.Dispose();
        _stop.Dispose();
        _cancel.Dispose();
    }
}
