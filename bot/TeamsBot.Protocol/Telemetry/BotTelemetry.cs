using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TeamsBot.Protocol.Telemetry;

/// <summary>
/// Metrics and traces of the protocol host (meter and activity source <see cref="Name"/>). Tags carry kinds, routes and
/// status codes, never message content or user ids. Exported only when the app turns OpenTelemetry on.
/// </summary>
public sealed class BotTelemetry : IDisposable
{
    public const string Name = "TeamsBot.Protocol";
    public static readonly ActivitySource Source = new(Name);

    private readonly Meter _meter;

    public BotTelemetry(IMeterFactory meters)
    {
        _meter = meters.Create(Name);
        ActivitiesReceived = _meter.CreateCounter<long>("teamsbot.activities.received", "{activity}", "Inbound activities by type and HTTP status");
        TurnDuration = _meter.CreateHistogram<double>("teamsbot.turn.duration", "s", "Time to handle a turn, by activity type and outcome");
        ConnectorRequests = _meter.CreateCounter<long>("teamsbot.connector.requests", "{request}", "Bot Connector calls by operation and status");
        ConnectorThrottled = _meter.CreateCounter<long>("teamsbot.connector.throttled", "{response}", "429 responses from the Bot Connector");
        ConnectorRetries = _meter.CreateCounter<long>("teamsbot.connector.retries", "{retry}", "Bot Connector calls retried");
        BudgetWait = _meter.CreateHistogram<double>("teamsbot.connector.budget_wait", "s", "Time a request waited for its tenant's send budget");
    }

    public Counter<long> ActivitiesReceived { get; }
    public Histogram<double> TurnDuration { get; }
    public Counter<long> ConnectorRequests { get; }
    public Counter<long> ConnectorThrottled { get; }
    public Counter<long> ConnectorRetries { get; }
    public Histogram<double> BudgetWait { get; }

    public void Dispose() => _meter.Dispose();

    private static readonly object[] Statuses = Enumerable.Range(0, 600).Select(code => (object)code).ToArray();

    /// <summary>An HTTP status as a tag value without boxing on every request.</summary>
    public static object Status(int code) => code is >= 0 and < 600 ? Statuses[code] : code;
}

/// <summary>Counts every connector attempt by operation and status, and traces it as a client span (no ids in names or tags).</summary>
internal sealed class ConnectorTelemetryHandler(BotTelemetry telemetry) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var operation = request.Options.TryGetValue(Connector.ConnectorRequestOptions.Operation, out var op) ? op : "other";
        using var span = BotTelemetry.Source.StartActivity($"connector {operation}", ActivityKind.Client);
        span?.SetTag("teamsbot.connector.operation", operation);
        span?.SetTag("http.request.method", request.Method.Method);
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            span?.SetTag("http.response.status_code", status);
            if (!response.IsSuccessStatusCode) span?.SetStatus(ActivityStatusCode.Error);
            telemetry.ConnectorRequests.Add(1, new("operation", operation), new("status", BotTelemetry.Status(status)));
            if (status == 429) telemetry.ConnectorThrottled.Add(1, new KeyValuePair<string, object?>("operation", operation));
            return response;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            span?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            telemetry.ConnectorRequests.Add(1, new("operation", operation), new("status", e is HttpRequestException ? "network_error" : "timeout"));
            throw;
        }
    }
}
