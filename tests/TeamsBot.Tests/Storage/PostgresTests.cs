using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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
    [Fact]
    public async Task The_bot_runs_on_PostgreSQL_and_stores_conversation_references()
    {
        await using var postgres = TestPostgres.TryCreate("teamsbot_test");
        if (postgres is null) return; // local run without a server (CI fails instead)
        await using var connector = await FakeConnector.StartAsync();
        await using var bot = await BotApp.StartAsync(postgres.Settings);
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
