using Npgsql;

namespace TeamsBot.Testing;

/// <summary>
/// A scratch PostgreSQL database for one test, on the server in <c>TEAMSBOT_TEST_POSTGRES</c> (tests/run.sh starts one
/// when it runs as root). Dropped on dispose. In CI a missing server fails the test instead of passing silently.
/// </summary>
public sealed class TestPostgres : IAsyncDisposable
{
    private readonly string _server;
    private readonly string _database;

    private TestPostgres(string server, string prefix)
    {
        _server = server;
        _database = $"{prefix}_{Guid.NewGuid():N}";
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = _database }.ConnectionString;
    }

    /// <summary>The scratch database's connection string (created by the app's migrations on first start).</summary>
    public string ConnectionString { get; }

    /// <summary>Settings that put the bot on this database.</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["Storage:Provider"] = "Postgres",
        ["ConnectionStrings:TeamsBot"] = ConnectionString,
    };

    /// <summary>Null on a local run without a server; throws in CI.</summary>
    public static TestPostgres? TryCreate(string prefix)
    {
        var server = Environment.GetEnvironmentVariable("TEAMSBOT_TEST_POSTGRES");
        if (!string.IsNullOrEmpty(server)) return new TestPostgres(server, prefix);
        if (Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException("TEAMSBOT_TEST_POSTGRES is not set: tests/run.sh starts PostgreSQL when run as root.");
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_server);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", admin);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 20)
            {
                // A server process of another role (an autovacuum worker) is still in the database: it ends on its own shortly.
                await Task.Delay(250);
            }
        }
    }
}
