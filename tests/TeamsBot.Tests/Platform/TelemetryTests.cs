using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Telemetry;
using TeamsBot.Testing;

namespace TeamsBot.Tests.Platform;

[Collection(ReplicaCollection.Name)]
public sealed class TelemetryTests
{
    private const string Secret = "PURPLE-ELEPHANT-42";

    /// <summary>An OTLP/HTTP collector on 127.0.0.1 that keeps the raw protobuf bodies per signal.</summary>
    private sealed class FakeCollector : IAsyncDisposable
    {
        private LocalServer? _server;
        public ConcurrentDictionary<string, ConcurrentQueue<byte[]>> Bodies { get; } = new();
        public string Endpoint => _server!.BaseUrl;

        public static async Task<FakeCollector> StartAsync()
        {
            var collector = new FakeCollector();
            collector._server = await LocalServer.StartAsync(app => app.MapPost("/v1/{signal}", async (string signal, HttpContext http) =>
            {
                using var buffer = new MemoryStream();
                await http.Request.Body.CopyToAsync(buffer);
                collector.Bodies.GetOrAdd(signal, _ => new()).Enqueue(buffer.ToArray());
                http.Response.ContentType = "application/x-protobuf";
                return Results.Bytes([], "application/x-protobuf");
            }));
            return collector;
        }

        /// <summary>Protobuf keeps strings as UTF-8 bytes: names and tags can be looked for in the raw bodies.</summary>
        public string Text(string signal) => Bodies.TryGetValue(signal, out var bodies) ? string.Concat(bodies.Select(b => Encoding.UTF8.GetString(b))) : "";

        public async ValueTask DisposeAsync()
        {
            if (_server is not null) await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task With_the_standard_OTLP_variable_the_bot_exports_metrics_and_traces_and_never_message_text()
    {
        await using var collector = await FakeCollector.StartAsync();
        await using var connector = await FakeConnector.StartAsync();
        await using var bot = await RunningBot.StartAsync(new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        });
        var question = TestActivities.Message(connector.ServiceUrl, $"My badge code is {Secret}, how do I get access?");
        var response = await bot.Http.PostAsync("/api/messages", System.Net.Http.Json.JsonContent.Create(question, options: ProtocolJson.Options));
        Assert.True(response.IsSuccessStatusCode);
        await connector.WaitForAsync(r => r.Any(x => x.IsSend && x.Activity?.Type == "message"));

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!(collector.Text("metrics").Contains("teamsbot.connector.requests") && collector.Text("traces").Contains("connector send")) && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        await Task.Delay(1000); // one more export of each signal

        var metrics = collector.Text("metrics");
        foreach (var name in new[] { "teamsbot.activities.received", "teamsbot.turn.duration", "teamsbot.connector.requests", "teamsbot.jobs.runs" })
            Assert.Contains(name, metrics);
        Assert.Contains("turn message", collector.Text("traces"));
        Assert.Contains("connector send", collector.Text("traces"));
        foreach (var signal in collector.Bodies.Keys)
            Assert.DoesNotContain(Secret, collector.Text(signal));
    }

    [Fact]
    public async Task Without_it_nothing_is_exported()
    {
        await using var bot = await BotApp.StartAsync();
        Assert.Null(bot.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task Activities_connector_calls_and_429s_are_counted_by_kind_and_status()
    {
        await using var connector = await FakeConnector.StartAsync();
        await using var bot = await BotApp.StartAsync(new Dictionary<string, string?> { ["Connector:BaseDelay"] = "00:00:00.010" });
        var measurements = new ConcurrentQueue<(string Instrument, long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == BotTelemetry.Name) l.EnableMeasurementEvents(instrument); },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measurements.Enqueue((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.Start();

        connector.ScriptSends(new FakeResponse(429, new { error = new { code = "TooManyRequests" } }, RetryAfterSeconds: 0));
        await bot.SendAsync(TestActivities.Message(connector.ServiceUrl, "help"));
        await connector.WaitForSendsAsync(2);
        await Task.Delay(200);

        Assert.Contains(measurements, m => m.Instrument == "teamsbot.activities.received" && (string?)m.Tags["type"] == "message" && (int?)m.Tags["status"] == 200);
        Assert.Contains(measurements, m => m.Instrument == "teamsbot.connector.requests" && (string?)m.Tags["operation"] == "send" && (int?)m.Tags["status"] == 429);
        Assert.Contains(measurements, m => m.Instrument == "teamsbot.connector.requests" && (string?)m.Tags["operation"] == "send" && (int?)m.Tags["status"] == 201);
        Assert.Contains(measurements, m => m.Instrument == "teamsbot.connector.throttled");
        Assert.Contains(measurements, m => m.Instrument == "teamsbot.connector.retries" && (int?)m.Tags["status"] == 429);

        // A made-up activity type from the wire must not become a new metric series.
        await bot.SendAsync(TestActivities.Message(connector.ServiceUrl, "x") with { Type = "attacker-controlled-" + Guid.NewGuid() });
        await Task.Delay(200);
        Assert.Contains(measurements, m => m.Instrument == "teamsbot.activities.received" && (string?)m.Tags["type"] == "other");
        Assert.DoesNotContain(measurements, m => m.Tags.Values.OfType<string>().Any(v => v.StartsWith("attacker-controlled", StringComparison.Ordinal)));
    }
}
