using Microsoft.EntityFrameworkCore;
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
        builder.Services.AddHostedService<DatabaseInitializer>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        if (IsPostgres(builder.Configuration))
        {
            builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(ConnectionString(builder.Configuration)));
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

    /// <summary><c>ConnectionStrings:TeamsBot</c>, or the default SQLite file.</summary>
    public static string ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } connection ? connection : DefaultSqlite;

    /// <summary>Brings the schema up to date (all migrations applied). Run on start; tests and tools may call it too.</summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken); // readers don't wait for writers
    }
}

/// <summary>Creates the provider's context; the options are built once.</summary>
internal sealed class TeamsBotDbContextFactory : IDbContextFactory<TeamsBotDbContext>
{
    private readonly Func<TeamsBotDbContext> _create;

    public TeamsBotDbContextFactory(IOptions<StorageOptions> options, IConfiguration configuration)
    {
        var connection = StorageExtensions.ConnectionString(configuration);
        if (options.Value.Provider == "Postgres")
        {
            var pg = new DbContextOptionsBuilder<PostgresTeamsBotDbContext>().UseNpgsql(connection).Options;
            _create = () => new PostgresTeamsBotDbContext(pg);
        }
        else
        {
            var sqlite = new DbContextOptionsBuilder<SqliteTeamsBotDbContext>()
                .UseSqlite(connection).Options;
            _create = () => new SqliteTeamsBotDbContext(sqlite);
        }
    }

    public TeamsBotDbContext CreateDbContext() => _create();
}
