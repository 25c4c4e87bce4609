using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;
using Npgsql;

namespace TeamsBot.Answers;

/// <summary>Until when the model's circuit is open (one row per model).</summary>
public sealed class ModelCircuitState
{
    public required string Name { get; set; }
    public DateTimeOffset OpenUntil { get; set; }
}

internal sealed class ModelCircuitStateConfiguration : IEntityTypeConfiguration<ModelCircuitState>
{
    public void Configure(EntityTypeBuilder<ModelCircuitState> e)
    {
        e.ToTable("model_circuit");
        e.HasKey(c => c.Name);
        e.Property(c => c.Name).HasColumnName("name").HasMaxLength(200);
        e.Property(c => c.OpenUntil).HasColumnName("open_until");
    }
}

/// <summary>The shared circuit in PostgreSQL, read at most every two seconds per replica.</summary>
internal sealed class PostgresModelCircuit(NpgsqlDataSource database, IOptions<ModelOptions> options, TimeProvider time, ILogger<PostgresModelCircuit> logger)
    : IModelCircuit
{
    private static readonly TimeSpan ReadInterval = TimeSpan.FromSeconds(2);
    private (DateTimeOffset OpenUntil, DateTimeOffset ReadAt) _cached = (DateTimeOffset.MinValue, DateTimeOffset.MinValue);

    private string Name => $"{options.Value.Provider}|{options.Value.Endpoint}|{options.Value.Name}".ToLowerInvariant() is var n && n.Length > 200 ? n[..200] : n;

    public async ValueTask<bool> IsOpenAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cached = _cached;
        if (now - cached.ReadAt >= ReadInterval)
        {
            try
            {
                await using var command = database.CreateCommand("SELECT open_until FROM model_circuit WHERE name = $1");
                command.Parameters.Add(new NpgsqlParameter { Value = Name });
                var openUntil = await command.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : DateTimeOffset.MinValue;
                _cached = cached = (openUntil, now);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The database, not the model, is in trouble: go on with what was last known (this replica's breaker still guards).
                logger.LogWarning("Shared model circuit unavailable ({Error}); using the last known state", e.GetType().Name);
                _cached = cached = (cached.OpenUntil, now);
            }
        }
        return cached.OpenUntil > now;
    }

    public async ValueTask OpenAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + duration;
        await using var command = database.CreateCommand("""
            INSERT INTO model_circuit AS c (name, open_until) VALUES ($1, $2)
            ON CONFLICT (name) DO UPDATE SET open_until = GREATEST(c.open_until, EXCLUDED.open_until)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = Name });
        command.Parameters.Add(new NpgsqlParameter { Value = until });
        _cached = (until, time.GetUtcNow());
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Could not share the open model circuit ({Error}); other replicas find out for themselves", e.GetType().Name);
        }
    }
}
