using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
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
/// A message that reached a conversation: a successful send (<c>POST …/activities</c>) or a successful create that carried an
/// <c>activity</c>. <see cref="MemberId"/> is the member of the 1:1 conversation (null when the fake does not know it);
/// <see cref="Body"/> is the activity JSON, or "" when <see cref="FakeConnector.RecordBodies"/> is off.
/// </summary>
public sealed record FakeDelivery(string ConversationId, string? MemberId, string ActivityId, string Body, DateTimeOffset At);

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
    // Teams behaviours. Like Teams the fake can enforce rate limits (EnforceLimits), refuse users the app is not installed for
    // (IsInstalledFor) or who blocked the bot (FailUser), and it keeps a cheap ledger of what reached whom (Deliveries,
    // DeliveriesPerMember, Deleted). A 1:1 conversation created with one member gets the id "a:1:{memberId}", the same every
    // time (Teams reopens the existing chat). Order of answers: a scripted response, else the rate limits (429), else FailUser,
    // else IsInstalledFor, else the default answer. Scripted answers are not deliveries.
    private readonly ConcurrentDictionary<string, ConversationInfo> _conversations;
    private readonly ConcurrentDictionary<string, FailRule> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<DeliveryEntry> _deliveries = new();
    private readonly ConcurrentDictionary<string, StrongBox<int>> _deliveriesPerMember;
    private readonly ConcurrentQueue<(string ConversationId, string ActivityId)> _deleted = new();
    private readonly ConcurrentDictionary<string, StrongBox<int>> _throttledByTenant = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private LocalServer? _server;
    private long _lastActivityId = FirstActivityId;
    private volatile Limits? _limits;
    private int _throttled;
    private readonly ConcurrentQueue<DateTimeOffset> _throttleTimes = new();
    private int _deliveryCount;
    private bool? _recordBodies;

    private FakeConnector(TimeProvider? time, int expectedConversations)
    {
        _time = time ?? TimeProvider.System;
        // Sized up front for benchmarks: growing a large concurrent dictionary locks it while it rehashes, a stall that
        // stamps the requests arriving meanwhile together (a burst the bot never sent).
        _conversations = new(Environment.ProcessorCount, Math.Max(31, expectedConversations), StringComparer.Ordinal);
        _deliveriesPerMember = new(Environment.ProcessorCount, Math.Max(31, expectedConversations), StringComparer.Ordinal);
    }

    /// <summary>Activity ids are increasing numbers above this one (Teams message ids are epoch milliseconds; this is 2025-12-01 UTC).</summary>
    public const long FirstActivityId = 1764547200000;

    public string ServiceUrl => _server!.BaseUrl + "/";

    /// <summary>Every request received, in order (empty when <see cref="RecordRequests"/> is off).</summary>
    public IReadOnlyList<ConnectorRequest> Requests => [.. _requests];

    /// <summary>Activities the bot sent (POST …/activities), in order.</summary>
    public IReadOnlyList<Activity> SentActivities => [.. _requests.Where(r => r.IsSend).Select(r => r.Activity!)];

    /// <summary>Whether <see cref="Requests"/> keeps every request (off for benchmarks: deliveries are still counted).</summary>
    public bool RecordRequests { get; set; } = true;

    /// <summary>Whether <see cref="Deliveries"/> keep the activity JSON (default: as <see cref="RecordRequests"/>). Off, a delivery
    /// costs a few dozen bytes (conversation, member, activity id, time) and <see cref="FakeDelivery.Body"/> is "".</summary>
    public bool RecordBodies
    {
        get => _recordBodies ?? RecordRequests;
        set => _recordBodies = value;
    }

    /// <summary>Simulated network latency added before every answer (real time, default zero).</summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>
    /// When set, creating a 1:1 conversation with a member for which this returns false answers what Teams answers for a user
    /// without the app: 403 <c>BotNotInConversationRoster</c> ("The bot is not part of the conversation roster."), and nothing is delivered.
    /// </summary>
    public Func<string, bool>? IsInstalledFor { get; set; }

    /// <summary>429s answered because of <see cref="EnforceLimits"/>.</summary>
    public int Throttled => Volatile.Read(ref _throttled);

    /// <summary>When the first 1,000 of those 429s were answered.</summary>
    public IReadOnlyCollection<DateTimeOffset> ThrottleTimes => _throttleTimes.ToArray();

    /// <summary>429s answered because of <see cref="EnforceLimits"/>, by tenant ("" = unknown tenant).</summary>
    public IReadOnlyDictionary<string, int> ThrottledByTenant => _throttledByTenant.ToDictionary(kv => kv.Key, kv => Volatile.Read(ref kv.Value.Value));

    /// <summary>Every successful send into a conversation and every successful create that carried an activity, in order.</summary>
    public IReadOnlyList<FakeDelivery> Deliveries =>
        [.. _deliveries.Select(d => new FakeDelivery(d.Conversation.Id, d.Member, d.ActivityId.ToString(), d.Body ?? "", new DateTimeOffset(d.AtTicks, TimeSpan.Zero)))];

    public int DeliveryCount => Volatile.Read(ref _deliveryCount);

    /// <summary>Member id → number of deliveries into their 1:1 conversation (deliveries to unknown members are not counted here).</summary>
    public IReadOnlyDictionary<string, int> DeliveriesPerMember() =>
        _deliveriesPerMember.ToDictionary(kv => kv.Key, kv => Volatile.Read(ref kv.Value.Value), StringComparer.Ordinal);

    /// <summary>Activities deleted successfully (<c>DELETE /v3/conversations/{c}/activities/{a}</c>), in order.</summary>
    public IReadOnlyList<(string ConversationId, string ActivityId)> Deleted => [.. _deleted];

    /// <param name="expectedConversations">How many conversations (and members) a benchmark will create, to size the maps once.</param>
    public static async Task<FakeConnector> StartAsync(TimeProvider? time = null, int expectedConversations = 0)
    {
        var fake = new FakeConnector(time, expectedConversations);
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

    /// <summary>
    /// From now on, like Teams: every request counts against its tenant (from the body, or for bodiless requests the tenant
    /// remembered for the conversation they target; unknown = "") with at most <paramref name="tenantRequestsPerSecond"/> in any
    /// 1-second window, and sends and creates into one conversation at most <paramref name="conversationSendsPerSecond"/> in any
    /// 1-second window. Beyond either: 429, <c>Retry-After: retryAfterSeconds</c>, <c>{error:{code:"TooManyRequests"}}</c>.
    /// A request refused by the tenant limit uses no budget; one refused by the conversation limit used a tenant request.
    /// Calling again replaces the limits and starts with empty windows.
    /// </summary>
    public void EnforceLimits(int tenantRequestsPerSecond, int conversationSendsPerSecond = 7, int retryAfterSeconds = 1) =>
        _limits = new Limits(tenantRequestsPerSecond, conversationSendsPerSecond, retryAfterSeconds);

    /// <summary>
    /// The next <paramref name="times"/> creates with this member and sends into this member's 1:1 conversation answer
    /// <paramref name="status"/> with <c>{error:{code, message}}</c> (e.g. 403 <c>MessageWritesBlocked</c>, 404 <c>ConversationNotFound</c>,
    /// 502/503 with times: 1). A new call replaces the previous rule for the member.
    /// </summary>
    public void FailUser(string memberId, int status, string code, int times = int.MaxValue) => _failures[memberId] = new FailRule(status, code, times);

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

    /// <summary>Waits until at least <paramref name="count"/> deliveries happened (works with <see cref="RecordRequests"/> off).</summary>
    public async Task WaitForDeliveriesAsync(int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (DeliveryCount < count)
        {
            try { await _signal.WaitAsync(TimeSpan.FromMilliseconds(100), cts.Token); }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The connector saw {DeliveryCount} deliveries, expected {count}.");
            }
        }
    }

    private async Task HandleAsync(HttpContext http)
    {
        if (await TryUploadAsync(http)) return;
        var bytes = await ReadBodyAsync(http.Request);
        // The raw target keeps the escaping the bot used (ids like "19:x@thread.v2" must be escaped on the wire).
        var rawTarget = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? "";
        var path = rawTarget.Split('?')[0];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var conversationId = segments.Length >= 3 && segments[1] == "conversations" ? segments[2] : null;
        // Benchmarks (nothing recorded, nothing scripted) skip decoding the body into a string.
        var body = bytes.Length > 0 && (RecordRequests || RecordBodies || !_script.IsEmpty) ? Encoding.UTF8.GetString(bytes) : "";
        var request = new ConnectorRequest(http.Request.Method, rawTarget, http.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null,
            body, _time.GetUtcNow(), conversationId)
        {
            ContentLength = http.Request.ContentLength,
            Chunked = http.Request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase),
            ContentType = http.Request.ContentType,
        };
        if (RecordRequests) _requests.Enqueue(request);

        var response = Scripted(request) ?? Answer(request, segments, bytes);
        if (_signal.CurrentCount == 0) _signal.Release();
        if (ResponseDelay > TimeSpan.Zero) await Task.Delay(ResponseDelay);
        http.Response.StatusCode = response.Status;
        if (response.RetryAfterSeconds is { } retryAfter) http.Response.Headers.RetryAfter = retryAfter.ToString();
        if (response.Body is not null) await http.Response.WriteAsJsonAsync(response.Body, response.Body.GetType());
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength is 0) return [];
        using var buffer = request.ContentLength is { } length and <= 1 << 24 ? new MemoryStream((int)length) : new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }

    private FakeResponse? Scripted(ConnectorRequest request)
    {
        if (_script.IsEmpty) return null;
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

    /// <summary>The answer when nothing is scripted: limits, simulated failures, then Teams' default answer.</summary>
    private FakeResponse Answer(ConnectorRequest request, string[] segments, byte[] body)
    {
        var isPost = request.Method == "POST";
        var isCreate = isPost && segments is ["v3", "conversations"];
        var isSend = isPost && segments is ["v3", "conversations", _, "activities", ..];
        var facts = body.Length > 0 && (isCreate || _limits is not null || request.ConversationId is not null)
            ? BodyFacts.Scan(body, keepActivity: isCreate && RecordBodies)
            : default;

        var conversation = request.ConversationId is { } c ? Conversation(c) : null;
        string? createdMember = null;
        if (isCreate && facts.IsOneOnOne)
        {
            createdMember = facts.OnlyMember!;
            conversation = Conversation("a:1:" + createdMember);
            conversation.Member ??= createdMember;
        }
        if (facts.Tenant is { } bodyTenant && conversation is not null) conversation.Tenant = bodyTenant;

        if (_limits is { } limits)
        {
            var tenant = facts.Tenant ?? conversation?.Tenant ?? "";
            var now = request.At.UtcTicks;
            if (!limits.TryTenant(tenant, now) || ((isCreate || isSend) && conversation is not null && !limits.TryConversation(conversation.Id, now)))
            {
                if (Interlocked.Increment(ref _throttled) <= 1000) _throttleTimes.Enqueue(request.At);
                Interlocked.Increment(ref _throttledByTenant.GetOrAdd(tenant, static _ => new StrongBox<int>()).Value);
                return new FakeResponse(429, new { error = new { code = "TooManyRequests", message = "Too many requests. Retry after the time in Retry-After." } },
                    limits.RetryAfterSeconds);
            }
        }

        var member = createdMember ?? (isSend ? conversation?.Member : null);
        if ((isCreate || isSend) && member is not null && _failures.TryGetValue(member, out var rule) && rule.TryTake())
            return Error(rule.Status, rule.Code);
        if (createdMember is not null && IsInstalledFor is { } installed && !installed(createdMember))
            return Error(403, "BotNotInConversationRoster");

        if (createdMember is not null)
        {
            // Teams reopens the existing 1:1: the same member always gets the same conversation.
            if (!facts.HasActivity) return new FakeResponse(201, new { id = conversation!.Id });
            var first = NextActivityId();
            Deliver(conversation!, first, request.At, facts.Activity);
            return new FakeResponse(201, new { id = conversation!.Id, activityId = first.ToString() });
        }
        return Default(request, segments, conversation, facts, body);
    }

    private FakeResponse Default(ConnectorRequest request, string[] segments, ConversationInfo? conversation, BodyFacts facts, byte[] body)
    {
        return (request.Method, segments) switch
        {
            ("POST", ["v3", "conversations"]) => CreateGroup(request, facts),
            ("POST", ["v3", "conversations", _, "activities", ..]) => Send(request, conversation!, body),
            ("PUT", ["v3", "conversations", _, "activities", _]) => new FakeResponse(200, new { id = segments[4] }),
            ("DELETE", ["v3", "conversations", var deletedIn, "activities", var deleted]) => Delete(deletedIn, deleted),
            ("GET", ["v3", "conversations", var conv, "members", var member]) =>
                _members.TryGetValue($"{conv}|{member}", out var m)
                    ? new FakeResponse(200, m)
                    : new FakeResponse(404, new { error = new { code = "MemberNotFoundInConversation", message = "not found" } }),
            ("GET", ["v3", "conversations", var conv, "pagedmembers"]) => PagedMembers(conv, request),
            (_, ["v3", "batch", ..]) => Batch(request, segments),
            _ => new FakeResponse(404, new { error = new { code = "NotFound", message = "no such route" } }),
        };
    }

    /// <summary>A group chat or channel thread: a new conversation each time.</summary>
    private FakeResponse CreateGroup(ConnectorRequest request, BodyFacts facts)
    {
        var id = NextActivityId();
        var created = Conversation($"a:conversation-{id}");
        if (facts.Tenant is { } tenant) created.Tenant = tenant;
        if (facts.HasActivity) Deliver(created, id, request.At, facts.Activity);
        return new FakeResponse(201, new { id = created.Id, activityId = id.ToString() });
    }

    private FakeResponse Send(ConnectorRequest request, ConversationInfo conversation, byte[] body)
    {
        var id = NextActivityId();
        Deliver(conversation, id, request.At, RecordBodies ? (request.Body.Length > 0 || body.Length == 0 ? request.Body : Encoding.UTF8.GetString(body)) : null);
        return new FakeResponse(201, new { id = id.ToString() });
    }

    private FakeResponse Delete(string conversationId, string activityId)
    {
        _deleted.Enqueue((conversationId, activityId));
        return new FakeResponse(200);
    }

    private long NextActivityId() => Interlocked.Increment(ref _lastActivityId);

    private ConversationInfo Conversation(string id) =>
        _conversations.GetOrAdd(id, static key => new ConversationInfo(key) { Member = key.StartsWith("a:1:", StringComparison.Ordinal) ? key[4..] : null });

    private void Deliver(ConversationInfo conversation, long activityId, DateTimeOffset at, string? body)
    {
        var member = conversation.Member;
        _deliveries.Enqueue(new DeliveryEntry(conversation, member, activityId, at.UtcTicks, RecordBodies ? body : null));
        if (member is not null) Interlocked.Increment(ref _deliveriesPerMember.GetOrAdd(member, static _ => new StrongBox<int>()).Value);
        Interlocked.Increment(ref _deliveryCount);
    }

    private static FakeResponse Error(int status, string code) => new(status, new { error = new { code, message = MessageFor(code) } });

    private static string MessageFor(string code) => code switch
    {
        "BotNotInConversationRoster" => "The bot is not part of the conversation roster.",
        "MessageWritesBlocked" => "Thread is blocked for message writes.",
        "ConversationBlockedByUser" => "User blocked the conversation with the bot.",
        "BotDisabledByAdmin" => "The tenant admin disabled this bot.",
        "ConversationNotFound" => "Conversation not found.",
        "MessageSizeTooBig" => "Message size too large.",
        "PreconditionFailed" => "Precondition failed, please try again.",
        "ServiceUnavailable" => "Service unavailable.",
        "BadGateway" => "Bad gateway.",
        _ => code,
    };

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

    /// <summary>What the fake knows about a conversation (one shared instance per id, so deliveries share its strings).</summary>
    private sealed class ConversationInfo(string id)
    {
        public string Id { get; } = id;
        public volatile string? Member;
        public volatile string? Tenant;
    }

    private readonly record struct DeliveryEntry(ConversationInfo Conversation, string? Member, long ActivityId, long AtTicks, string? Body);

    private sealed class FailRule(int status, string code, int times)
    {
        private int _remaining = times;
        public int Status { get; } = status;
        public string Code { get; } = code;

        public bool TryTake()
        {
            while (true)
            {
                var remaining = Volatile.Read(ref _remaining);
                if (remaining <= 0) return false;
                if (remaining == int.MaxValue) return true; // for ever
                if (Interlocked.CompareExchange(ref _remaining, remaining - 1, remaining) == remaining) return true;
            }
        }
    }

    /// <summary>The few facts of a request body the fake needs, read without building a document.</summary>
    private struct BodyFacts
    {
        public string? Tenant;
        public string? OnlyMember;
        public int MemberCount;
        public bool HasChannel;
        public bool IsGroup;
        public bool HasActivity;
        public string? Activity;

        /// <summary>A create for a 1:1 chat: one member, no channel, not a group.</summary>
        public readonly bool IsOneOnOne => MemberCount == 1 && OnlyMember is { Length: > 0 } && !HasChannel && !IsGroup;

        public static BodyFacts Scan(ReadOnlySpan<byte> json, bool keepActivity)
        {
            var facts = new BodyFacts();
            string? conversationTenant = null, channelDataTenant = null, topTenant = null;
            try
            {
                var reader = new Utf8JsonReader(json);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return facts;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("conversation"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.StartObject)
                            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                            {
                                var isTenant = reader.ValueTextEquals("tenantId"u8);
                                reader.Read();
                                if (isTenant && reader.TokenType == JsonTokenType.String) conversationTenant = reader.GetString();
                                else reader.Skip();
                            }
                        else reader.Skip();
                    }
                    else if (reader.ValueTextEquals("channelData"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.StartObject)
                            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                            {
                                var isTenant = reader.ValueTextEquals("tenant"u8);
                                var isChannel = reader.ValueTextEquals("channel"u8);
                                reader.Read();
                                if (isChannel && reader.TokenType == JsonTokenType.StartObject) facts.HasChannel = true;
                                if (isTenant && reader.TokenType == JsonTokenType.StartObject)
                                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                                    {
                                        var isId = reader.ValueTextEquals("id"u8);
                                        reader.Read();
                                        if (isId && reader.TokenType == JsonTokenType.String) channelDataTenant = reader.GetString();
                                        else reader.Skip();
                                    }
                                else reader.Skip();
                            }
                        else reader.Skip();
                    }
                    else if (reader.ValueTextEquals("tenantId"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String) topTenant = reader.GetString();
                        else reader.Skip();
                    }
                    else if (reader.ValueTextEquals("isGroup"u8))
                    {
                        reader.Read();
                        facts.IsGroup = reader.TokenType == JsonTokenType.True;
                    }
                    else if (reader.ValueTextEquals("members"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.StartArray)
                            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                            {
                                facts.MemberCount++;
                                if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); continue; }
                                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                                {
                                    var isId = reader.ValueTextEquals("id"u8);
                                    reader.Read();
                                    if (isId && reader.TokenType == JsonTokenType.String && facts.MemberCount == 1) facts.OnlyMember = reader.GetString();
                                    else reader.Skip();
                                }
                            }
                        else reader.Skip();
                    }
                    else if (reader.ValueTextEquals("activity"u8))
                    {
                        reader.Read();
                        var start = (int)reader.TokenStartIndex;
                        if (reader.TokenType == JsonTokenType.StartObject)
                        {
                            facts.HasActivity = true;
                            reader.Skip();
                            if (keepActivity) facts.Activity = Encoding.UTF8.GetString(json[start..(int)reader.BytesConsumed]);
                        }
                        else reader.Skip();
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            catch (JsonException)
            {
                // A malformed body: whatever was read so far.
            }
            // The same precedence as ConnectorRequest.TenantId.
            facts.Tenant = conversationTenant ?? channelDataTenant ?? topTenant;
            return facts;
        }
    }

    /// <summary>Sliding 1-second windows per tenant and per conversation; O(1) per request.</summary>
    private sealed class Limits(int tenantPerSecond, int conversationPerSecond, int retryAfterSeconds)
    {
        private static readonly long Span = TimeSpan.TicksPerSecond;
        private readonly ConcurrentDictionary<string, Window> _tenants = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, Window> _conversations = new(StringComparer.Ordinal);
        private long _lastSweep = long.MinValue;
        private int _sweeping;

        public int RetryAfterSeconds { get; } = retryAfterSeconds;

        public bool TryTenant(string tenant, long now) => TryAcquire(_tenants, tenant, tenantPerSecond, now);

        public bool TryConversation(string conversation, long now)
        {
            var ok = TryAcquire(_conversations, conversation, conversationPerSecond, now);
            SweepIdle(now);
            return ok;
        }

        private static bool TryAcquire(ConcurrentDictionary<string, Window> map, string key, int limit, long now)
        {
            if (limit <= 0) return false;
            while (true)
            {
                var window = map.GetOrAdd(key, static (_, l) => new Window(l), limit);
                lock (window)
                {
                    if (window.Dead) continue; // swept meanwhile: take the new one
                    return window.TryAdd(now);
                }
            }
        }

        /// <summary>Forgets conversations idle for a window, so a million 1:1 chats do not keep a million windows.</summary>
        private void SweepIdle(long now)
        {
            if (now - Volatile.Read(ref _lastSweep) < 5 * Span || Interlocked.CompareExchange(ref _sweeping, 1, 0) != 0) return;
            try
            {
                Volatile.Write(ref _lastSweep, now);
                foreach (var (key, window) in _conversations)
                    lock (window)
                        if (window.Last <= now - Span)
                        {
                            window.Dead = true;
                            _conversations.TryRemove(new KeyValuePair<string, Window>(key, window));
                        }
            }
            finally
            {
                Volatile.Write(ref _sweeping, 0);
            }
        }
    }

    /// <summary>The times of the last <c>limit</c> accepted requests, as a ring: a request is accepted when the oldest is a window old.</summary>
    private sealed class Window(int limit)
    {
        private readonly long[] _times = new long[limit];
        private int _next, _count;
        public long Last = long.MinValue;
        public bool Dead;

        public bool TryAdd(long now)
        {
            if (_count == _times.Length)
            {
                if (_times[_next] > now - TimeSpan.TicksPerSecond) return false;
            }
            else _count++;
            _times[_next] = now;
            _next = (_next + 1) % _times.Length;
            Last = now;
            return true;
        }
    }
}
