using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace TeamsBot.Storage;

/// <summary>
/// The one EF Core context. Each slice owns its entities and maps them with an
/// <see cref="IEntityTypeConfiguration{TEntity}"/> in its own folder; they are all picked up here.
/// </summary>
public sealed class TeamsBotDbContext(DbContextOptions<TeamsBotDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(TeamsBotDbContext).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no date type: store DateTimeOffset (always UTC here) as a sortable integer so queries can
        // compare and order by time. PostgreSQL keeps its native timestamptz.
        if (Database.IsSqlite())
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}
