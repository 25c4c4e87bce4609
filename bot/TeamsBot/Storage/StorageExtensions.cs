using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;
using TeamsBot.Protocol.Connector;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Storage.Jobs;

namespace TeamsBot.Storage;

public static class StorageExtensions
{
    public const string ConnectionStringName = "TeamsBot";
    public const string DefaultSqlite = "Data Source=teamsbot.db";

    /// <summary>
    /// The database (SQLite by default, PostgreSQL for replicas), its migrations on start, durable jobs, and what replicas
    /// share on PostgreSQL: redelivery detection and the per-tenant send budget (SQLite keeps the in-process versions).
    /// </summary>
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section)
            .Validate(o => o.Provider is "Sqlite" or "Postgres", "Storage:Provider must be Sqlite or Postgres.")
            .Validate(o => o.Provider != "Postgres" || !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(ConnectionStringName)),
                "ConnectionStrings:TeamsBot is required for Storage:Provider=Postgres.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IDbContextFactory<TeamsBotDbContext>, TeamsBotDbContextFactory>();
        builder.Services.AddSingleton<SqliteWriteGate>();
        // PostgreSQL: one connection pool per replica for EF Core and the shared-state statements alike.
        builder.Services.AddSingleton(sp => NpgsqlDataSource.Create(PostgresConnectionString(sp.GetRequiredService<IConfiguration>(), DefaultPoolSize)));
        builder.Services.AddHostedService<DatabaseInitializer>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        if (IsPostgres(builder.Configuration))
        {
            builder.Services.AddSingleton<IActivityDeduplicator, PostgresActivityDeduplicator>();
            builder.Services.AddSingleton<ITenantBudgetStore, PostgresTenantBudgetStore>();
            builder.Services.AddRecurringJob<ProcessedActivitiesCleanupJob>("storage.processed-activities-cleanup",
                "Forgets processed activity ids once redeliveries can no longer come", _ => JobSchedule.Every(TimeSpan.FromMinutes(5)));
        }
        builder.AddDurableJobs();
        return builder;
    }

    /// <summary><c>Storage:Provider=Postgres</c>: replicas share one PostgreSQL database.</summary>
    public static bool IsPostgres(IConfiguration configuration) => configuration[$"{StorageOptions.Section}:Provider"] == "Postgres";

    /// <summary>
    /// Connections one replica's database pool holds at most when the connection string does not say. The job scheduler keeps
    /// its own pool of <c>Jobs:MaxConcurrency</c> + 4; PostgreSQL allows 100 connections in all by default.
    /// </summary>
    public const int DefaultPoolSize = 30;

    /// <summary>
    /// The PostgreSQL connection string with its pool bounded to <paramref name="poolSize"/>, unless it sets a maximum pool
    /// size itself and <paramref name="overrideGiven"/> is false.
    /// </summary>
    public static string PostgresConnectionString(IConfiguration configuration, int poolSize, bool overrideGiven = false)
    {
        var given = ConnectionString(configuration);
        var builder = new NpgsqlConnectionStringBuilder(given);
        var keys = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = given }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant());
        if (overrideGiven || !keys.Any(k => k is "maximumpoolsize" or "maxpoolsize")) builder.MaxPoolSize = poolSize;
        return builder.ConnectionString;
    }

    /// <summary><c>ConnectionStrings:TeamsBot</c>, or the default SQLite file.</summary>
    public static string ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } connection ? connection : DefaultSqlite;

    /// <summary>Brings the schema up to date (all migrations applied). Run on start; tests and tools may call it too.</summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync(cancellationToken);
        if (db.Database.IsNpgsql())
        {
            await MigratePostgresAsync(db, services.GetRequiredService<NpgsqlDataSource>(), cancellationToken);
            return;
        }
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken); // readers don't wait for writers
    }

    /// <summary>
    /// Replicas start together: the database is created by whichever gets there first, and migrations run one replica at a
    /// time under a PostgreSQL advisory lock (the others then find nothing left to do).
    /// </summary>
    private static async Task MigratePostgresAsync(TeamsBotDbContext db, NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        var creator = db.GetService<Microsoft.EntityFrameworkCore.Storage.IRelationalDatabaseCreator>();
        if (!await creator.ExistsAsync(cancellationToken))
        {
            try { await creator.CreateAsync(cancellationToken); }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation) { }
        }
        await using var lockConnection = await database.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", lockConnection))
            await take.ExecuteNonQueryAsync(cancellationToken);
        try
        {
            await db.Database.MigrateAsync(cancellationToken);
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLockKey})", lockConnection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    // Any constant shared by all replicas; "TeamsBot" in ASCII.
    private const long MigrationLockKey = 0x5465616D73426F74;
}

/// <summary>Creates the provider's context; the options are built once.</summary>
internal sealed class TeamsBotDbContextFactory : IDbContextFactory<TeamsBotDbContext>
{
    private readonly Func<TeamsBotDbContext> _create;

    public TeamsBotDbContextFactory(IOptions<StorageOptions> options, IConfiguration configuration, IServiceProvider services)
    {
        var connection = StorageExtensions.ConnectionString(configuration);
        if (options.Value.Provider == "Postgres")
        {
            var pg = new DbContextOptionsBuilder<PostgresTeamsBotDbContext>().UseNpgsql(services.GetRequiredService<NpgsqlDataSource>()).Options;
            _create = () => new PostgresTeamsBotDbContext(pg);
        }
        else
        {
            var sqlite = new DbContextOptionsBuilder<SqliteTeamsBotDbContext>()
                .UseSqlite(connection).AddInterceptors(SqliteTuning.Instance).Options;
            _create = () => new SqliteTeamsBotDbContext(sqlite);
        }
    }

    public TeamsBotDbContext CreateDbContext() => _create();
}
