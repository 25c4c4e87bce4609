using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Conversations;
using TeamsBot.Storage;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Storage;

public class MigrationTests
{
    [Fact]
    public void Every_entity_change_has_a_migration_for_both_providers()
    {
        using var sqlite = new SqliteTeamsBotDbContext(new DbContextOptionsBuilder<SqliteTeamsBotDbContext>().UseSqlite("Data Source=:memory:").Options);
        using var postgres = new PostgresTeamsBotDbContext(new DbContextOptionsBuilder<PostgresTeamsBotDbContext>().UseNpgsql("Host=localhost").Options);
        Assert.False(sqlite.Database.HasPendingModelChanges(), "SQLite model changed without a migration: bash bot/TeamsBot/Storage/add-migration.sh <Name>");
        Assert.False(postgres.Database.HasPendingModelChanges(), "PostgreSQL model changed without a migration: bash bot/TeamsBot/Storage/add-migration.sh <Name>");
    }

    [Fact]
    public async Task Stored_conversations_survive_a_restart()
    {
        var path = Path.Combine(Path.GetTempPath(), $"teamsbot-restart-{Guid.NewGuid():N}.db");
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:TeamsBot"] = $"Data Source={path}" };
        await using var connector = await FakeConnector.StartAsync();
        try
        {
            await using (var first = await BotApp.StartAsync(settings))
            {
                await first.SendAsync(TestActivities.Message(connector.ServiceUrl, "help"));
                await connector.WaitForSendsAsync(1);
            }
            await using var second = await BotApp.StartAsync(settings);
            var record = await second.Services.GetRequiredService<ConversationStore>().FindPersonalAsync(TestActivities.TenantId, "aad-user-1", default);
            Assert.NotNull(record);
            // …and its serviceUrl is trusted again, so proactive messages work right after the restart.
            var sent = await second.Services.GetRequiredService<IProactiveMessenger>()
                .SendToUserAsync(TestActivities.TenantId, "aad-user-1", TeamsBot.Protocol.Activities.Activity.Message("Welcome back"), default);
            Assert.NotNull(sent);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(path + suffix);
        }
    }
}
