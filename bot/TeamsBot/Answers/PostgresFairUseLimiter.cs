using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;
using TeamsBot.Storage;

namespace TeamsBot.Answers;

/// <summary>A user's questions in the current and the previous fixed window (hashed user key, no identity stored).</summary>
public sealed class FairUseCounter
{
    public required string UserKey { get; set; }
    public long WindowIndex { get; set; }
    public int CurrentCount { get; set; }
    public int PreviousCount { get; set; }
}

internal sealed class FairUseCounterConfiguration : IEntityTypeConfiguration<FairUseCounter>
{
    public void Configure(EntityTypeBuilder<FairUseCounter> e)
    {
        e.ToTable("answer_fair_use");
        e.HasKey(c => c.UserKey);
        e.Property(c => c.UserKey).HasColumnName("user_key").HasMaxLength(64);
        e.Property(c => c.WindowIndex).HasColumnName("window_index");
        e.Property(c => c.CurrentCount).HasColumnName("current_count");
        e.Property(c => c.PreviousCount).HasColumnName("previous_count");
        e.HasIndex(c => c.WindowIndex);
    }
}

/// <summary>
/// Fair use across replicas with the sliding-window counter: the previous fixed window's count weighted by how much of it
/// still overlaps the sliding window, plus the current one's. One atomic upsert per question; a refused question is
/// taken back so it does not count.
/// </summary>
internal sealed class PostgresFairUseLimiter(NpgsqlDataSource database, IOptions<AnswersOptions> options, TimeProvider time) : IFairUseLimiter
{
    public async ValueTask<(bool Allowed, TimeSpan RetryAfter)> TryAcquireAsync(string user, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var windowMs = (long)o.RateLimitWindow.TotalMilliseconds;
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var window = nowMs / windowMs;
        var elapsed = (double)(nowMs % windowMs) / windowMs;
        var key = StorageKeys.Hash("fair-use|" + user);

        await using var command = database.CreateCommand("""
            INSERT INTO answer_fair_use AS f (user_key, window_index, current_count, previous_count) VALUES ($1, $2, 1, 0)
            ON CONFLICT (user_key) DO UPDATE SET
                previous_count = CASE WHEN f.window_index = $2 THEN f.previous_count WHEN f.window_index = $2 - 1 THEN f.current_count ELSE 0 END,
                current_count = CASE WHEN f.window_index = $2 THEN f.current_count + 1 ELSE 1 END,
                window_index = $2
            WHERE f.window_index <= $2
            RETURNING current_count, previous_count
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        command.Parameters.Add(new NpgsqlParameter { Value = window });
        int current, previous;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            // No row: another replica's clock is already in the next window; never move the counter back, let this one pass.
            if (!await reader.ReadAsync(cancellationToken)) return (true, TimeSpan.Zero);
            current = reader.GetInt32(0);
            previous = reader.GetInt32(1);
        }
        // This question is in "current"; it is allowed when, with it, the user stays within the limit.
        var estimate = previous * (1 - elapsed) + current;
        if (estimate <= o.QuestionsPerWindow) return (true, TimeSpan.Zero);

        await using var undo = database.CreateCommand("UPDATE answer_fair_use SET current_count = current_count - 1 WHERE user_key = $1 AND window_index = $2 AND current_count > 0");
        undo.Parameters.Add(new NpgsqlParameter { Value = key });
        undo.Parameters.Add(new NpgsqlParameter { Value = window });
        await undo.ExecuteNonQueryAsync(cancellationToken);
        return (false, RetryAfter(o.RateLimitWindow, elapsed, current - 1, previous, o.QuestionsPerWindow));
    }

    /// <summary>When one more question fits: as the previous window's weight fades, or (if this window alone is full) in the next.</summary>
    internal static TimeSpan RetryAfter(TimeSpan window, double elapsed, int current, int previous, int limit)
    {
        double fraction;
        if (current + 1 > limit) fraction = 1 - elapsed + (1 - (double)(limit - 1) / Math.Max(1, current));
        else fraction = 1 - elapsed - (double)(limit - 1 - current) / Math.Max(1, previous);
        var wait = window * Math.Clamp(fraction, 0, 2);
        return wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;
    }
}

/// <summary>Forgets fair-use counters of users who have not asked for two windows.</summary>
[DisallowConcurrentExecution]
internal sealed class FairUseCleanupJob(IDbContextFactory<TeamsBotDbContext> db, IOptions<AnswersOptions> options, TimeProvider time) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var window = time.GetUtcNow().ToUnixTimeMilliseconds() / (long)options.Value.RateLimitWindow.TotalMilliseconds;
        await using var ctx = await db.CreateDbContextAsync(cancellationToken);
        await ctx.Set<FairUseCounter>().Where(c => c.WindowIndex < window - 1).ExecuteDeleteAsync(cancellationToken);
    }
}
