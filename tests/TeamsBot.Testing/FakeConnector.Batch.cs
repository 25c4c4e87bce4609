using System.Collections.Concurrent;
using System.Text.Json;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Testing;

/// <summary>One batch operation the bot started on the fake connector (POST v3/batch/conversation/{kind}).</summary>
public sealed class FakeBatchOperation
{
    private int _polls;
    private int _cancelled;

    internal FakeBatchOperation(string id, string kind, string? tenantId, string? teamId, IReadOnlyList<string> members, Activity? activity, string body, DateTimeOffset at)
    {
        (Id, Kind, TenantId, TeamId, Members, Activity, Body, CreatedAt) = (id, kind, tenantId, teamId, members, activity, body, at);
    }

    public string Id { get; }

    /// <summary><c>users</c>, <c>tenant</c>, <c>team</c> or <c>channels</c>.</summary>
    public string Kind { get; }

    public string? TenantId { get; }
    public string? TeamId { get; }

    /// <summary>The <c>members[].id</c> of the request (users or channels), in order.</summary>
    public IReadOnlyList<string> Members { get; }

    public Activity? Activity { get; }

    /// <summary>The request body as sent.</summary>
    public string Body { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>How many times its state was read.</summary>
    public int Polls => Volatile.Read(ref _polls);

    public bool Cancelled => Volatile.Read(ref _cancelled) == 1;

    internal int Poll() => Interlocked.Increment(ref _polls);

    internal void Cancel() => Interlocked.Exchange(ref _cancelled, 1);
}

/// <summary>The Teams batch messaging routes (preview), answered like Teams.</summary>
public sealed partial class FakeConnector
{
    private readonly ConcurrentDictionary<string, FakeBatchOperation> _batch = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<FakeBatchOperation> _batchOrder = new();
    private int _batchIds;

    /// <summary>Answer a batch POST with a bare JSON string (<c>"op-1"</c>) instead of <c>{"operationId":"op-1"}</c>.</summary>
    public bool BatchReturnsBareString { get; set; }

    /// <summary>How many state reads answer <c>InProgress</c> (with retryAfter) before <c>Completed</c>.</summary>
    public int BatchPollsBeforeDone { get; set; } = 1;

    /// <summary>How far ahead the retryAfter of an <c>InProgress</c> state is.</summary>
    public TimeSpan BatchRetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Send retryAfter as a number of seconds instead of a timestamp.</summary>
    public bool BatchRetryAfterAsSeconds { get; set; }

    /// <summary>Recipients that fail: member (or channel) id → the error Teams reports for it.</summary>
    public ConcurrentDictionary<string, string> BatchFailures { get; } = new(StringComparer.Ordinal);

    /// <summary>The HTTP status the statusMap counts failures under.</summary>
    public int BatchFailureStatus { get; set; } = 403;

    /// <summary>Failed entries per page (small, so paging is exercised).</summary>
    public int BatchFailedEntriesPageSize { get; set; } = 2;

    /// <summary>The batch operations started, in order.</summary>
    public IReadOnlyList<FakeBatchOperation> BatchOperations => [.. _batchOrder];

    private FakeResponse Batch(ConnectorRequest request, string[] segments) => (request.Method, segments) switch
    {
        ("POST", ["v3", "batch", "conversation", "users" or "tenant" or "team" or "channels"]) => StartBatch(segments[3], request),
        ("GET", ["v3", "batch", "conversation", "failedentries", var op]) => FailedEntries(op, request),
        ("GET", ["v3", "batch", "conversation", var op]) => BatchState(op),
        ("DELETE", ["v3", "batch", "conversation", var op]) => CancelBatch(op),
        _ => new FakeResponse(404, new { error = new { code = "NotFound", message = "no such route" } }),
    };

    private FakeResponse StartBatch(string kind, ConnectorRequest request)
    {
        JsonElement root;
        try { root = request.Json; }
        catch (JsonException) { return BadSyntax("body is not JSON"); }
        if (root.ValueKind != JsonValueKind.Object) return BadSyntax("body is not an object");
        var tenantId = Text(root, "tenantId");
        var teamId = Text(root, "teamId");
        if (string.IsNullOrEmpty(tenantId)) return BadSyntax("tenantId is required");
        if (!root.TryGetProperty("activity", out var activityJson) || activityJson.ValueKind != JsonValueKind.Object) return BadSyntax("activity is required");
        if (kind == "team" && string.IsNullOrEmpty(teamId)) return BadSyntax("teamId is required");
        var members = new List<string>();
        if (kind is "users" or "channels")
        {
            if (!root.TryGetProperty("members", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
                return BadSyntax("members are required");
            foreach (var m in list.EnumerateArray())
            {
                if (Text(m, "id") is not { Length: > 0 } id) return BadSyntax("each member needs an id");
                members.Add(id);
            }
        }
        var operation = new FakeBatchOperation($"op-{Interlocked.Increment(ref _batchIds)}", kind, tenantId, teamId, members,
            activityJson.Deserialize<Activity>(ProtocolJson.Options), request.Body, _time.GetUtcNow());
        _batch[operation.Id] = operation;
        _batchOrder.Enqueue(operation);
        return BatchReturnsBareString ? new FakeResponse(201, operation.Id) : new FakeResponse(201, new { operationId = operation.Id });
    }

    private FakeResponse BatchState(string operationId)
    {
        if (!_batch.TryGetValue(operationId, out var op)) return UnknownOperation();
        var poll = op.Poll();
        var failed = FailedOf(op);
        var total = op.Kind is "users" or "channels" ? op.Members.Count : failed.Count;
        if (op.Cancelled)
            return new FakeResponse(200, new { state = "Cancelled", statusMap = new Dictionary<string, int>(), totalEntriesCount = total });
        if (poll <= BatchPollsBeforeDone)
        {
            object retryAfter = BatchRetryAfterAsSeconds ? BatchRetryAfter.TotalSeconds : _time.GetUtcNow() + BatchRetryAfter;
            return new FakeResponse(200, new { state = "InProgress", statusMap = new Dictionary<string, int>(), retryAfter, totalEntriesCount = total });
        }
        var statusMap = new Dictionary<string, int>();
        if (total - failed.Count > 0) statusMap["201"] = total - failed.Count;
        if (failed.Count > 0) statusMap[BatchFailureStatus.ToString()] = failed.Count;
        return new FakeResponse(200, new { state = "Completed", statusMap, totalEntriesCount = total });
    }

    private FakeResponse FailedEntries(string operationId, ConnectorRequest request)
    {
        if (!_batch.TryGetValue(operationId, out var op)) return UnknownOperation();
        var query = System.Web.HttpUtility.ParseQueryString(new Uri("http://x" + request.Path).Query);
        var token = query["continuationToken"];
        var start = 0;
        if (token is not null && !(token.StartsWith("page:", StringComparison.Ordinal) && int.TryParse(token.AsSpan(5), out start)))
            return BadSyntax("invalid continuationToken");
        var all = FailedOf(op);
        var size = Math.Max(1, BatchFailedEntriesPageSize);
        var page = all.Skip(start).Take(size).Select(f => new { id = f.Id, error = f.Error }).ToList();
        var next = start + page.Count < all.Count ? $"page:{start + page.Count}" : null;
        return new FakeResponse(200, new { continuationToken = next, failedEntries = page });
    }

    private FakeResponse CancelBatch(string operationId)
    {
        if (!_batch.TryGetValue(operationId, out var op)) return UnknownOperation();
        op.Cancel();
        return new FakeResponse(200);
    }

    private List<(string Id, string Error)> FailedOf(FakeBatchOperation op) =>
        op.Kind is "users" or "channels"
            ? [.. op.Members.Where(BatchFailures.ContainsKey).Select(m => (m, BatchFailures[m]))]
            : [.. BatchFailures.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value))];

    private static string? Text(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static FakeResponse BadSyntax(string message) => new(400, new { error = new { code = "BadSyntax", message } });

    private static FakeResponse UnknownOperation() => new(404, new { error = new { code = "OperationNotFound", message = "no such operation" } });
}
