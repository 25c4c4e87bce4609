namespace TeamsBot.Answers;

/// <summary>
/// Fair use: at most <see cref="AnswersOptions.QuestionsPerWindow"/> questions per user per <see cref="AnswersOptions.RateLimitWindow"/>.
/// In memory on one replica (SQLite); in PostgreSQL when replicas share the users (<see cref="PostgresFairUseLimiter"/>).
/// </summary>
public interface IFairUseLimiter
{
    /// <summary>Records a question; false (and how long to wait) when the user is over the limit.</summary>
    ValueTask<(bool Allowed, TimeSpan RetryAfter)> TryAcquireAsync(string user, CancellationToken cancellationToken);
}
