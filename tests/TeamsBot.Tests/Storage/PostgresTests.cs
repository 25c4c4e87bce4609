using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TeamsBot.Conversations;
using TeamsBot.Storage;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Storage;

/// <summary>
/// The whole app on PostgreSQL (<c>Storage:Provider=Postgres</c>): schema created on first start, references stored and
/// queried by time, readiness. Needs a server: <c>tests/run.sh</c> starts one when it runs as root and sets
/// <c>TEAMSBOT_TEST_POSTGRES</c>; in CI a missing server fails the test.
/// </summary>
public class PostgresTests
{
    private static string? ServerConnectionString()
    {
        var cs = Environment.GetEnvironmentVariable("TEAMSBOT_TEST_POSTGRES");
        if (string.IsNullOrEmpty(cs) && Environment.GetEnvironmentVariable("CI") == "true")
            Assert.Fail("TEAMSBOT_TEST_POSTGRES is not set: tests/run.sh starts PostgreSQL when run as root.");
        return cs;
    }

    [Fact]
    public async Task The_bot_runs_on_PostgreSQL_and_stores_conversation_references()
    {
        if (ServerConnectionString() is not { } server) return; // local run without a server (not CI)
        var database = $"teamsbot_test_{Guid.NewGuid():N}";
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        await using var connector = await FakeConnector.StartAsync();
        try
        {
            await using (var bot = await BotApp.StartAsync(new Dictionary<string, string?>
            {
                ["Storage:Provider"] = "Postgres",
                ["ConnectionStrings:TeamsBot"] = connectionString,
            }))
            {
                Assert.Equal(HttpStatusCode.OK, (await bot.Http.GetAsync("/readyz")).StatusCode);
                await bot.SendAsync(TestActivities.BotAdded(connector.ServiceUrl));
                Assert.Equal(HttpStatusCode.OK, (await bot.SendAsync(TestActivities.Message(connector.ServiceUrl, "help"))).StatusCode);
                await connector.WaitForSendsAsync(2);

                var record = await bot.Services.GetRequiredService<ConversationStore>().FindPersonalAsync(TestActivities.TenantId, "aad-user-1", default);
                Assert.NotNull(record);
                Assert.True(record.Installed);
                await using var db = await bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync();
                Assert.True(db.Database.IsNpgsql());
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(server);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
