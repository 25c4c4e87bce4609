using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Npgsql;
using Quartz;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Storage;

// Redelivery detection shared by replicas on PostgreSQL (SQLite keeps the protocol's in-memory one). The hot path is one
// SQL statement on the replica's pooled NpgsqlDataSource; EF Core maps the table so migrations create it.

/// <summary>An activity some replica began to process (hash of channel, conversation and activity id).</summary>
public sealed class ProcessedActivity
{
    public required string Key { get; set; }
    public DateTimeOffset SeenAt { get; set; }
}

internal sealed class ProcessedActivityConfiguration : IEntityTypeConfiguration<ProcessedActivity>
{
    public void Configure(EntityTypeBuilder<ProcessedActivity> e)
    {
        e.ToTable("processed_activities");
        e.HasKey(a => a.Key);
        e.Property(a => a.Key).HasColumnName("key").HasMaxLength(64);
        e.Property(a => a.SeenAt).HasColumnName("seen_at");
        e.HasIndex(a => a.SeenAt);
    }
}

/// <summary>Redeliveries are recognised by every replica: the first to insert the activity's key processes it.</summary>
internal sealed class PostgresActivityDeduplicator(NpgsqlDataSource database, TimeProvider time) : IActivityDeduplicator
{
    public async ValueTask<bool> TryBeginAsync(Activity activity, CancellationToken cancellationToken)
    {
        if (IActivityDeduplicator.KeyOf(activity) is not { } key) return true;
        var now = time.GetUtcNow();
        await using var command = database.CreateCommand(
            "INSERT INTO processed_activities (key, seen_at) VALUES ($1, $2) " +
            "ON CONFLICT (key) DO UPDATE SET seen_at = EXCLUDED.seen_at WHERE processed_activities.seen_at < $3");
        command.Parameters.Add(new NpgsqlParameter { Value = StorageKeys.Hash(key) });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = now - IActivityDeduplicator.Window });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask ForgetAsync(Activity activity, CancellationToken cancellationToken)
    {
        if (IActivityDeduplicator.KeyOf(activity) is not { } key) return;
        await using var command = database.CreateCommand("DELETE FROM processed_activities WHERE key = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = StorageKeys.Hash(key) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Forgets processed activities once redeliveries can no longer come.</summary>
[DisallowConcurrentExecution]
internal sealed class ProcessedActivitiesCleanupJob(IDbContextFactory<TeamsBotDbContext> db, TimeProvider time) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow() - IActivityDeduplicator.Window;
        await using var ctx = await db.CreateDbContextAsync(cancellationToken);
        await ctx.Set<ProcessedActivity>().Where(a => a.SeenAt < cutoff).ExecuteDeleteAsync(cancellationToken);
    }
}
