using TeamsBot.Testing;

namespace TeamsBot.Tests.Protocol;

/// <summary>Invalid configuration stops the real process at startup with one clear line per problem.</summary>
public class ConfigurationTests
{
    [Fact]
    public async Task Bad_bot_settings_are_each_reported_on_one_line_and_the_process_exits_2()
    {
        var (code, lines) = await BotProcess.RunUntilExitAsync(new Dictionary<string, string>
        {
            ["Bot__AppId"] = "not-a-guid",
            ["Bot__Cloud"] = "Mars",
            ["Bot__OpenIdMetadataUrl"] = "http://login.example.com/metadata",
            ["Bot__AllowedTenants"] = "contoso",
        });
        Assert.Equal(2, code);
        Assert.Contains("Configuration error: Bot:Cloud 'Mars' is unknown; use one of Public, USGov, USGovHigh, USGovDoD.", lines);
        Assert.Contains("Configuration error: Bot:AppId must be the bot's Entra application (client) id, a GUID.", lines);
        Assert.Contains("Configuration error: Bot:AppPassword, Bot:CertificatePath or Bot:ManagedIdentityClientId is required when Bot:AppId is set.", lines);
        Assert.Contains("Configuration error: Bot:OpenIdMetadataUrl 'http://login.example.com/metadata' must use https (plain http is allowed on loopback only).", lines);
        Assert.Contains("Configuration error: Bot:AllowedTenants entry 'contoso' is not a tenant GUID.", lines);
        Assert.DoesNotContain(lines, l => l.Contains("   at ")); // no stack trace
    }

    [Fact]
    public async Task Production_never_runs_in_local_development_mode()
    {
        var (code, lines) = await BotProcess.RunUntilExitAsync(new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        Assert.Equal(2, code);
        Assert.Contains("Configuration error: Bot:AppId is required in Production; local development mode (no app id) is never allowed there.", lines);
    }

    [Fact]
    public async Task Production_needs_a_secret_for_the_pseudonyms_adoption_figures_count_people_by()
    {
        var (code, lines) = await BotProcess.RunUntilExitAsync(new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production", ["Bot__AppId"] = "6b1e4f3a-0000-4000-8000-00000000b007", ["Bot__AppPassword"] = "a-client-secret",
        });
        Assert.Equal(2, code);
        Assert.Contains("Configuration error: Insights:UserKeySecret (at least 32 characters, from Key Vault or an environment variable) is required in Production: it keys the pseudonyms people are counted by.", lines);
    }
}
