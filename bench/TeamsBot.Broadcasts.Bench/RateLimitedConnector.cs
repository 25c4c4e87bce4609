using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TeamsBot.Testing;

namespace TeamsBot.Broadcasts.Bench;

/// <summary>
/// A minimal Bot Connector for big runs: answers <c>POST /v3/conversations</c> (1:1 create with the card inside) and
/// <c>POST /v3/conversations/{id}/activities</c>, records nothing but counters, and enforces a per-tenant limit of
/// <see cref="TenantRequestsPerSecond"/> over any sliding second (429 + <c>Retry-After</c> past it), like Teams.
/// </summary>
public sealed class RateLimitedConnector : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _deliveries = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Queue<long>> _windows = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, int> _perTenantDeliveries = new(StringComparer.OrdinalIgnoreCase);
    private LocalServer? _server;
    private long _first = long.MaxValue, _last, _throttled, _delivered, _requests;
    private int _ids;

    public double TenantRequestsPerSecond { get; set; } = double.PositiveInfinity;
    public int RetryAfterSeconds { get; set; } = 1;
    public string ServiceUrl => _server!.BaseUrl + "/";

    public long Throttled => Interlocked.Read(ref _throttled);
    public long DeliveryCount => Interlocked.Read(ref _delivered);
    public long RequestCount => Interlocked.Read(ref _requests);
    public IReadOnlyDictionary<string, int> DeliveriesPerMember => _deliveries;
    public IReadOnlyDictionary<string, int> DeliveriesPerTenant => _perTenantDeliveries;

    /// <summary>Seconds from the first to the last successful delivery.</summary>
    public double DeliverySpanSeconds => _delivered < 2 ? 0 : Stopwatch.GetElapsedTime(Interlocked.Read(ref _first), Interlocked.Read(ref _last)).TotalSeconds;
    public double DeliveriesPerSecond => DeliverySpanSeconds <= 0 ? 0 : (DeliveryCount - 1) / DeliverySpanSeconds;

    public static async Task<RateLimitedConnector> StartAsync()
    {
        var fake = new RateLimitedConnector();
        fake._server = await LocalServer.StartAsync(app => app.Map("/{**path}", fake.HandleAsync));
        return fake;
    }

    public void Reset()
    {
        _deliveries.Clear();
        _perTenantDeliveries.Clear();
        _windows.Clear();
        _first = long.MaxValue;
        _last = _throttled = _delivered = _requests = 0;
    }

    private bool Admit(string tenant, long now)
    {
        if (double.IsPositiveInfinity(TenantRequestsPerSecond)) return true;
        var window = _windows.GetOrAdd(tenant, _ => new Queue<long>());
        lock (window)
        {
            var since = now - Stopwatch.Frequency;
            while (window.Count > 0 && window.Peek() <= since) window.Dequeue();
            if (window.Count >= TenantRequestsPerSecond) return false;
            window.Enqueue(now);
            return true;
        }
    }

    private async Task HandleAsync(HttpContext http)
    {
        Interlocked.Increment(ref _requests);
        using var doc = await JsonDocument.ParseAsync(http.Request.Body);
        var root = doc.RootElement;
        var path = http.Request.Path.Value ?? "";
        var isCreate = http.Request.Method == "POST" && path.TrimEnd('/').EndsWith("/v3/conversations", StringComparison.Ordinal);
        var isSend = http.Request.Method == "POST" && path.Contains("/activities", StringComparison.Ordinal);
        var tenant = Tenant(root) ?? "";
        var now = Stopwatch.GetTimestamp();
        if (!Admit(tenant, now))
        {
            Interlocked.Increment(ref _throttled);
            http.Response.StatusCode = 429;
            http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await http.Response.WriteAsJsonAsync(new { error = new { code = "TooManyRequests", message = "throttled" } });
            return;
        }
        var id = Interlocked.Increment(ref _ids);
        string? member = null;
        if (isCreate && root.TryGetProperty("members", out var members) && members.ValueKind == JsonValueKind.Array && members.GetArrayLength() > 0)
            member = members[0].GetProperty("id").GetString();
        else if (isSend)
        {
            var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var conversation = Uri.UnescapeDataString(segments[2]);
            member = conversation.StartsWith("a:conv-", StringComparison.Ordinal) ? conversation["a:conv-".Length..] : conversation;
        }
        if (member is not null && (isCreate || isSend))
        {
            _deliveries.AddOrUpdate(member, 1, (_, n) => n + 1);
            _perTenantDeliveries.AddOrUpdate(tenant, 1, (_, n) => n + 1);
            Interlocked.Increment(ref _delivered);
            var stamp = Stopwatch.GetTimestamp();
            long first;
            while (stamp < (first = Interlocked.Read(ref _first)) && Interlocked.CompareExchange(ref _first, stamp, first) != first) { }
            long last;
            while (stamp > (last = Interlocked.Read(ref _last)) && Interlocked.CompareExchange(ref _last, stamp, last) != last) { }
        }
        http.Response.StatusCode = isCreate || isSend ? 201 : 200;
        if (isCreate) await http.Response.WriteAsJsonAsync(new { id = $"a:conv-{member}", activityId = $"1{id}" });
        else if (isSend) await http.Response.WriteAsJsonAsync(new { id = $"1{id}" });
        else await http.Response.WriteAsJsonAsync(new { id = $"x{id}" });
    }

    private static string? Tenant(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) return null;
        if (root.TryGetProperty("tenantId", out var top) && top.ValueKind == JsonValueKind.String) return top.GetString();
        if (root.TryGetProperty("conversation", out var c) && c.ValueKind == JsonValueKind.Object && c.TryGetProperty("tenantId", out var t) && t.ValueKind == JsonValueKind.String) return t.GetString();
        if (root.TryGetProperty("channelData", out var d) && d.ValueKind == JsonValueKind.Object && d.TryGetProperty("tenant", out var tn)
            && tn.ValueKind == JsonValueKind.Object && tn.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String) return id.GetString();
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
