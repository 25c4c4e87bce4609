using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace TeamsBot.Storage;

public static class StorageExtensions
{
    public const string ConnectionStringName = "TeamsBot";
    public const string DefaultSqlite = "Data Source=teamsbot.db";

    public static WebApplicationBuilder AddStorage(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section)
            .Validate(o => o.Provider is "Sqlite" or "Postgres", "Storage:Provider must be Sqlite or Postgres.")
            .Validate(o => o.Provider != "Postgres" || !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(ConnectionStringName)),
                "ConnectionStrings:TeamsBot is required for Storage:Provider=Postgres.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IDbContextFactory<TeamsBotDbContext>, TeamsBotDbContextFactory>();
        builder.Services.AddHostedService<DatabaseInitializer>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return builder;
    }

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
        var connection = configuration.GetConnectionString(StorageExtensions.ConnectionStringName);
        if (options.Value.Provider == "Postgres")
        {
            var pg = new DbContextOptionsBuilder<PostgresTeamsBotDbContext>().UseNpgsql(connection).Options;
            _create = () => new PostgresTeamsBotDbContext(pg);
        }
        else
        {
            var sqlite = new DbContextOptionsBuilder<SqliteTeamsBotDbContext>()
                .UseSqlite(string.IsNullOrWhiteSpace(connection) ? StorageExtensions.DefaultSqlite : connection).Options;
            _create = () => new SqliteTeamsBotDbContext(sqlite);
        }
    }

    public TeamsBotDbContext CreateDbContext() => _create();
}
