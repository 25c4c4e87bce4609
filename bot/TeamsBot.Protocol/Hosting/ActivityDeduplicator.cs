using Microsoft.Extensions.Caching.Memory;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Protocol.Hosting;

/// <summary>
/// Remembers recently processed activity ids so a redelivery (the channel retries when our reply is slow or lost)
/// is acknowledged without being processed again.
/// </summary>
public sealed class ActivityDeduplicator(TimeProvider time) : IDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private readonly object _gate = new();
    private readonly MemoryCache _seen = new(new MemoryCacheOptions { SizeLimit = 200_000, Clock = new SystemClockAdapter(time) });

    /// <summary>True the first time an activity is seen; false for a redelivery. Activities without an id always pass.</summary>
    public bool TryBegin(Activity activity)
    {
        if (string.IsNullOrEmpty(activity.Id)) return true;
        var key = $"{activity.ChannelId}|{activity.Conversation?.Id}|{activity.Id}";
        lock (_gate)
        {
            if (_seen.TryGetValue(key, out _)) return false;
            _seen.Set(key, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Window });
            return true;
        }
    }

    public void Dispose() => _seen.Dispose();

#pragma warning disable CS0618 // ISystemClock is what MemoryCacheOptions takes.
    private sealed class SystemClockAdapter(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
#pragma warning restore CS0618
}
