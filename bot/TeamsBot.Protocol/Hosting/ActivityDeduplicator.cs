using Microsoft.Extensions.Caching.Memory;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Protocol.Hosting;

/// <summary>
/// Remembers recently processed activity ids so a redelivery (the channel retries when our reply is slow or lost)
/// is acknowledged without being processed again. The default remembers in memory (one replica); the app swaps in a
/// database-backed one so replicas behind one load balancer share what they have seen.
/// </summary>
public interface IActivityDeduplicator
{
    /// <summary>How long an activity id is remembered.</summary>
    static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    /// <summary>True the first time an activity is seen; false for a redelivery. Activities without an id always pass.</summary>
    ValueTask<bool> TryBeginAsync(Activity activity, CancellationToken cancellationToken);

    /// <summary>Its turn failed: a redelivery of the activity is processed again (the channel retries failures).</summary>
    ValueTask ForgetAsync(Activity activity, CancellationToken cancellationToken);

    /// <summary>
    /// The identity of a delivery: channel, conversation, type and activity id (null when the activity has no id). The type
    /// matters: an edit or delete of a message arrives with that message's id.
    /// </summary>
    static string? KeyOf(Activity activity) =>
        string.IsNullOrEmpty(activity.Id) ? null : $"{activity.ChannelId}|{activity.Conversation?.Id}|{activity.Type?.ToLowerInvariant()}|{activity.Id}";
}

/// <summary>In-process de-duplication (SQLite: a single instance).</summary>
public sealed class InMemoryActivityDeduplicator(TimeProvider time) : IActivityDeduplicator, IDisposable
{
    private readonly object _gate = new();
    private readonly MemoryCache _seen = new(new MemoryCacheOptions { SizeLimit = 200_000, Clock = new SystemClockAdapter(time) });

    public ValueTask<bool> TryBeginAsync(Activity activity, CancellationToken cancellationToken)
    {
        if (IActivityDeduplicator.KeyOf(activity) is not { } key) return ValueTask.FromResult(true);
        lock (_gate)
        {
            if (_seen.TryGetValue(key, out _)) return ValueTask.FromResult(false);
            _seen.Set(key, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = IActivityDeduplicator.Window });
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask ForgetAsync(Activity activity, CancellationToken cancellationToken)
    {
        if (IActivityDeduplicator.KeyOf(activity) is { } key) lock (_gate) _seen.Remove(key);
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _seen.Dispose();

#pragma warning disable CS0618 // ISystemClock is what MemoryCacheOptions takes.
    private sealed class SystemClockAdapter(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
#pragma warning restore CS0618
}
