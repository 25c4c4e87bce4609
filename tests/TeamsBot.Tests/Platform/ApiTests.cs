using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Agencies;
using TeamsBot.Security;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Platform;

/// <summary>The automation APIs behind Entra ID bearer tokens (a local issuer on 127.0.0.1), over real HTTP.</summary>
public sealed class ApiTests : IAsyncLifetime
{
    private FakeEntraIssuer _entra = null!;
    private BotApp _bot = null!;

    public async Task InitializeAsync()
    {
        _entra = await FakeEntraIssuer.StartAsync();
        _bot = await BotApp.StartAsync(new Dictionary<string, string?>
        {
            ["Api:Authority"] = _entra.Authority,
            ["Api:Audience"] = FakeEntraIssuer.ApiAudience,
        });
    }

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        await _entra.DisposeAsync();
    }

    private async Task<HttpResponseMessage> CallAsync(HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = body is string raw ? new StringContent(raw, System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(body);
        return await _bot.Http.SendAsync(request);
    }

    public static TheoryData<string, Func<FakeEntraIssuer, string?>> Unauthenticated => new()
    {
        { "no token", _ => null },
        { "not a JWT", _ => "garbage" },
        { "wrong audience", e => e.CreateToken(new EntraTokenSpec { Roles = [Roles.Coach], Audience = "api://00000000-0000-0000-0000-000000000000" }) },
        { "expired", e => e.CreateToken(new EntraTokenSpec { Roles = [Roles.Coach], ExpiresIn = TimeSpan.FromMinutes(-10) }) },
        { "another issuer", e => e.CreateToken(new EntraTokenSpec { Roles = [Roles.Coach], Issuer = "https://login.microsoftonline.com/evil/v2.0" }) },
        { "signed by a key not in the JWKS", e => e.CreateToken(new EntraTokenSpec { Roles = [Roles.Coach], SignWithUnknownKey = true }) },
        { "a Bot Framework channel token is not an API token", _ => "eyJhbGciOiJSUzI1NiJ9.eyJzZXJ2aWNldXJsIjoiaHR0cDovL3gifQ.c2ln" },
        { "an ID token of the same app (a tab sign-in) is not an access token", e => e.CreateToken(new EntraTokenSpec { Roles = [Roles.Admin], IdToken = true }) },
    };

    [Theory]
    [MemberData(nameof(Unauthenticated))]
    public async Task Callers_without_a_valid_token_get_401(string because, Func<FakeEntraIssuer, string?> token)
    {
        var response = await CallAsync(HttpMethod.Get, "/api/agencies", token(_entra));
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{because}: {(int)response.StatusCode}");
    }

    [Fact]
    public async Task An_employee_token_gets_403_a_coach_reads_and_only_an_admin_writes()
    {
        var employee = _entra.CreateToken();
        var coach = _entra.CreateToken(Roles.Coach);
        var admin = _entra.CreateToken(Roles.Admin);

        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(HttpMethod.Get, "/api/agencies", employee)).StatusCode);

        var list = await CallAsync(HttpMethod.Get, "/api/agencies", coach);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var agencies = await list.Content.ReadFromJsonAsync<JsonElement>();
        var gsa = agencies.EnumerateArray().Single(a => a.GetProperty("id").GetString() == "gsa");
        Assert.Equal("General Services Administration", gsa.GetProperty("name").GetString());
        Assert.False(gsa.TryGetProperty("coachGroupIds", out _)); // coaches do not see who administers what
        Assert.Contains(gsa.GetProperty("entitlements").EnumerateArray(), e => e.GetProperty("feature").GetString() == "deep-research");

        var body = new { name = "Department of Labor", acronym = "DOL", emailDomains = new[] { "dol.gov" } };
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(HttpMethod.Put, "/api/agencies/dol", coach, body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(HttpMethod.Get, "/api/agencies/gsa", coach)).StatusCode);

        var created = await CallAsync(HttpMethod.Put, "/api/agencies/dol", admin, body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("Department of Labor", (await _bot.Services.GetRequiredService<IAgencyRegistry>().FindAsync("dol", default))?.Name);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(HttpMethod.Put, "/api/agencies/dol", admin, body)).StatusCode); // replace

        var window = await CallAsync(HttpMethod.Put, "/api/agencies/dol/entitlements/deep-research", admin,
            new { start = DateTimeOffset.UtcNow.AddDays(-1), end = DateTimeOffset.UtcNow.AddDays(59) });
        Assert.Equal(HttpStatusCode.OK, window.StatusCode);
        Assert.True(await _bot.Services.GetRequiredService<IAgencyRegistry>().IsEntitledAsync("dol", "deep-research", default));

        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Delete, "/api/agencies/dol", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(HttpMethod.Delete, "/api/agencies/dol", admin)).StatusCode);
    }

    [Fact]
    public async Task Bad_bodies_get_problem_details_naming_each_bad_field_and_nothing_is_saved()
    {
        var admin = _entra.CreateToken(Roles.Admin);
        var response = await CallAsync(HttpMethod.Put, "/api/agencies/ed", admin, new
        {
            name = "",
            emailDomains = new[] { "ed.gov", "not a domain" },
            coachUserIds = new[] { "casey@ed.gov" },
            entitlements = new[] { new { feature = "deep-research", start = "2026-12-01T00:00:00Z", end = "2026-11-01T00:00:00Z" } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["coachUserIds[0]", "emailDomains[1]", "entitlements[0]", "name"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Null(await _bot.Services.GetRequiredService<IAgencyRegistry>().FindAsync("ed", default));

        var wrongType = await CallAsync(HttpMethod.Put, "/api/agencies/ed", admin, "{\"name\":\"Education\",\"emailDomains\":\"ed.gov\"}");
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.True((await wrongType.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("emailDomains", out _));

        var notJson = await CallAsync(HttpMethod.Put, "/api/agencies/ed", admin, "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);

        var mismatch = await CallAsync(HttpMethod.Put, "/api/agencies/ed", admin, new { id = "doe", name = "Energy" });
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.Contains("not the id in the URL", await mismatch.Content.ReadAsStringAsync());

        var window = await CallAsync(HttpMethod.Put, "/api/agencies/gsa/entitlements/deep-research", admin, new { start = "2026-12-01T00:00:00Z" });
        Assert.Equal(HttpStatusCode.BadRequest, window.StatusCode);
        Assert.True((await window.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("end", out _));
    }

    [Fact]
    public async Task Admins_see_the_durable_jobs_and_can_run_one_now()
    {
        var admin = _entra.CreateToken(Roles.Admin);
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(HttpMethod.Get, "/api/jobs", _entra.CreateToken(Roles.Coach))).StatusCode);
        var jobs = await (await CallAsync(HttpMethod.Get, "/api/jobs", admin)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(jobs.EnumerateArray(), j => j.GetProperty("name").GetString() == "answers.memory-cleanup" && j.GetProperty("schedule").GetString() == "every 01:00:00");

        Assert.Equal(HttpStatusCode.Accepted, (await CallAsync(HttpMethod.Post, "/api/jobs/answers.memory-cleanup/run", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(HttpMethod.Post, "/api/jobs/no.such-job/run", admin)).StatusCode);
    }

    [Fact]
    public async Task Me_tells_a_script_who_it_is_and_which_roles_it_holds()
    {
        var me = await (await CallAsync(HttpMethod.Get, "/api/me", _entra.CreateToken(Roles.Coach, "Unrelated"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Casey Coach", me.GetProperty("name").GetString());
        Assert.Equal(FakeEntraIssuer.TenantId, me.GetProperty("tenantId").GetString());
        Assert.Equal([Roles.Coach], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }
}

public sealed class ApiOffTests
{
    [Fact]
    public async Task Without_Api_Authority_the_APIs_answer_404_and_the_bot_still_works()
    {
        await using var bot = await BotApp.StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await bot.Http.GetAsync("/api/agencies")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bot.Http.GetAsync("/api/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bot.Http.GetAsync("/healthz")).StatusCode);
    }

    [Theory]
    [InlineData("http://login.example.com/0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f/v2.0", "api://x", "Api:Authority must use https")]
    [InlineData("https://login.microsoftonline.com/common/v2.0", "api://x", "must name the tenant")]
    [InlineData("https://login.microsoftonline.us/0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f/v2.0", "", "Api:Audience is required")]
    public async Task Bad_API_settings_stop_startup_with_a_clear_line(string authority, string audience, string expected)
    {
        var exit = await BotProcess.RunUntilExitAsync(new Dictionary<string, string> { ["Api__Authority"] = authority, ["Api__Audience"] = audience });
        Assert.Equal(2, exit.Code);
        Assert.Contains(exit.ErrorLines, l => l.StartsWith("Configuration error: ") && l.Contains(expected));
    }
}
