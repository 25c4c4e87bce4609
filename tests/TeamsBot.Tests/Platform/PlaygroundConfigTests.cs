using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Agencies;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Platform;

/// <summary>
/// The Agents Playground's mock tenant (<c>devTools/playground/.m365agentsplayground.yml</c>, what <c>bash devTools/playground.sh</c>
/// runs): the fields its config schema 0.1.1 requires, and people the sample directory knows, in two agencies, with a coach and an admin.
/// </summary>
public sealed class PlaygroundConfigTests
{
    private static JsonElement Config()
    {
        var file = Path.Combine(NodeScript.E2eFolder, "..", "..", "devTools", "playground", ".m365agentsplayground.yml");
        // JSON is YAML: the file is JSON after its comment lines.
        var json = string.Join('\n', File.ReadAllLines(file).Where(l => !l.TrimStart().StartsWith('#')));
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    [Fact]
    public async Task The_playground_people_are_the_sample_directorys_with_every_role()
    {
        var config = Config();
        foreach (var required in new[] { "version", "tenantId", "bot", "currentUser", "users", "personalChat", "groupChat", "team" })
            Assert.True(config.TryGetProperty(required, out _), $"{required} is required by the Playground's config schema");
        Assert.Equal("0.1.1", config.GetProperty("version").GetString());
        var users = config.GetProperty("users").EnumerateArray().ToList();
        Assert.Equal(5, users.Count); // the schema wants exactly five besides the current user
        var people = users.Prepend(config.GetProperty("currentUser")).ToList();
        foreach (var p in people)
            foreach (var field in new[] { "id", "name", "userPrincipleName", "aadObjectId", "givenName", "surname", "email" })
                Assert.True(p.TryGetProperty(field, out var value) && value.GetString() is { Length: > 0 }, $"{field} missing for {p}");

        await using var bot = await BotApp.StartAsync();
        var tenant = config.GetProperty("tenantId").GetString()!;
        var directory = bot.Services.GetRequiredService<IAgencyDirectory>();
        var roles = bot.Services.GetRequiredService<IDirectoryRoles>();
        var found = new List<(string Name, string Agency, DirectoryRoles Roles)>();
        foreach (var p in people)
        {
            var key = new UserKey(p.GetProperty("aadObjectId").GetString()!, tenant);
            var user = await directory.ResolveAsync(key, default);
            Assert.False(user.IsDeleted, $"{p.GetProperty("name")} is not in the sample directory");
            Assert.Equal(p.GetProperty("name").GetString(), user.DisplayName);
            found.Add((user.DisplayName!, user.AgencyId, await roles.GetRolesAsync(key, default)));
        }
        var employees = found.Where(f => !f.Roles.IsCoach && !f.Roles.IsAdmin).ToList();
        Assert.True(employees.Select(e => e.Agency).Distinct().Count() >= 2, "employees of two agencies");
        Assert.Equal("Alex Rivera", found[0].Name); // the current user is an employee
        Assert.Contains(found, f => f.Roles.IsCoach && !f.Roles.IsAdmin);
        Assert.Contains(found, f => f.Roles.IsAdmin);
    }
}
