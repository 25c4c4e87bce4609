using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TeamsBot.Testing;

/// <summary>A user as the fake Graph stores it.</summary>
public sealed class FakeUser
{
    public required string Id { get; init; }
    public string? UserPrincipalName { get; set; }
    public string? Mail { get; set; }
    public string? DisplayName { get; set; }
    public string? CompanyName { get; set; }
    public string? Department { get; set; }
    public string? Division { get; set; }
    public string UserType { get; set; } = "Member";
    public bool AccountEnabled { get; set; } = true;
    /// <summary>Mailbox time zone; null = no mailbox (mailboxSettings answers 404 as Exchange does).</summary>
    public string? TimeZone { get; set; }
    /// <summary>Direct group memberships.</summary>
    public List<string> MemberOf { get; set; } = [];
}

/// <summary>A credential that hands out <see cref="FakeGraphServer.Token"/>: a real Graph client pointed at the fake authenticates with it.</summary>
public sealed class FakeGraphToken : Azure.Core.TokenCredential
{
    public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(FakeGraphServer.Token, DateTimeOffset.UtcNow.AddHours(1));

    public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(GetToken(requestContext, cancellationToken));
}

/// <summary>
/// A local Microsoft Graph (v1.0) on http://127.0.0.1:{random port} with the real JSON shapes the SDK parses:
/// <c>/users</c> paging (<c>$top</c> ≤ 999, <c>$select</c>, <c>@odata.nextLink</c>), <c>/users/{id|upn}</c> (404 when deleted),
/// <c>/users/{id}/mailboxSettings</c>, <c>/users/{id}/transitiveMemberOf</c>, <c>/groups/{id}/transitiveMembers[/microsoft.graph.user]</c>,
/// <c>/users/delta</c> (nextLink pages, then <c>@odata.deltaLink</c>; since a delta token: changed users with only the changed
/// properties, <c>null</c> for a cleared one, and <c>@removed</c>; 410 for expired tokens),
/// <c>/$batch</c> (20 requests at most), and throttling (429 + <c>Retry-After</c>) of whole requests or of batch steps.
/// Users beyond the stored list can be synthesised by index, so 200,000 users cost no server memory.
/// Teams app installs in users' personal scope: <c>POST /users/{id}/teamwork/installedApps</c> with
/// <c>{"teamsApp@odata.bind":".../appCatalogs/teamsApps/{catalogAppId}"}</c> (201 without a body, 409 <c>Conflict</c> when
/// already installed, 404 for an unknown user, 400 for a bad body) and <c>GET</c> of the same collection (<c>$filter=teamsApp/id eq '…'</c>,
/// <c>$expand=teamsApp</c>), also as <c>$batch</c> steps.
/// </summary>
public sealed class FakeGraphServer : IAsyncDisposable
{
    public const string Token = "fake-graph-token";
    private LocalServer? _server;
    private readonly object _lock = new();
    private readonly List<FakeUser> _users = [];
    private readonly Dictionary<string, FakeUser> _byKey = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<string>> _groupParents = new(StringComparer.OrdinalIgnoreCase);
    // Fields: the JSON properties a change touched (null = every property: a new user).
    private readonly List<(long Version, string Id, bool Removed, string[]? Fields)> _changes = [];
    private long _version = 1;
    private long _oldestValidDeltaVersion = 0;
    private int _throttleRequests;
    private int _throttleBatchSteps;
    // Teams app installs: canonical user id -> catalog app ids installed in the user's personal scope.
    private readonly Dictionary<string, HashSet<string>> _installed = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (int Status, string Code, int Remaining)> _installFailures = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _installRequests = [];
    private HashSet<string>? _syntheticIds;
    private (int Count, Func<int, FakeUser>? Factory) _syntheticIdsOf;

    private FakeGraphServer() { }

    public string BaseUrl => _server!.BaseUrl;
    /// <summary>Synthetic users after the stored ones: count and factory by index.</summary>
    public int SyntheticCount { get; set; }
    public Func<int, FakeUser>? Synthetic { get; set; }
    /// <summary>Page size of <c>/users/delta</c> (Graph chooses its own; <c>$top</c> is not honoured there).</summary>
    public int DeltaPageSize { get; set; } = 999;
    public int RetryAfterSeconds { get; set; } = 1;
    /// <summary>HTTP requests received (a <c>$batch</c> counts once).</summary>
    public int RequestCount => _requestCount;
    public int BatchStepCount => _batchStepCount;
    private int _requestCount, _batchStepCount;
    public ConcurrentQueue<string> RequestLog { get; } = new();
    public ConcurrentQueue<string> UnauthorizedLog { get; } = new();
    /// <summary>How each request with a body was framed: its Content-Length (null = none) and whether it came chunked.</summary>
    public ConcurrentQueue<(string Request, long? ContentLength, bool Chunked)> BodyFraming { get; } = new();
    /// <summary>The catalog app id <see cref="MarkInstalled"/> installs (the Teams app catalog id, not the bot's app id).</summary>
    public string CatalogAppId { get; set; } = "a6b63365-31a4-4f43-92ec-710b71557af9";
    /// <summary>User ids (as written in the path) of every install request that reached the route, in order.</summary>
    public IReadOnlyList<string> InstallRequests { get { lock (_lock) return [.. _installRequests]; } }

    /// <summary>Every user, known here or not, has the app <see cref="CatalogAppId"/> installed (a benchmark's directory lives elsewhere).</summary>
    public bool EveryoneHasTheApp { get; set; }

    /// <summary>The bot's app id: the sender of the messages in users' chats with it.</summary>
    public string BotAppId { get; set; } = "00000000-0000-0000-0000-00000000b07a";

    /// <summary>
    /// What the bot delivered into a user's 1:1 chat (by user object id): wire it to <see cref="FakeConnector.Deliveries"/>. It
    /// answers <c>GET /users/{id}/teamwork/installedApps/{installationId}/chat</c> and <c>GET /chats/{id}/messages</c>
    /// (Graph chatMessages, newest first: the text as the HTML body, each card as an attachment whose <c>content</c> is the card JSON as a string).
    /// </summary>
    public Func<string, IReadOnlyList<FakeDelivery>>? BotMessagesFor { get; set; }

    /// <summary>Requests to <c>GET /chats/{id}/messages</c>.</summary>
    public int ChatMessageReads => Volatile.Read(ref _chatMessageReads);
    private int _chatMessageReads;
    /// <summary>Which bearer tokens Graph accepts (default: <see cref="Token"/>).</summary>
    public Func<string, bool> AcceptsToken { get; set; } = token => token == Token;

    public static async Task<FakeGraphServer> StartAsync()
    {
        var server = new FakeGraphServer();
        server._server = await LocalServer.StartAsync(app => app.Run(server.HandleAsync));
        return server;
    }

    // ---- data -------------------------------------------------------------------------------------------------------

    public void AddUser(FakeUser user)
    {
        lock (_lock)
        {
            _users.Add(user);
            Index(user);
            _changes.Add((++_version, user.Id, false, null));
        }
    }

    public void UpdateUser(string id, Action<FakeUser> change)
    {
        lock (_lock)
        {
            var user = _byKey[id];
            if (user.UserPrincipalName is { } oldUpn) _byKey.Remove(oldUpn);
            var before = Properties(user);
            change(user);
            Index(user);
            var after = Properties(user);
            _changes.Add((++_version, user.Id, false, before.Keys.Where(k => !Equals(before[k], after[k])).ToArray()));
        }
    }

    /// <summary>Deletes the user: lookups answer 404, delta reports <c>@removed</c>.</summary>
    public void DeleteUser(string id)
    {
        lock (_lock)
        {
            var user = _byKey[id];
            _users.Remove(user);
            _byKey.Remove(user.Id);
            if (user.UserPrincipalName is { } upn) _byKey.Remove(upn);
            _changes.Add((++_version, user.Id, true, null));
        }
    }

    private static Dictionary<string, object?> Properties(FakeUser u) => new()
    {
        ["userPrincipalName"] = u.UserPrincipalName, ["mail"] = u.Mail, ["displayName"] = u.DisplayName, ["companyName"] = u.CompanyName,
        ["department"] = u.Department, ["employeeOrgData"] = u.Division, ["userType"] = u.UserType, ["accountEnabled"] = u.AccountEnabled,
    };

    /// <summary>After <paramref name="skip"/> more HTTP requests, the next one fails with 500 (the SDK does not retry it).</summary>
    public void FailRequestAfter(int skip) => Interlocked.Exchange(ref _failAfter, skip);
    private int _failAfter = -1;

    /// <summary>Declares a group nested in other groups (transitive membership).</summary>
    public void AddGroup(string id, params string[] memberOf)
    {
        lock (_lock) _groupParents[id] = [.. memberOf];
    }

    /// <summary>Every delta token issued so far is refused from now on (410, <c>syncStateNotFound</c>).</summary>
    public void ExpireDeltaTokens()
    {
        lock (_lock) _oldestValidDeltaVersion = _version + 1;
    }

    /// <summary>The next <paramref name="count"/> HTTP requests get 429 with <c>Retry-After</c>.</summary>
    public void ThrottleNextRequests(int count) => Interlocked.Exchange(ref _throttleRequests, count);

    /// <summary>The next <paramref name="count"/> steps inside <c>$batch</c> requests get 429 with <c>Retry-After</c>.</summary>
    public void ThrottleNextBatchSteps(int count) => Interlocked.Exchange(ref _throttleBatchSteps, count);

    /// <summary>Whether the app (any catalog app) is installed in the user's personal scope.</summary>
    public bool IsInstalled(string userId)
    {
        lock (_lock) return _installed.TryGetValue(CanonicalUserId(userId) ?? userId, out var apps) && apps.Count > 0;
    }

    /// <summary>Installs <see cref="CatalogAppId"/> for these users without a request (a later POST answers 409).</summary>
    public void MarkInstalled(params string[] userIds)
    {
        lock (_lock)
            foreach (var id in userIds) Installs(CanonicalUserId(id) ?? id).Add(CatalogAppId);
    }

    /// <summary>The next <paramref name="times"/> install requests for this user answer <paramref name="status"/> with a Graph error <paramref name="code"/>.</summary>
    public void FailInstall(string userId, int status, string code, int times = int.MaxValue)
    {
        lock (_lock) _installFailures[userId] = (status, code, times);
    }

    private HashSet<string> Installs(string canonicalId)
    {
        if (!_installed.TryGetValue(canonicalId, out var apps)) _installed[canonicalId] = apps = new(StringComparer.OrdinalIgnoreCase);
        return apps;
    }

    /// <summary>The user's id for an id or UPN, stored or synthetic; null when no such user (or deleted).</summary>
    private string? CanonicalUserId(string key)
    {
        if (_byKey.TryGetValue(key, out var user)) return user.Id;
        if (SyntheticCount == 0 || Synthetic is null) return null;
        if (_syntheticIds is null || _syntheticIdsOf != (SyntheticCount, Synthetic))
        {
            _syntheticIds = new HashSet<string>(SyntheticCount, StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < SyntheticCount; i++) _syntheticIds.Add(Synthetic(i).Id);
            _syntheticIdsOf = (SyntheticCount, Synthetic);
        }
        return _syntheticIds.TryGetValue(key, out var id) ? id : null;
    }

    private void Index(FakeUser user)
    {
        _byKey[user.Id] = user;
        if (user.UserPrincipalName is { } upn) _byKey[upn] = user;
    }

    private int Count => _users.Count + SyntheticCount;
    private FakeUser At(int i) => i < _users.Count ? _users[i] : Synthetic!(i - _users.Count);

    private HashSet<string> TransitiveGroups(FakeUser user)
    {
        var all = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>(user.MemberOf);
        while (pending.TryPop(out var g))
            if (all.Add(g) && _groupParents.TryGetValue(g, out var parents))
                foreach (var p in parents) pending.Push(p);
        return all;
    }

    // ---- HTTP -------------------------------------------------------------------------------------------------------

    private sealed record Reply(int Status, Action<Utf8JsonWriter>? Body, string? RetryAfter = null);

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requestCount);
        var pathAndQuery = context.Request.Path.Value + context.Request.QueryString.Value;
        if (RequestLog.Count < 100_000) RequestLog.Enqueue($"{context.Request.Method} {pathAndQuery}");
        var chunked = context.Request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase);
        if (chunked || context.Request.ContentLength > 0) BodyFraming.Enqueue(($"{context.Request.Method} {pathAndQuery}", context.Request.ContentLength, chunked));
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || !AcceptsToken(authorization["Bearer ".Length..]))
        {
            UnauthorizedLog.Enqueue(pathAndQuery);
            await WriteAsync(context, new Reply(401, Error("InvalidAuthenticationToken", "Access token is empty or invalid.")));
            return;
        }
        if (Interlocked.Decrement(ref _throttleRequests) >= 0)
        {
            await WriteAsync(context, Throttled());
            return;
        }
        Interlocked.Exchange(ref _throttleRequests, Math.Max(0, _throttleRequests));
        if (Interlocked.Decrement(ref _failAfter) == -1)
        {
            await WriteAsync(context, new Reply(500, Error("generalException", "General exception while processing.")));
            return;
        }
        if (_failAfter < -1) Interlocked.Exchange(ref _failAfter, -2);
        if (context.Request.Method == "POST" && context.Request.Path.Value == "/v1.0/$batch")
        {
            await BatchAsync(context);
            return;
        }
        var path = context.Request.Path.Value!.StartsWith("/v1.0", StringComparison.Ordinal) ? context.Request.Path.Value[5..] : context.Request.Path.Value;
        string? body = null;
        if (context.Request.Method is "POST" or "PUT" or "PATCH")
        {
            using var reader = new StreamReader(context.Request.Body);
            body = await reader.ReadToEndAsync();
        }
        var reply = Dispatch(context.Request.Method, path, ParseQuery(context.Request.QueryString.Value), body);
        await WriteAsync(context, reply);
    }

    private Reply Throttled() => new(429, Error("TooManyRequests", "Too many requests. Please retry after the time in Retry-After."), RetryAfterSeconds.ToString());

    private async Task WriteAsync(HttpContext context, Reply reply)
    {
        context.Response.StatusCode = reply.Status;
        if (reply.RetryAfter is not null) context.Response.Headers.RetryAfter = reply.RetryAfter;
        if (reply.Body is null) return;
        context.Response.ContentType = "application/json; odata.metadata=minimal";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter.AsStream());
        reply.Body(writer);
        await writer.FlushAsync();
    }

    private async Task BatchAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body);
        var requests = body?["requests"]?.AsArray() ?? [];
        if (requests.Count > 20)
        {
            await WriteAsync(context, new Reply(400, Error("BadRequest", "Number of batch request steps exceeds the maximum of 20.")));
            return;
        }
        var replies = new List<(string Id, Reply Reply)>();
        foreach (var r in requests)
        {
            Interlocked.Increment(ref _batchStepCount);
            var id = r!["id"]!.GetValue<string>();
            var method = r["method"]!.GetValue<string>();
            var url = r["url"]!.GetValue<string>();
            if (Interlocked.Decrement(ref _throttleBatchSteps) >= 0) { replies.Add((id, Throttled())); continue; }
            Interlocked.Exchange(ref _throttleBatchSteps, Math.Max(0, _throttleBatchSteps));
            if (url.StartsWith("/v1.0", StringComparison.Ordinal)) url = url[5..];
            var q = url.IndexOf('?');
            var path = Uri.UnescapeDataString(q < 0 ? url : url[..q]);
            replies.Add((id, Dispatch(method, path, ParseQuery(q < 0 ? "" : url[q..]), r["body"]?.ToJsonString())));
        }
        await WriteAsync(context, new Reply(200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("responses");
            foreach (var (id, reply) in replies)
            {
                w.WriteStartObject();
                w.WriteString("id", id);
                w.WriteNumber("status", reply.Status);
                w.WriteStartObject("headers");
                w.WriteString("Content-Type", "application/json");
                if (reply.RetryAfter is not null) w.WriteString("Retry-After", reply.RetryAfter);
                w.WriteEndObject();
                if (reply.Body is not null) { w.WritePropertyName("body"); reply.Body(w); }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }));
    }

    private static Dictionary<string, string> ParseQuery(string? query)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in (query ?? "").TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            var key = Uri.UnescapeDataString(eq < 0 ? part : part[..eq]);
            result[key] = eq < 0 ? "" : Uri.UnescapeDataString(part[(eq + 1)..].Replace('+', ' '));
        }
        return result;
    }

    private Reply Dispatch(string method, string path, Dictionary<string, string> query, string? body)
    {
        var segments = path.Trim('/').Split('/');
        if (method == "GET" && segments is ["users", _, "teamwork", "installedApps", var installationId, "chat"])
            return InstallationChat(installationId);
        if (method == "GET" && segments is ["chats", var chatId, "messages"])
            return ChatMessages(Uri.UnescapeDataString(chatId), query);
        if (segments is ["users", var installFor, "teamwork", "installedApps"])
        {
            lock (_lock)
            {
                return method switch
                {
                    "POST" => Install(installFor, body),
                    "GET" => InstalledApps(installFor, query),
                    _ => new Reply(405, Error("BadRequest", "Only GET and POST are supported here.")),
                };
            }
        }
        if (method != "GET") return new Reply(405, Error("BadRequest", "Only GET is supported here."));
        lock (_lock)
        {
            return segments switch
            {
                ["users"] => ListUsers(query),
                ["users", "delta"] or ["users", "delta()"] or ["users", "microsoft.graph.delta()"] => Delta(query),
                ["users", var key] => GetUser(key, query),
                ["users", var key, "mailboxSettings"] => Mailbox(key),
                ["users", var key, "transitiveMemberOf"] => MemberOf(key),
                ["groups", var id, "transitiveMembers"] => GroupMembers(id, query, path),
                ["groups", var id, "transitiveMembers", "microsoft.graph.user" or "graph.user"] => GroupMembers(id, query, path),
                _ => new Reply(400, Error("BadRequest", $"Unsupported path {path}")),
            };
        }
    }

    private static string[]? Select(Dictionary<string, string> query) =>
        query.TryGetValue("$select", out var s) ? s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;

    private static int Top(Dictionary<string, string> query, int fallback) =>
        query.TryGetValue("$top", out var t) && int.TryParse(t, out var n) ? Math.Clamp(n, 1, 999) : fallback;

    private Reply ListUsers(Dictionary<string, string> query)
    {
        var select = Select(query);
        var top = Top(query, 100);
        var offset = query.TryGetValue("$skiptoken", out var s) ? int.Parse(s) : 0;
        var end = Math.Min(Count, offset + top);
        var page = new List<FakeUser>(end - offset);
        for (var i = offset; i < end; i++) page.Add(At(i));
        string? next = end < Count ? $"{BaseUrl}/v1.0/users?{SelectQuery(select)}$top={top}&$skiptoken={end}" : null;
        return new Reply(200, w => Collection(w, "users", page.Select(u => (Action<Utf8JsonWriter>)(w2 => WriteUser(w2, u, select))), next, null));
    }

    private static string SelectQuery(string[]? select) => select is null ? "" : $"$select={string.Join(',', select)}&";

    private Reply GetUser(string key, Dictionary<string, string> query)
    {
        if (!_byKey.TryGetValue(key, out var user)) return NotFound(key);
        var select = Select(query);
        return new Reply(200, w => WriteUser(w, user, select, "$metadata#users/$entity"));
    }

    private Reply Mailbox(string key)
    {
        if (!_byKey.TryGetValue(key, out var user)) return NotFound(key);
        if (user.TimeZone is null) return new Reply(404, Error("MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise."));
        return new Reply(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("@odata.context", $"{BaseUrl}/v1.0/$metadata#users('{user.Id}')/mailboxSettings");
            w.WriteString("timeZone", user.TimeZone);
            w.WriteEndObject();
        });
    }

    private Reply MemberOf(string key)
    {
        if (!_byKey.TryGetValue(key, out var user)) return NotFound(key);
        var groups = TransitiveGroups(user).ToList();
        return new Reply(200, w => Collection(w, "directoryObjects", groups.Select(g => (Action<Utf8JsonWriter>)(w2 =>
        {
            w2.WriteStartObject();
            w2.WriteString("@odata.type", "#microsoft.graph.group");
            w2.WriteString("id", g);
            w2.WriteEndObject();
        })), null, null));
    }

    private Reply GroupMembers(string groupId, Dictionary<string, string> query, string path)
    {
        if (!_groupParents.ContainsKey(groupId)) return NotFound(groupId);
        var select = Select(query);
        var top = Top(query, 100);
        var offset = query.TryGetValue("$skiptoken", out var s) ? int.Parse(s) : 0;
        var members = new List<FakeUser>();
        var index = 0;
        var more = false;
        for (var i = 0; i < Count; i++)
        {
            var u = At(i);
            if (!TransitiveGroups(u).Contains(groupId)) continue;
            if (index++ < offset) continue;
            if (members.Count == top) { more = true; break; }
            members.Add(u);
        }
        string? next = more ? $"{BaseUrl}/v1.0{path}?{SelectQuery(select)}$top={top}&$skiptoken={offset + top}" : null;
        return new Reply(200, w => Collection(w, "users", members.Select(u => (Action<Utf8JsonWriter>)(w2 => WriteUser(w2, u, select, typed: true))), next, null));
    }

    private Reply Delta(Dictionary<string, string> query)
    {
        var select = Select(query);
        if (query.TryGetValue("$deltatoken", out var token))
        {
            // {version}:{select}: like Graph, the token remembers the $select of the pass that issued it.
            var parts = token.Split(':', 2);
            var since = long.Parse(parts[0]);
            if (since < _oldestValidDeltaVersion) return new Reply(410, Error("syncStateNotFound", "The sync state is not found. Please restart the sync with an empty token."));
            return DeltaChanges(since, 0, parts.Length > 1 && parts[1].Length > 0 ? parts[1].Split(',') : select);
        }
        if (query.TryGetValue("$skiptoken", out var skip))
        {
            // full:{version}:{offset}:{select} or changes:{since}:{offset}:{select}
            var parts = skip.Split(':', 4);
            var sel = parts[3].Length == 0 ? null : parts[3].Split(',');
            return parts[0] == "full" ? DeltaFull(long.Parse(parts[1]), int.Parse(parts[2]), sel) : DeltaChanges(long.Parse(parts[1]), int.Parse(parts[2]), sel);
        }
        return DeltaFull(_version, 0, select);
    }

    private Reply DeltaFull(long version, int offset, string[]? select)
    {
        var end = Math.Min(Count, offset + DeltaPageSize);
        var page = new List<FakeUser>();
        for (var i = offset; i < end; i++) page.Add(At(i));
        var sel = select is null ? "" : string.Join(',', select);
        var next = end < Count ? $"{BaseUrl}/v1.0/users/delta?$skiptoken={Uri.EscapeDataString($"full:{version}:{end}:{sel}")}" : null;
        var deltaLink = next is null ? $"{BaseUrl}/v1.0/users/delta?$deltatoken={Uri.EscapeDataString($"{version}:{sel}")}" : null;
        return new Reply(200, w => Collection(w, "users", page.Select(u => (Action<Utf8JsonWriter>)(w2 => WriteUser(w2, u, select))), next, deltaLink));
    }

    private Reply DeltaChanges(long since, int offset, string[]? select)
    {
        // A changed user carries only the properties that changed (explicit null = cleared); a new user carries all.
        var changes = _changes.Where(c => c.Version > since).ToList();
        var changedIds = changes.Select(c => c.Id).Distinct().ToList();
        string[]? FieldsOf(string id) => changes.Where(c => c.Id == id).Any(c => c.Fields is null)
            ? null
            : changes.Where(c => c.Id == id).SelectMany(c => c.Fields!).Distinct().ToArray();
        var page = changedIds.Skip(offset).Take(DeltaPageSize).ToList();
        var more = changedIds.Count > offset + DeltaPageSize;
        var sel = select is null ? "" : string.Join(',', select);
        var next = more ? $"{BaseUrl}/v1.0/users/delta?$skiptoken={Uri.EscapeDataString($"changes:{since}:{offset + DeltaPageSize}:{sel}")}" : null;
        var deltaLink = more ? null : $"{BaseUrl}/v1.0/users/delta?$deltatoken={Uri.EscapeDataString($"{_version}:{sel}")}";
        var items = page.Select(id => _byKey.TryGetValue(id, out var u)
            ? (Action<Utf8JsonWriter>)(w => WriteUser(w, u, select, only: FieldsOf(id)))
            : w =>
            {
                w.WriteStartObject();
                w.WriteString("id", id);
                w.WriteStartObject("@removed");
                w.WriteString("reason", "changed");
                w.WriteEndObject();
                w.WriteEndObject();
            }).ToList();
        return new Reply(200, w => Collection(w, "users", items, next, deltaLink));
    }

    private static readonly System.Text.RegularExpressions.Regex TeamsAppBind =
        new(@"^https?://[^/]+/(v1\.0|beta)/appCatalogs/teamsApps/([^/?#]+)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private Reply Install(string key, string? body)
    {
        _installRequests.Add(key);
        string? appId = null;
        try
        {
            if (JsonNode.Parse(body ?? "") is JsonObject o && o["teamsApp@odata.bind"] is JsonValue v && v.TryGetValue<string>(out var bind)
                && TeamsAppBind.Match(bind) is { Success: true } m)
                appId = Uri.UnescapeDataString(m.Groups[2].Value);
        }
        catch (JsonException) { }
        if (appId is null)
            return new Reply(400, Error("BadRequest", "Invalid request body: expected {\"teamsApp@odata.bind\": \"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{id}\"}."));
        if (_installFailures.TryGetValue(key, out var failure) && failure.Remaining > 0)
        {
            _installFailures[key] = failure with { Remaining = failure.Remaining == int.MaxValue ? int.MaxValue : failure.Remaining - 1 };
            return new Reply(failure.Status, Error(failure.Code, $"Simulated failure ({failure.Code})."),
                failure.Status == 429 ? RetryAfterSeconds.ToString() : null);
        }
        if (CanonicalUserId(key) is not { } userId) return NotFound(key);
        if (!Installs(userId).Add(appId)) return new Reply(409, Error("Conflict", "App is already installed for this user."));
        return new Reply(201, null);
    }

    private Reply InstalledApps(string key, Dictionary<string, string> query)
    {
        var userId = CanonicalUserId(key) ?? (EveryoneHasTheApp ? key : null);
        if (userId is null) return NotFound(key);
        var apps = _installed.TryGetValue(userId, out var set) ? set.Order(StringComparer.Ordinal).ToList() : [];
        if (EveryoneHasTheApp && !apps.Contains(CatalogAppId)) apps.Add(CatalogAppId);
        if (query.TryGetValue("$filter", out var filter))
        {
            var m = System.Text.RegularExpressions.Regex.Match(filter, @"^\s*teamsApp/id\s+eq\s+'([^']*)'\s*$");
            if (!m.Success) return new Reply(400, Error("BadRequest", $"Unsupported filter: {filter}"));
            apps = apps.Where(a => string.Equals(a, m.Groups[1].Value, StringComparison.OrdinalIgnoreCase)).ToList();
        }
        var expand = query.TryGetValue("$expand", out var e) && e.Split(',').Any(x => x.Trim().Equals("teamsApp", StringComparison.OrdinalIgnoreCase));
        return new Reply(200, w => Collection(w, $"users('{userId}')/teamwork/installedApps", apps.Select(app => (Action<Utf8JsonWriter>)(w2 =>
        {
            w2.WriteStartObject();
            // Graph's installation id: base64url("{userId}##{catalogAppId}").
            w2.WriteString("id", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{userId}##{app}")).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
            if (expand)
            {
                w2.WriteStartObject("teamsApp");
                w2.WriteString("id", app);
                w2.WriteString("externalId", app);
                w2.WriteString("displayName", "TeamsBot");
                w2.WriteString("distributionMethod", "organization");
                w2.WriteEndObject();
            }
            w2.WriteEndObject();
        })), null, null));
    }

    /// <summary>The 1:1 chat between a user and the bot, from an installation id (base64url of "{userId}##{catalogAppId}").</summary>
    private Reply InstallationChat(string installationId)
    {
        string decoded;
        try
        {
            var b64 = installationId.Replace('-', '+').Replace('_', '/');
            decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=')));
        }
        catch (FormatException) { return NotFound(installationId); }
        if (decoded.Split("##") is not [var userId, _]) return NotFound(installationId);
        return new Reply(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", $"19:{userId}_{BotAppId}@unq.gbl.spaces");
            w.WriteString("chatType", "oneOnOne");
            w.WriteEndObject();
        });
    }

    private Reply ChatMessages(string chatId, Dictionary<string, string> query)
    {
        Interlocked.Increment(ref _chatMessageReads);
        var m = System.Text.RegularExpressions.Regex.Match(chatId, @"^19:([^_]+)_[^@]+@unq\.gbl\.spaces$");
        if (!m.Success || BotMessagesFor is null) return NotFound(chatId);
        var top = query.TryGetValue("$top", out var t) && int.TryParse(t, out var n) ? Math.Clamp(n, 1, 50) : 20;
        var messages = BotMessagesFor(m.Groups[1].Value).OrderByDescending(d => d.At).Take(top).ToList();
        return new Reply(200, w => Collection(w, $"chats('{chatId}')/messages", messages.Select(d => (Action<Utf8JsonWriter>)(w2 =>
        {
            w2.WriteStartObject();
            w2.WriteString("id", d.ActivityId);
            w2.WriteString("messageType", "message");
            w2.WriteString("createdDateTime", d.At);
            w2.WriteString("chatId", chatId);
            w2.WriteStartObject("from");
            w2.WriteStartObject("application");
            w2.WriteString("id", BotAppId);
            w2.WriteString("displayName", "TeamsBot");
            w2.WriteString("applicationIdentityType", "bot");
            w2.WriteEndObject();
            w2.WriteEndObject();
            var (text, cards) = ContentOf(d.Body);
            w2.WriteStartObject("body");
            w2.WriteString("contentType", "html");
            w2.WriteString("content", (text is null ? "" : $"<p>{System.Net.WebUtility.HtmlEncode(text).Replace("\n", "<br>", StringComparison.Ordinal)}</p>")
                + string.Concat(cards.Select((_, i) => $"<attachment id=\"{d.ActivityId}-{i}\"></attachment>")));
            w2.WriteEndObject();
            w2.WriteStartArray("attachments");
            for (var i = 0; i < cards.Count; i++)
            {
                w2.WriteStartObject();
                w2.WriteString("id", $"{d.ActivityId}-{i}");
                w2.WriteString("contentType", cards[i].ContentType);
                w2.WriteString("content", cards[i].Content);
                w2.WriteEndObject();
            }
            w2.WriteEndArray();
            w2.WriteEndObject();
        })), null, null));
    }

    /// <summary>
    /// The text and the cards (adaptive cards, file consent cards…) of a delivered activity (or of the activity inside a create
    /// call), each card's content as JSON text: what Graph shows of a bot's message.
    /// </summary>
    private static (string? Text, List<(string ContentType, string Content)> Cards) ContentOf(string body)
    {
        if (string.IsNullOrEmpty(body)) return (null, []);
        using var doc = JsonDocument.Parse(body);
        var activity = doc.RootElement.TryGetProperty("activity", out var inner) ? inner : doc.RootElement;
        var text = activity.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (!activity.TryGetProperty("attachments", out var attachments) || attachments.ValueKind != JsonValueKind.Array) return (text, []);
        return (text, attachments.EnumerateArray()
            .Where(a => a.TryGetProperty("contentType", out var ct) && ct.ValueKind == JsonValueKind.String && a.TryGetProperty("content", out _))
            .Select(a => (a.GetProperty("contentType").GetString()!, a.GetProperty("content").GetRawText())).ToList());
    }

    private Reply NotFound(string key) =>
        new(404, Error("Request_ResourceNotFound", $"Resource '{key}' does not exist or one of its queried reference-property objects are not present."));

    private static Action<Utf8JsonWriter> Error(string code, string message) => w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("code", code);
        w.WriteString("message", message);
        w.WriteStartObject("innerError");
        w.WriteString("date", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss"));
        w.WriteString("request-id", Guid.NewGuid().ToString());
        w.WriteString("client-request-id", Guid.NewGuid().ToString());
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    };

    private void Collection(Utf8JsonWriter w, string context, IEnumerable<Action<Utf8JsonWriter>> items, string? nextLink, string? deltaLink)
    {
        w.WriteStartObject();
        w.WriteString("@odata.context", $"{BaseUrl}/v1.0/$metadata#{context}");
        if (nextLink is not null) w.WriteString("@odata.nextLink", nextLink);
        if (deltaLink is not null) w.WriteString("@odata.deltaLink", deltaLink);
        w.WriteStartArray("value");
        foreach (var item in items) item(w);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private void WriteUser(Utf8JsonWriter w, FakeUser u, string[]? select, string? context = null, bool typed = false, string[]? only = null)
    {
        bool Has(string field) => (select is null || select.Contains(field, StringComparer.OrdinalIgnoreCase)) && (only is null || only.Contains(field));
        w.WriteStartObject();
        if (context is not null) w.WriteString("@odata.context", $"{BaseUrl}/v1.0/{context}");
        if (typed) w.WriteString("@odata.type", "#microsoft.graph.user");
        w.WriteString("id", u.Id);
        if (Has("userPrincipalName")) w.WriteString("userPrincipalName", u.UserPrincipalName);
        if (Has("mail")) w.WriteString("mail", u.Mail);
        if (Has("displayName")) w.WriteString("displayName", u.DisplayName);
        if (Has("companyName")) w.WriteString("companyName", u.CompanyName);
        if (Has("department")) w.WriteString("department", u.Department);
        if (select is not null && Has("employeeOrgData"))
        {
            w.WriteStartObject("employeeOrgData");
            w.WriteString("division", u.Division);
            w.WriteNull("costCenter");
            w.WriteEndObject();
        }
        if (Has("userType")) w.WriteString("userType", u.UserType);
        if (Has("accountEnabled")) w.WriteBoolean("accountEnabled", u.AccountEnabled);
        if (select is null)
        {
            // Graph's default property set (no $select): no companyName/accountEnabled, but jobTitle etc.
            w.WriteNull("jobTitle");
            w.WriteNull("officeLocation");
        }
        w.WriteEndObject();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
