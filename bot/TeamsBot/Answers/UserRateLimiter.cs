using Microsoft.Extensions.Options;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Answers;

/// <summary>Sliding-window fair use in memory (exact: a log of each user's question times).</summary>
public sealed class UserRateLimiter(IOptions<AnswersOptions> options, TimeProvider time) : IFairUseLimiter
{
    public ValueTask<(bool Allowed, TimeSpan RetryAfter)> TryAcquireAsync(string user, CancellationToken cancellationToken) =>
        ValueTask.FromResult(TryAcquire(user, out var wait) ? (true, TimeSpan.Zero) : (false, wait));

    private readonly Dictionary<string, Queue<DateTimeOffset>> _asked = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    public static string UserKey(Activity activity) =>
        activity.From?.AadObjectId ?? activity.From?.Id ?? activity.Conversation?.Id ?? "";

    /// <summary>Records a question; false (and how long to wait) when the user is over the limit.</summary>
    public bool TryAcquire(string user, out TimeSpan retryAfter)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        lock (_gate)
        {
            // Forget idle users once per window, not on every question: O(1) amortised for a workforce of millions.
            if (now >= _nextPrune)
            {
                Prune(now - o.RateLimitWindow);
                _nextPrune = now + o.RateLimitWindow;
            }
            if (!_asked.TryGetValue(user, out var times)) _asked[user] = times = new Queue<DateTimeOffset>();
            while (times.Count > 0 && times.Peek() <= now - o.RateLimitWindow) times.Dequeue();
            if (times.Count >= o.QuestionsPerWindow)
            {
                retryAfter = times.Peek() + o.RateLimitWindow - now;
                return false;
            }
            times.Enqueue(now);
            retryAfter = TimeSpan.Zero;
            return true;
        }
    }

    internal int TrackedUsers
    {
        get { lock (_gate) return _asked.Count; }
    }

    private void Prune(DateTimeOffset before)
    {
        foreach (var (user, times) in _asked)
        {
            while (times.Count > 0 && times.Peek() <= before) times.Dequeue();
            if (times.Count == 0) _asked.Remove(user); // allowed while enumerating a Dictionary since .NET Core 3.0
        }
    }
}
