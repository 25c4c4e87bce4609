using Microsoft.EntityFrameworkCore;

namespace TeamsBot.Storage;

/// <summary>
/// The one EF Core context. Each slice owns its entities and maps them with an
/// <see cref="IEntityTypeConfiguration{TEntity}"/> in its own folder; they are all picked up here.
/// </summary>
public sealed class TeamsBotDbContext(DbContextOptions<TeamsBotDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(TeamsBotDbContext).Assembly);
}
