using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TeamsBot.Protocol.Hosting;

/// <summary>
/// Runs turns one at a time per conversation, in arrival order, independent of the HTTP reply (a model answer may
/// outlive it). On shutdown, waits for in-flight and queued turns to finish (bounded by the host's shutdown timeout).
/// </summary>
public sealed class TurnQueue(ILogger<TurnQueue> logger) : IHostedService
{
    private readonly Dictionary<string, Task> _tails = new(StringComparer.Ordinal);
    private readonly HashSet<Task> _inFlight = [];
    private readonly object _gate = new();
    private bool _stopping;

    public int InFlight
    {
        get { lock (_gate) return _inFlight.Count; }
    }

    /// <summary>Queues <paramref name="work"/> behind earlier turns of the same conversation; the task completes with it.</summary>
    public Task Enqueue(string conversationKey, Func<Task> work)
    {
        Task task;
        lock (_gate)
        {
            if (_stopping) throw new InvalidOperationException("The bot is shutting down.");
            var previous = _tails.GetValueOrDefault(conversationKey) ?? Task.CompletedTask;
            task = RunAfterAsync(previous, work);
            _tails[conversationKey] = task;
            _inFlight.Add(task);
        }
        _ = task.ContinueWith(t =>
        {
            lock (_gate)
            {
                _inFlight.Remove(t);
                if (_tails.TryGetValue(conversationKey, out var tail) && tail == t) _tails.Remove(conversationKey);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    /// <summary>Tracks work that runs outside the per-conversation order (invokes) so shutdown drains it too.</summary>
    public Task<T> Track<T>(Task<T> work)
    {
        lock (_gate) _inFlight.Add(work);
        _ = work.ContinueWith(t => { lock (_gate) _inFlight.Remove(t); }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return work;
    }

    private static async Task RunAfterAsync(Task previous, Func<Task> work)
    {
        await Task.Yield(); // never run a turn inline under the queue's lock
        try { await previous.ConfigureAwait(false); }
        catch { /* the earlier turn's failure was reported by its own caller */ }
        await work().ConfigureAwait(false);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task[] pending;
        lock (_gate)
        {
            _stopping = true;
            pending = [.. _inFlight];
        }
        if (pending.Length == 0) return;
        logger.LogInformation("Draining {Count} in-flight turns", pending.Length);
        try
        {
            await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Shutdown timeout: {Count} turns did not finish", InFlight);
        }
        catch (Exception)
        {
            // Turn failures were logged where they happened.
        }
    }
}
