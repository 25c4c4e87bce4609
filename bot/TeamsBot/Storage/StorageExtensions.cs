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
            .ValidateOnStart();
        builder.Services.AddDbContextFactory<TeamsBotDbContext>((sp, db) =>
        {
            var provider = sp.GetRequiredService<IOptions<StorageOptions>>().Value.Provider;
            var connection = builder.Configuration.GetConnectionString(ConnectionStringName);
            if (provider == "Postgres")
            {
                db.UseNpgsql(connection ?? throw new InvalidOperationException("ConnectionStrings:TeamsBot is required for Storage:Provider=Postgres."));
            }
            else
            {
                db.UseSqlite(string.IsNullOrWhiteSpace(connection) ? DefaultSqlite : connection);
            }
        });
        builder.Services.AddHostedService<DatabaseInitializer>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return builder;
    }
}
