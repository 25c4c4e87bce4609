using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Npgsql;
using TeamsBot.Protocol.Connector;

namespace TeamsBot.Storage;

// The per-tenant send budget shared by replicas on PostgreSQL (SQLite keeps the protocol's in-memory store).

/// <summary>The share of a tenant's current budget window already granted to replicas.</summary>
public sealed class TenantBudgetWindow
{
    public required string TenantId { get; set; }
    public long WindowIndex { get; set; }
    public int Granted { get; set; }
    public int LastGrant { get; set; }
}

/// <summary>A tenant's rate after Teams' last 429 (see <see cref="TenantThrottle"/>).</summary>
public sealed class TenantBudgetThrottle
{
    public required string TenantId { get; set; }
    public double RateAfterDecrease { get; set; }
    public DateTimeOffset DecreasedAt { get; set; }
    public DateTimeOffset BlockedUntil { get; set; }
}

internal sealed class TenantBudgetConfiguration : IEntityTypeConfiguration<TenantBudgetWindow>, IEntityTypeConfiguration<TenantBudgetThrottle>
{
    public void Configure(EntityTypeBuilder<TenantBudgetWindow> e)
    {
        e.ToTable("connector_tenant_budget");
        e.HasKey(b => b.TenantId);
        e.Property(b => b.TenantId).HasColumnName("tenant_id").HasMaxLength(128);
        e.Property(b => b.WindowIndex).HasColumnName("window_index");
        e.Property(b => b.Granted).HasColumnName("granted");
        e.Property(b => b.LastGrant).HasColumnName("last_grant");
    }

    public void Configure(EntityTypeBuilder<TenantBudgetThrottle> e)
    {
        e.ToTable("connector_tenant_throttle");
        e.HasKey(t => t.TenantId);
        e.Property(t => t.TenantId).HasColumnName("tenant_id").HasMaxLength(128);
        e.Property(t => t.RateAfterDecrease).HasColumnName("rate_after_decrease");
        e.Property(t => t.DecreasedAt).HasColumnName("decreased_at");
        e.Property(t => t.BlockedUntil).HasColumnName("blocked_until");
    }
}

/// <summary>
/// The per-tenant send budget shared by replicas: one row per tenant holds the current window and how much of it was
/// granted. A claim is one atomic upsert (the row lock serialises replicas); a stale window resets, an older one gets nothing.
/// </summary>
internal sealed class PostgresTenantBudgetStore(NpgsqlDataSource database) : ITenantBudgetStore
{
    public async ValueTask<TenantPermits> ClaimAsync(string tenantId, long window, int wanted, int limit, CancellationToken cancellationToken)
    {
        // In ON CONFLICT DO UPDATE every SET expression reads the old row, so last_grant is this claim's share.
        await using var command = database.CreateCommand("""
            INSERT INTO connector_tenant_budget AS b (tenant_id, window_index, granted, last_grant)
            VALUES ($1, $2, LEAST($3, $4), LEAST($3, $4))
            ON CONFLICT (tenant_id) DO UPDATE SET
                window_index = $2,
                last_grant = GREATEST(0, LEAST($3, $4 - CASE WHEN b.window_index = $2 THEN b.granted ELSE 0 END)),
                granted = CASE WHEN b.window_index = $2 THEN b.granted ELSE 0 END
                          + GREATEST(0, LEAST($3, $4 - CASE WHEN b.window_index = $2 THEN b.granted ELSE 0 END))
            WHERE b.window_index <= $2
            RETURNING granted - last_grant, last_grant
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        command.Parameters.Add(new NpgsqlParameter { Value = window });
        command.Parameters.Add(new NpgsqlParameter { Value = wanted });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new TenantPermits(reader.GetInt32(0), reader.GetInt32(1)) : default;
    }

    public async ValueTask<TenantThrottle?> GetThrottleAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "SELECT rate_after_decrease, decreased_at, blocked_until FROM connector_tenant_throttle WHERE tenant_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async ValueTask<TenantThrottle> UpdateThrottleAsync(string tenantId, Func<TenantThrottle?, TenantThrottle> update, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        TenantThrottle? current = null;
        await using (var select = new NpgsqlCommand(
            "SELECT rate_after_decrease, decreased_at, blocked_until FROM connector_tenant_throttle WHERE tenant_id = $1 FOR UPDATE", connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = tenantId });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken)) current = Read(reader);
        }
        var next = update(current);
        await using (var upsert = new NpgsqlCommand("""
            INSERT INTO connector_tenant_throttle (tenant_id, rate_after_decrease, decreased_at, blocked_until) VALUES ($1, $2, $3, $4)
            ON CONFLICT (tenant_id) DO UPDATE SET rate_after_decrease = $2, decreased_at = $3, blocked_until = $4
            """, connection, transaction))
        {
            upsert.Parameters.Add(new NpgsqlParameter { Value = tenantId });
            upsert.Parameters.Add(new NpgsqlParameter { Value = next.RateAfterDecrease });
            upsert.Parameters.Add(new NpgsqlParameter { Value = next.DecreasedAt });
            upsert.Parameters.Add(new NpgsqlParameter { Value = next.BlockedUntil });
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return next;
    }

    private static TenantThrottle Read(NpgsqlDataReader reader) =>
        new(reader.GetDouble(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2));
}
