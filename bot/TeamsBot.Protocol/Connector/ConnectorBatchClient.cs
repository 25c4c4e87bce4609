using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Protocol.Connector;

/// <summary>
/// The Teams batch messaging API over the connector's <see cref="HttpClient"/> (the same named client and pipeline as
/// <see cref="ConnectorClient"/>); waits use <see cref="TimeProvider"/>.
/// </summary>
internal sealed class ConnectorBatchClient(HttpClient http, TrustedServiceUrls trusted, TimeProvider time, IOptions<ConnectorBatchOptions> options,
    ILogger<ConnectorBatchClient> logger) : IConnectorBatchClient
{
    private const string Base = "v3/batch/conversation";
    private readonly ConnectorBatchOptions _options = options.Value;

    public Task<string> SendToUsersAsync(string serviceUrl, string tenantId, IReadOnlyList<string> memberIds, Activity activity, CancellationToken ct = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(activity);
        var members = Recipients(memberIds, nameof(memberIds), "users");
        return StartAsync(serviceUrl, "users", tenantId, new BatchMembersRequest(members, activity, tenantId), ct);
    }

    public Task<string> SendToTenantAsync(string serviceUrl, string tenantId, Activity activity, CancellationToken ct = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(activity);
        return StartAsync(serviceUrl, "tenant", tenantId, new BatchTenantRequest(activity, tenantId), ct);
    }

    public Task<string> SendToTeamAsync(string serviceUrl, string tenantId, string teamId, Activity activity, CancellationToken ct = default)
    {
        RequireTenant(tenantId);
        if (string.IsNullOrWhiteSpace(teamId)) throw new ArgumentException("A team id is required.", nameof(teamId));
        ArgumentNullException.ThrowIfNull(activity);
        return StartAsync(serviceUrl, "team", tenantId, new BatchTeamRequest(activity, teamId, tenantId), ct);
    }

    public Task<string> SendToChannelsAsync(string serviceUrl, string tenantId, IReadOnlyList<string> channelIds, Activity activity, CancellationToken ct = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(activity);
        var channels = Recipients(channelIds, nameof(channelIds), "channels");
        return StartAsync(serviceUrl, "channels", tenantId, new BatchMembersRequest(channels, activity, tenantId), ct);
    }

    public async Task<BatchOperationState> GetOperationAsync(string serviceUrl, string operationId, string? tenantId = null, CancellationToken ct = default)
    {
        RequireOperation(operationId);
        var response = await ConnectorHttp.SendAsync(http, trusted, HttpMethod.Get, serviceUrl, $"{Base}/{ConnectorHttp.Esc(operationId)}", "batch-state",
            tenantId, null, ct).ConfigureAwait(false);
        return ParseState(response.Text, time.GetUtcNow());
    }

    public async Task<BatchFailedEntriesPage> GetFailedEntriesAsync(string serviceUrl, string operationId, string? continuationToken = null, string? tenantId = null,
        CancellationToken ct = default)
    {
        RequireOperation(operationId);
        var path = $"{Base}/failedentries/{ConnectorHttp.Esc(operationId)}"
            + (string.IsNullOrEmpty(continuationToken) ? "" : $"?continuationToken={ConnectorHttp.Esc(continuationToken)}");
        var response = await ConnectorHttp.SendAsync(http, trusted, HttpMethod.Get, serviceUrl, path, "batch-failed", tenantId, null, ct).ConfigureAwait(false);
        return ParseFailedEntries(response.Text);
    }

    public async Task CancelOperationAsync(string serviceUrl, string operationId, string? tenantId = null, CancellationToken ct = default)
    {
        RequireOperation(operationId);
        await ConnectorHttp.SendAsync(http, trusted, HttpMethod.Delete, serviceUrl, $"{Base}/{ConnectorHttp.Esc(operationId)}", "batch-cancel",
            tenantId, null, ct).ConfigureAwait(false);
    }

    public async Task<BatchOutcome> SendToUsersAndWaitAsync(string serviceUrl, string tenantId, IReadOnlyList<string> memberIds, Activity activity, CancellationToken ct = default)
    {
        var operationId = await SendToUsersAsync(serviceUrl, tenantId, memberIds, activity, ct).ConfigureAwait(false);
        return await WaitForOperationAsync(serviceUrl, tenantId, operationId, ct).ConfigureAwait(false);
    }

    public async Task<BatchOutcome> WaitForOperationAsync(string serviceUrl, string tenantId, string operationId, CancellationToken ct = default)
    {
        BatchOperationState state;
        try
        {
            var wait = _options.MinPollInterval;
            while (true)
            {
                await Task.Delay(wait, time, ct).ConfigureAwait(false);
                state = await GetOperationAsync(serviceUrl, operationId, tenantId, ct).ConfigureAwait(false);
                if (state.IsFinished) break;
                wait = NextPoll(_options, state.RetryAfter, time.GetUtcNow());
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await CancelBestEffortAsync(serviceUrl, operationId, tenantId).ConfigureAwait(false);
            throw;
        }

        var failed = new List<BatchFailedEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await GetFailedEntriesAsync(serviceUrl, operationId, token, tenantId, ct).ConfigureAwait(false);
            failed.AddRange(page.FailedEntries);
            token = page.ContinuationToken;
            if (token is not null && !seen.Add(token))
            {
                logger.LogWarning("Batch operation's failed entries repeated a continuation token; stopped paging after {Count} entries", failed.Count);
                break;
            }
        } while (!string.IsNullOrEmpty(token));
        return new BatchOutcome(operationId, state, failed);
    }

    /// <summary>The wait before the next poll: until retryAfter, else the default, within [min, max].</summary>
    internal static TimeSpan NextPoll(ConnectorBatchOptions options, DateTimeOffset? retryAfter, DateTimeOffset now)
    {
        var wait = retryAfter is { } at ? at - now : options.DefaultPollInterval;
        if (wait < options.MinPollInterval) wait = options.MinPollInterval;
        return wait > options.MaxPollInterval ? options.MaxPollInterval : wait;
    }

    private async Task CancelBestEffortAsync(string serviceUrl, string operationId, string? tenantId)
    {
        // The caller gave up: recipients not reached yet should not be messaged. Bounded by the pipeline's total timeout.
        try
        {
            await CancelOperationAsync(serviceUrl, operationId, tenantId, CancellationToken.None).ConfigureAwait(false);
            logger.LogInformation("Batch operation cancelled because its caller stopped waiting");
        }
        catch (Exception e) when (e is ConnectorException or HttpRequestException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException)
        {
            logger.LogWarning("Could not cancel an abandoned batch operation ({Error}); Teams may still deliver it", e.GetType().Name);
        }
    }

    private async Task<string> StartAsync(string serviceUrl, string kind, string tenantId, object body, CancellationToken ct)
    {
        var response = await ConnectorHttp.SendAsync(http, trusted, HttpMethod.Post, serviceUrl, $"{Base}/{kind}", $"batch-{kind}", tenantId, body, ct)
            .ConfigureAwait(false);
        return ParseOperationId(response.Text)
            ?? throw new ConnectorException(response.Status, null, $"Connector POST {Base}/{kind} answered {(int)response.Status} without an operation id");
    }

    private static void RequireTenant(string tenantId)
    {
        if (string.IsNullOrWhiteSpace(tenantId)) throw new ArgumentException("A tenant id is required for batch messages.", nameof(tenantId));
    }

    private static void RequireOperation(string operationId)
    {
        if (string.IsNullOrWhiteSpace(operationId)) throw new ArgumentException("An operation id is required.", nameof(operationId));
    }

    private static IReadOnlyList<BatchMember> Recipients(IReadOnlyList<string> ids, string parameter, string what)
    {
        ArgumentNullException.ThrowIfNull(ids, parameter);
        if (ids.Count == 0) throw new ArgumentException($"A batch to {what} needs at least one recipient.", parameter);
        if (ids.Count > BatchLimits.MaxMembersPerRequest)
            throw new ArgumentException($"A batch to {what} takes at most {BatchLimits.MaxMembersPerRequest} recipients per request; got {ids.Count}. "
                + "Split the audience into several operations.", parameter);
        var members = new BatchMember[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(ids[i])) throw new ArgumentException($"Recipient {i} of the batch to {what} has no id.", parameter);
            members[i] = new BatchMember(ids[i]);
        }
        return members;
    }

    /// <summary>The operation id in a POST answer: a JSON string, <c>{"operationId": …}</c>, or plain text.</summary>
    internal static string? ParseOperationId(string? text)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed)) return null;
        if (trimmed[0] is not ('"' or '{')) return trimmed.Any(char.IsWhiteSpace) ? null : trimmed;
        try
        {
            using var doc = JsonDocument.Parse(trimmed);
            var root = doc.RootElement;
            var id = root.ValueKind == JsonValueKind.String ? root.GetString()
                : root.ValueKind == JsonValueKind.Object && Property(root, "operationId") is { ValueKind: JsonValueKind.String } p ? p.GetString()
                : null;
            return string.IsNullOrWhiteSpace(id) ? null : id;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// <c>{state, statusMap, retryAfter, totalEntriesCount}</c>. retryAfter is a timestamp (the SDKs type it as a date);
    /// a number of seconds is accepted too.
    /// </summary>
    internal static BatchOperationState ParseState(string? text, DateTimeOffset now)
    {
        if (text is null) throw new JsonException("The batch operation state was empty.");
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException("The batch operation state is not an object.");
        var state = Property(root, "state") is { ValueKind: JsonValueKind.String } s ? s.GetString() ?? "" : "";
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        if (Property(root, "statusMap") is { ValueKind: JsonValueKind.Object } statusMap)
            foreach (var entry in statusMap.EnumerateObject())
                if (Count(entry.Value) is { } n) map[entry.Name] = n;
        var total = Property(root, "totalEntriesCount") is { } t && Count(t) is { } c ? c : map.Values.Sum();
        return new BatchOperationState(state, map, RetryAfter(Property(root, "retryAfter"), now), total);
    }

    internal static DateTimeOffset? RetryAfter(JsonElement? value, DateTimeOffset now)
    {
        static DateTimeOffset After(DateTimeOffset now, double seconds) => now + TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 86_400));
        switch (value)
        {
            case { ValueKind: JsonValueKind.Number } n when n.TryGetDouble(out var seconds):
                return After(now, seconds);
            case { ValueKind: JsonValueKind.String } s:
                var raw = s.GetString();
                if (string.IsNullOrWhiteSpace(raw)) return null;
                if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs)) return After(now, secs);
                if (DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at;
                return null;
            default:
                return null;
        }
    }

    /// <summary><c>{continuationToken, failedEntries:[{id, error}]}</c> (the Agents SDK for JS names the list <c>failedEntryResponses</c>).</summary>
    internal static BatchFailedEntriesPage ParseFailedEntries(string? text)
    {
        if (text is null) return new BatchFailedEntriesPage(null, []);
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException("The failed entries page is not an object.");
        var token = Property(root, "continuationToken") is { ValueKind: JsonValueKind.String } t && !string.IsNullOrEmpty(t.GetString()) ? t.GetString() : null;
        var entries = new List<BatchFailedEntry>();
        if ((Property(root, "failedEntries") ?? Property(root, "failedEntryResponses")) is { ValueKind: JsonValueKind.Array } list)
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || Property(item, "id") is not { ValueKind: JsonValueKind.String } id) continue;
                var error = Property(item, "error") switch
                {
                    { ValueKind: JsonValueKind.String } e => e.GetString(),
                    { ValueKind: JsonValueKind.Object or JsonValueKind.Number } e => e.GetRawText(),
                    _ => null,
                };
                entries.Add(new BatchFailedEntry(id.GetString()!, error));
            }
        return new BatchFailedEntriesPage(token, entries);
    }

    private static int? Count(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt32(out var n) => n,
        JsonValueKind.String when int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };

    private static JsonElement? Property(JsonElement obj, string name)
    {
        foreach (var p in obj.EnumerateObject())
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) return p.Value;
        return null;
    }

    private sealed record BatchMember(string Id);
    private sealed record BatchMembersRequest(IReadOnlyList<BatchMember> Members, Activity Activity, string TenantId);
    private sealed record BatchTenantRequest(Activity Activity, string TenantId);
    private sealed record BatchTeamRequest(Activity Activity, string TeamId, string TenantId);
}
