using TeamsBot.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Answers.Tests;

/// <summary>Each provider goes through its official SDK to the fake SSE server and streams text back.</summary>
public class ModelProviderTests
{
    [Fact]
    public async Task OpenAI_provider_streams_through_the_official_SDK()
    {
        await using var h = await Harness.StartAsync(provider: "OpenAI");
        h.Model!.Enqueue(ModelScript.Answer("Hello from OpenAI [1]."));
        await h.AskAsync("How do I get access?");
        Assert.Equal("Hello from OpenAI [1].", (await h.MessageAsync()).Text);
        var request = Assert.Single(h.Model.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer test-key", request.Authorization);
    }

    [Fact]
    public async Task Azure_OpenAI_provider_calls_the_deployment_route_with_api_key()
    {
        await using var h = await Harness.StartAsync(provider: "AzureOpenAI");
        h.Model!.Enqueue(ModelScript.Answer("Hello from Azure [1]."));
        await h.AskAsync("How do I get access?");
        Assert.Equal("Hello from Azure [1].", (await h.MessageAsync()).Text);
        var request = Assert.Single(h.Model.Requests);
        Assert.StartsWith("/openai/deployments/gpt-test/chat/completions?api-version=", request.Path);
        Assert.Equal("test-key", request.ApiKeyHeader);
    }

    [Fact]
    public async Task Compatible_provider_works_without_an_api_key_over_loopback_http()
    {
        await using var h = await Harness.StartAsync(settings: new Dictionary<string, string?> { ["Model:ApiKey"] = null });
        h.Model!.Enqueue(ModelScript.Answer("Local model [1]."));
        await h.AskAsync("How do I get access?");
        Assert.Equal("Local model [1].", (await h.MessageAsync()).Text);
    }

    [Theory]
    [InlineData("AzureOpenAI", "https://my-agency.openai.azure.us/")]
    [InlineData("AzureOpenAI", "https://my-agency.openai.azure.com/")]
    [InlineData("OpenAI", null)]
    [InlineData("Compatible", "https://gateway.agency.gov/v1")]
    public void Government_and_public_endpoints_are_accepted(string provider, string? endpoint)
    {
        var o = new ModelOptions { Provider = provider, Endpoint = endpoint, Name = "gpt-4o", ApiKey = "k" };
        Assert.True(new ModelOptionsValidator().Validate(null, o).Succeeded);
        using var http = new HttpClient();
        Assert.IsAssignableFrom<IChatClient>(ModelClient.Create(o, http));
    }

    [Theory]
    [InlineData("Gemini", null, null, null, "Model:Provider 'Gemini' is unknown")]
    [InlineData("AzureOpenAI", null, "k", "dep", "Model:Endpoint is required")]
    [InlineData("AzureOpenAI", "https://x.openai.azure.us/", null, "dep", "Model:ApiKey is required")]
    [InlineData("OpenAI", null, "k", null, "Model:Name is required")]
    [InlineData("Compatible", "http://10.1.2.3:8000/v1", null, "m", "must use https")]
    [InlineData("Compatible", "not a url", null, "m", "is not an absolute http(s) URL")]
    public void Bad_model_configuration_fails_with_one_clear_line(string provider, string? endpoint, string? key, string? name, string expected)
    {
        var result = new ModelOptionsValidator().Validate(null, new ModelOptions { Provider = provider, Endpoint = endpoint, ApiKey = key, Name = name });
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains(expected));
    }

    [Fact]
    public async Task The_app_refuses_to_start_with_an_invalid_blocked_pattern()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            Testing.BotApp.StartAsync(new Dictionary<string, string?> { ["Answers:BlockedPatterns:0"] = "(unclosed" }));
        Assert.Contains(ex.Failures, f => f.Contains("Answers:BlockedPatterns"));
    }

    [Fact]
    public async Task Knowledge_path_points_the_bot_at_an_agency_folder_and_citations_link_to_the_base_url()
    {
        var folder = Directory.CreateTempSubdirectory("teamsbot-knowledge-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "parking.md"),
                "# Parking at headquarters\n\n## Visitor parking\nVisitors park in garage B after registering at the front desk.\n");
            await using var h = await Harness.StartAsync(withModel: false, new Dictionary<string, string?>
            {
                ["Knowledge:Path"] = folder.FullName, ["Knowledge:BaseUrl"] = "https://intranet.agency.gov/guidance/",
            });
            await h.AskAsync("Where do visitors park?");
            var final = await h.MessageAsync();
            Assert.Contains("garage B", final.Text);
            var citation = Assert.Single(EntityAssertions.Root(final).Citation!);
            Assert.Equal("Parking at headquarters — Visitor parking", citation.Appearance!.Name);
            Assert.Equal("https://intranet.agency.gov/guidance/parking.md", citation.Appearance.Url);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_app_refuses_to_start_with_a_bad_model_configuration()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            Testing.BotApp.StartAsync(new Dictionary<string, string?> { ["Model:Provider"] = "AzureOpenAI" }));
        Assert.Contains(ex.Failures, f => f.Contains("Model:Endpoint is required"));
    }
}
