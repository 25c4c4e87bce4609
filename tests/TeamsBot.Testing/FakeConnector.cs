using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Testing;

/// <summary>One request the bot made to the connector.</summary>
public sealed record ConnectorRequest(
    string Method,
    string Path,
    string? Authorization,
    string Body,
    DateTimeOffset At,
    string? ConversationId)
{
    /// <summary>The request's Content-Length header (null when the body was sent chunked or there was none).</summary>
    public long? ContentLength { get; init; }

    /// <summary>Whether the body came with <c>Transfer-Encoding: chunked</c>.</summary>
    public bool Chunked { get; init; }

    public string? ContentType { get; init; }

    /// <summary>The activity in the body (send, reply, update), if any.</summary>
    public Activity? Activity => Body.Length > 0 && Body.TrimStart().StartsWith('{') && !Path.EndsWith("/v3/conversations", StringComparison.Ordinal)
        ? JsonSerializer.Deserialize<Activity>(Body, ProtocolJson.Options)
        : null;

    public JsonElement Json => JsonDocument.Parse(Body.Length == 0 ? "null" : Body).RootElement.Clone();

    public bool IsSend => Method == "POST" && Path.Contains("/activities", StringComparison.Ordinal);

    /// <summary>The tenant the request acts in, as the body says (conversation.tenantId, channelData.tenant.id or tenantId).</summary>
    public string? TenantId
    {
        get
        {
            if (Body.Length == 0 || !Body.TrimStart().StartsWith('{')) return null;
            using var doc = JsonDocument.Parse(Body);
            var root = doc.RootElement;
            if (root.TryGetProperty("conversation", out var c) && c.ValueKind == JsonValueKind.Object && c.TryGetProperty("tenantId", out var t) && t.ValueKind == JsonValueKind.String) return t.GetString();
            if (root.TryGetProperty("channelData", out var d) && d.ValueKind == JsonValueKind.Object && d.TryGetProperty("tenant", out var tenant)
                && tenant.ValueKind == JsonValueKind.Object && tenant.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String) return id.GetString();
            return root.TryGetProperty("tenantId", out var top) && top.ValueKind == JsonValueKind.String ? top.GetString() : null;
        }
    }

    /// <summary>Everything a person would read in the sent activity: its text plus the JSON of its card attachments.</summary>
    public string VisibleText => Activity is { } a
        ? a.Text + string.Concat((a.Attachments ?? []).Select(x => x.Content?.GetRawText()))
        : "";
}

/// <summary>A scripted answer: status, JSON body, Retry-After seconds.</summary>
public sealed record FakeResponse(int Status, object? Body = null, int? RetryAfterSeconds = null);

/// <summary>
/// A Bot Connector on 127.0.0.1 speaking the v3 REST routes. It records every call and answers like Teams
/// (201 with an id for sends, 200 for updates/deletes, conversations, members), unless a scripted response applies.
/// Use its <see cref="ServiceUrl"/> as the activity's serviceUrl.
/// </summary>
public sealed partial class FakeConnector : IAsyncDisposable
{
    private readonly ConcurrentQueue<ConnectorRequest> _requests = new();
    private readonly ConcurrentQueue<(Func<ConnectorRequest, bool> Match, FakeResponse Response)> _script = new();
    private readonly ConcurrentDictionary<string, TeamsChannelAccount> _members = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly TimeProvider _time;
    private LocalServer? _server;
    private int _ids;

    private FakeConnector(TimeProvider? time) => _time = time ?? TimeProvider.System;

    public string ServiceUrl => _server!.BaseUrl + "/";

    public IReadOnlyList<ConnectorRequest> Requests => [.. _requests];

    /// <summary>Activities the bot sent (POST …/activities), in order.</summary>
    public IReadOnlyList<Activity> SentActivities => [.. _requests.Where(r => r.IsSend).Select(r => r.Activity!)];

    public static async Task<FakeConnector> StartAsync(TimeProvider? time = null)
    {
        var fake = new FakeConnector(time);
        fake._server = await LocalServer.StartAsync(app => app.Map("/{**path}", fake.HandleAsync));
        return fake;
    }

    /// <summary>The next matching request(s) get this response instead of the default (one use per call).</summary>
    public void Script(Func<ConnectorRequest, bool> match, FakeResponse response, int times = 1)
    {
        for (var i = 0; i < times; i++) _script.Enqueue((match, response));
    }

    public void ScriptSends(FakeResponse response, int times = 1) => Script(r => r.IsSend, response, times);

    public void AddMember(string conversationId, TeamsChannelAccount member) => _members[$"{conversationId}|{member.Id}"] = member;

    /// <summary>Waits until the recorded requests satisfy <paramref name="condition"/>.</summary>
    public async Task<IReadOnlyList<ConnectorRequest>> WaitForAsync(Func<IReadOnlyList<ConnectorRequest>, bool> condition, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var snapshot = Requests;
            if (condition(snapshot)) return snapshot;
            try { await _signal.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token); }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The connector did not see the expected calls; it saw {snapshot.Count}: "
                    + string.Join(", ", snapshot.Select(r => $"{r.Method} {r.Path}")));
            }
        }
    }

    public Task<IReadOnlyList<ConnectorRequest>> WaitForSendsAsync(int count, TimeSpan? timeout = null) =>
        WaitForAsync(r => r.Count(x => x.IsSend) >= count, timeout);

    private async Task HandleAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync();
        // The raw target keeps the escaping the bot used (ids like "19:x@thread.v2" must be escaped on the wire).
        var rawTarget = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? "";
        var path = rawTarget.Split('?')[0];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var conversationId = segments.Length >= 3 && segments[1] == "conversations" ? segments[2] : null;
        var request = new ConnectorRequest(http.Request.Method, rawTarget, http.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null,
            body, _time.GetUtcNow(), conversationId)
        {
            ContentLength = http.Request.ContentLength,
            Chunked = http.Request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase),
            ContentType = http.Request.ContentType,
        };
        _requests.Enqueue(request);

        var response = Scripted(request) ?? Default(request, segments);
        _signal.Release();
        http.Response.StatusCode = response.Status;
        if (response.RetryAfterSeconds is { } retryAfter) http.Response.Headers.RetryAfter = retryAfter.ToString();
        if (response.Body is not null) await http.Response.WriteAsJsonAsync(response.Body, response.Body.GetType());
    }

    private FakeResponse? Scripted(ConnectorRequest request)
    {
        // Take the first scripted response that matches, keep the others in order.
        var count = _script.Count;
        FakeResponse? found = null;
        for (var i = 0; i < count && _script.TryDequeue(out var entry); i++)
        {
            if (found is null && entry.Match(request)) found = entry.Response;
            else _script.Enqueue(entry);
        }
        return found;
    }

    private FakeResponse Default(ConnectorRequest request, string[] segments)
    {
        var id = $"activity-{Interlocked.Increment(ref _ids)}";
        return (request.Method, segments) switch
        {
            ("POST", ["v3", "conversations"]) => new FakeResponse(201, new { id = $"a:conversation-{id}", activityId = id }),
            ("POST", ["v3", "conversations", _, "activities", ..]) => new FakeResponse(201, new { id }),
            ("PUT", ["v3", "conversations", _, "activities", _]) => new FakeResponse(200, new { id = segments[4] }),
            ("DELETE", ["v3", "conversations", _, "activities", _]) => new FakeResponse(200),
            ("GET", ["v3", "conversations", var conv, "members", var member]) =>
                _members.TryGetValue($"{conv}|{member}", out var m)
                    ? new FakeResponse(200, m)
                    : new FakeResponse(404, new { error = new { code = "MemberNotFoundInConversation", message = "not found" } }),
            ("GET", ["v3", "conversations", var conv, "pagedmembers"]) => PagedMembers(conv, request),
            (_, ["v3", "batch", ..]) => Batch(request, segments),
            _ => new FakeResponse(404, new { error = new { code = "NotFound", message = "no such route" } }),
        };
    }

    private FakeResponse PagedMembers(string conversationId, ConnectorRequest request)
    {
        var query = System.Web.HttpUtility.ParseQueryString(new Uri("http://x" + request.Path).Query);
        var size = int.TryParse(query["pageSize"], out var s) ? s : 100;
        var start = int.TryParse(query["continuationToken"], out var t) ? t : 0;
        var all = _members.Where(kv => kv.Key.StartsWith(conversationId + "|", StringComparison.Ordinal)).Select(kv => kv.Value).OrderBy(m => m.Id).ToList();
        var page = all.Skip(start).Take(size).ToList();
        var next = start + page.Count < all.Count ? (start + page.Count).ToString() : null;
        return new FakeResponse(200, new { continuationToken = next, members = page });
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
