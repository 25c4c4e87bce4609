using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TeamsBot.Storage;

/// <summary>
/// Per-connection SQLite settings. The database runs in WAL mode (set once by the migration step); with
/// <c>synchronous=NORMAL</c> a commit is durable against a crash of the process (<c>kill -9</c>) without an fsync per
/// commit, which a fan-out writing two ledger rows per message would otherwise pay hundreds of times a second. Only a power
/// loss can roll back the last commits (SQLite's documented WAL trade-off); replicas on PostgreSQL are unaffected.
/// </summary>
internal sealed class SqliteTuning : DbConnectionInterceptor
{
    public static readonly SqliteTuning Instance = new();
    // busy_timeout: a writer that finds the database locked waits inside SQLite (which retries within milliseconds) instead
    // of Microsoft.Data.Sqlite's own retry loop, which sleeps 150 ms between attempts: with dozens of concurrent ledger
    // writers that sleep, not the database, set the pace.
    private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";

    /// <summary>Opens a tuned connection outside EF Core (bulk paths that use ADO.NET directly).</summary>
    public static async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ApplyAsync(connection, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default) =>
        ApplyAsync(connection, cancellationToken);

    private static async Task ApplyAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
