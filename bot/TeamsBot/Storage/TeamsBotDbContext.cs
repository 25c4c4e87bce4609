using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace TeamsBot.Storage;

/// <summary>
/// The one EF Core context. Each slice owns its entities and maps them with an
/// <see cref="IEntityTypeConfiguration{TEntity}"/> in its own folder; they are all picked up here.
/// The provider subclasses below carry each provider's migrations (SQLite and PostgreSQL schemas differ in types).
/// </summary>
public abstract class TeamsBotDbContext(DbContextOptions options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(TeamsBotDbContext).Assembly);
}

/// <summary>SQLite (default): migrations in <c>Storage/Migrations/Sqlite</c>.</summary>
public sealed class SqliteTeamsBotDbContext(DbContextOptions<SqliteTeamsBotDbContext> options) : TeamsBotDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no date type: store DateTimeOffset (always UTC here) as a sortable integer so queries can
        // compare and order by time.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}

/// <summary>PostgreSQL: migrations in <c>Storage/Migrations/Postgres</c>; DateTimeOffset is native timestamptz.</summary>
public sealed class PostgresTeamsBotDbContext(DbContextOptions<PostgresTeamsBotDbContext> options) : TeamsBotDbContext(options);

// Design time only (dotnet ef migrations add … --context SqliteTeamsBotDbContext | PostgresTeamsBotDbContext).
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteTeamsBotDbContext>
{
    public SqliteTeamsBotDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteTeamsBotDbContext>().UseSqlite(StorageExtensions.DefaultSqlite).Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresTeamsBotDbContext>
{
    public PostgresTeamsBotDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresTeamsBotDbContext>().UseNpgsql("Host=localhost;Database=teamsbot").Options);
}
