using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeamsBot.Security;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Broadcasts;

/// <summary>
/// A generated directory (file source) of people in two tenants, a rate-limited fake connector, an Entra issuer for
/// API tokens, and helpers to drive <c>/api/campaigns</c> over real HTTP.
/// </summary>
public sealed class BroadcastHarness : IAsyncDisposable
{
    public const string TenantA = "5a3b1e00-0000-4000-8000-00000000d1a0"; // gsa.gov people
    public const string TenantB = "7e57a5a0-0000-4000-8000-0000000a5a00"; // nasa.gov people (NASA's own tenant)
    public const string CoachId = "c0ac0000-0000-4000-8000-000000000001";
    public const string SecondCoachId = "c0ac0000-0000-4000-8000-000000000002";

    private readonly string _directory;

    private BroadcastHarness(string directory, FakeConnector connector, FakeEntraIssuer entra)
    {
        _directory = directory;
        Connector = connector;
        Entra = entra;
    }

    public FakeConnector Connector { get; }
    public FakeEntraIssuer Entra { get; }
    public string DirectoryFile => Path.Combine(_directory, "directory.json");

    public static string UserId(int i) => $"00000000-0000-4000-8000-{i:D12}";
    public static string NasaUserId(int i) => $"00000000-0000-4000-9000-{i:D12}";

    /// <summary>Writes <paramref name="gsaUsers"/> people in tenant A and <paramref name="nasaUsers"/> in tenant B.</summary>
    public static async Task<BroadcastHarness> StartAsync(int gsaUsers, int nasaUsers = 0)
    {
        var dir = Directory.CreateTempSubdirectory("teamsbot-broadcast-").FullName;
        var users = new JsonArray();
        for (var i = 1; i <= gsaUsers; i++) users.Add(new JsonObject { ["id"] = UserId(i), ["userPrincipalName"] = $"user{i}@gsa.gov", ["displayName"] = $"User {i}" });
        for (var i = 1; i <= nasaUsers; i++)
            users.Add(new JsonObject { ["id"] = NasaUserId(i), ["tenantId"] = TenantB, ["userPrincipalName"] = $"astro{i}@nasa.gov", ["displayName"] = $"Astro {i}" });
        users.Add(new JsonObject { ["id"] = CoachId, ["userPrincipalName"] = "coach.one@gsa.gov", ["displayName"] = "Coach One" });
        users.Add(new JsonObject { ["id"] = SecondCoachId, ["userPrincipalName"] = "coach.two@gsa.gov", ["displayName"] = "Coach Two" });
        await File.WriteAllTextAsync(Path.Combine(dir, "directory.json"), new JsonObject { ["tenantId"] = TenantA, ["users"] = users }.ToJsonString());
        return new BroadcastHarness(dir, await FakeConnector.StartAsync(), await FakeEntraIssuer.StartAsync());
    }

    /// <summary>Settings for a bot (in-process or a replica process) on this harness.</summary>
    public Dictionary<string, string?> Settings(int tenantRate = 200, int approvalThreshold = 10_000) => new()
    {
        ["Api:Authority"] = Entra.Authority,
        ["Api:Audience"] = FakeEntraIssuer.ApiAudience,
        ["Directory:File"] = DirectoryFile,
        ["Broadcasts:ServiceUrl"] = Connector.ServiceUrl,
        ["Broadcasts:PollInterval"] = "00:00:00.2",
        ["Broadcasts:StatusCardInterval"] = "00:00:01",
        ["Broadcasts:ApprovalThreshold"] = approvalThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Connector:TenantRequestsPerSecond"] = tenantRate.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Connector:BaseDelay"] = "00:00:00.2",
    };

    /// <summary>Environment variables for a replica process on <paramref name="postgres"/>, joining the job cluster quickly.</summary>
    public Dictionary<string, string> ReplicaEnvironment(TestPostgres postgres, IReadOnlyDictionary<string, string>? extra = null)
    {
        var environment = Settings().Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value!);
        environment["Storage__Provider"] = "Postgres";
        environment["ConnectionStrings__TeamsBot"] = postgres.ConnectionString;
        environment["Jobs__IdleWaitTime"] = "00:00:01";
        environment["Jobs__ClusterCheckinInterval"] = "00:00:02";
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        return environment;
    }

    public string CoachToken(string objectId = CoachId) => Entra.CreateToken(new EntraTokenSpec { Roles = [Roles.Coach], ObjectId = objectId });

    public static object Body(object audience, bool acknowledge = false, string title = "Deep Research is here", string kind = "announcement") => new
    {
        kind,
        title,
        body = "Your agency has **60 extra days** of Deep Research. Try it on a long report.",
        links = new[] { new { title = "Training", url = "https://training.example.gov/deep-research" } },
        acknowledge,
        audience,
    };

    public static async Task<HttpResponseMessage> CallAsync(HttpClient http, HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = body as HttpContent ?? JsonContent.Create(body);
        return await http.SendAsync(request);
    }

    public async Task<string> CreateAsync(HttpClient http, object body, string? token = null)
    {
        var response = await CallAsync(http, HttpMethod.Post, "/api/campaigns", token ?? CoachToken(), body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public async Task<JsonElement> GetAsync(HttpClient http, string id)
    {
        var response = await CallAsync(http, HttpMethod.Get, $"/api/campaigns/{id}", CoachToken());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> WaitForStatusAsync(HttpClient http, string id, string status, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        JsonElement last = default;
        while (!cts.IsCancellationRequested)
        {
            last = await GetAsync(http, id);
            if (last.GetProperty("status").GetString() == status) return last;
            await Task.Delay(100);
        }
        throw new TimeoutException($"Campaign {id} did not reach {status}: {last}");
    }

    public static int Count(JsonElement view, string name) => view.GetProperty("counts").GetProperty(name).GetInt32();

    public async ValueTask DisposeAsync()
    {
        await Connector.DisposeAsync();
        await Entra.DisposeAsync();
        try { Directory.Delete(_directory, true); } catch (IOException) { }
    }
}
