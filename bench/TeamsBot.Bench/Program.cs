using System.Diagnostics;
using Activity = TeamsBot.Protocol.Activities.Activity;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Auth;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Testing;

// Authenticated /api/messages throughput and latency on loopback with a no-op handler and real signed tokens.
// Usage: dotnet run -c Release --project bench/TeamsBot.Bench [-- requests concurrency]
var requests = args.Length > 0 ? int.Parse(args[0]) : 30_000;
var concurrency = args.Length > 1 ? int.Parse(args[1]) : 32;
const string appId = "6a1f8a2e-3c4b-4d5e-8f90-123456789abc";

await using var issuer = await FakeChannelIssuer.StartAsync();
await using var tokens = await FakeTokenEndpoint.StartAsync();
await using var connector = await FakeConnector.StartAsync();
await using var bot = await BotApp.StartAsync(new Dictionary<string, string?>
{
    ["Bot:AppId"] = appId,
    ["Bot:AppPassword"] = "bench-secret",
    ["Bot:OpenIdMetadataUrl"] = issuer.MetadataUrl,
    ["Bot:TokenEndpoint"] = tokens.TokenUrl,
}, b => b.Services.AddBotRoutes(r => r.OnCommand<NoopHandler>("bench")), environment: "Production");

var token = issuer.CreateToken(new ChannelTokenSpec { Audience = appId, ServiceUrl = connector.ServiceUrl });
var bodies = Enumerable.Range(0, 64).Select(i => JsonSerializer.Serialize(
    TestActivities.Message(connector.ServiceUrl, "bench", conversationId: $"a:bench-{i}") with { Id = null }, ProtocolJson.Options)).ToArray();

// 1. Validation cost alone: the validator on one core, no HTTP.
var validator = bot.Services.GetRequiredService<ChannelTokenValidator>();
var activity = JsonSerializer.Deserialize<Activity>(bodies[0], ProtocolJson.Options)!;
for (var i = 0; i < 2_000; i++) await validator.ValidateAsync("Bearer " + token, activity, IPAddress.Loopback, default);
const int validations = 20_000;
var sw = Stopwatch.StartNew();
for (var i = 0; i < validations; i++)
{
    var result = await validator.ValidateAsync("Bearer " + token, activity, IPAddress.Loopback, default);
    if (!result.Succeeded) throw new InvalidOperationException("token rejected");
}
var validationMicros = sw.Elapsed.TotalMicroseconds / validations;

// 2. End to end over HTTP.
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri(bot.BaseUrl) };
async Task<double> PostAsync(int i)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = new StringContent(bodies[i % bodies.Length], Encoding.UTF8, "application/json") };
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    var start = Stopwatch.GetTimestamp();
    using var response = await http.SendAsync(request);
    if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"status {(int)response.StatusCode}");
    return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
}
for (var i = 0; i < 2_000; i++) await PostAsync(i); // warm-up

var latencies = new double[requests];
var next = -1;
sw.Restart();
await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
{
    int i;
    while ((i = Interlocked.Increment(ref next)) < requests) latencies[i] = await PostAsync(i);
}));
var elapsed = sw.Elapsed;
Array.Sort(latencies);
double P(double q) => latencies[(int)Math.Min(latencies.Length - 1, q * latencies.Length)];

Console.WriteLine($"requests={requests} concurrency={concurrency} cores={Environment.ProcessorCount}");
Console.WriteLine($"throughput: {requests / elapsed.TotalSeconds:F0} authenticated activities/s");
Console.WriteLine($"latency: p50 {P(0.50):F2} ms, p99 {P(0.99):F2} ms, max {latencies[^1]:F2} ms");
Console.WriteLine($"token validation alone: {validationMicros:F1} µs per activity ({1_000_000 / validationMicros:F0}/s on one core)");
Console.WriteLine($"validation share of a request at this throughput: {validationMicros / (1_000_000.0 / (requests / elapsed.TotalSeconds) * Environment.ProcessorCount) * 100:F0}% of CPU time per request");

internal sealed class NoopHandler : ITurnHandler
{
    public Task HandleAsync(ITurnContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
