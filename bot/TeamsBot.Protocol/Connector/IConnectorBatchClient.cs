using TeamsBot.Protocol.Activities;

namespace TeamsBot.Protocol.Connector;

/// <summary>
/// Teams' batch messaging API (preview): one request sends the same activity to many users or channels, Teams fans it out
/// and reports per-recipient results under an operation id. Calls go through the connector's pipeline (token, trusted
/// serviceUrl, per-tenant budget, 429/412/502/503/504 retries).
/// <list type="bullet">
/// <item><c>POST v3/batch/conversation/users</c> <c>{members:[{id}], activity, tenantId}</c></item>
/// <item><c>POST v3/batch/conversation/tenant</c> <c>{activity, tenantId}</c></item>
/// <item><c>POST v3/batch/conversation/team</c> <c>{activity, teamId, tenantId}</c></item>
/// <item><c>POST v3/batch/conversation/channels</c> <c>{members:[{id}], activity, tenantId}</c></item>
/// <item><c>GET v3/batch/conversation/{operationId}</c>, <c>GET v3/batch/conversation/failedentries/{operationId}?continuationToken=</c>,
/// <c>DELETE v3/batch/conversation/{operationId}</c></item>
/// </list>
/// </summary>
public interface IConnectorBatchClient
{
    /// <summary>Sends <paramref name="activity"/> to each user (<c>29:</c> ids or Entra object ids); returns the operation id.</summary>
    Task<string> SendToUsersAsync(string serviceUrl, string tenantId, IReadOnlyList<string> memberIds, Activity activity, CancellationToken ct = default);

    /// <summary>Sends <paramref name="activity"/> to every user in the tenant who has the app; returns the operation id.</summary>
    Task<string> SendToTenantAsync(string serviceUrl, string tenantId, Activity activity, CancellationToken ct = default);

    /// <summary>Sends <paramref name="activity"/> to each member of the team (1:1, not a channel post); returns the operation id.</summary>
    Task<string> SendToTeamAsync(string serviceUrl, string tenantId, string teamId, Activity activity, CancellationToken ct = default);

    /// <summary>Posts <paramref name="activity"/> in each channel (<c>19:…@thread.tacv2</c> ids); returns the operation id.</summary>
    Task<string> SendToChannelsAsync(string serviceUrl, string tenantId, IReadOnlyList<string> channelIds, Activity activity, CancellationToken ct = default);

    /// <param name="tenantId">The tenant the operation runs in (its request budget); null when unknown.</param>
    Task<BatchOperationState> GetOperationAsync(string serviceUrl, string operationId, string? tenantId = null, CancellationToken ct = default);

    /// <summary>One page of the recipients that failed; pass the returned token back until it is null.</summary>
    Task<BatchFailedEntriesPage> GetFailedEntriesAsync(string serviceUrl, string operationId, string? continuationToken = null, string? tenantId = null, CancellationToken ct = default);

    /// <summary>Cancels an operation: recipients not reached yet are not messaged.</summary>
    Task CancelOperationAsync(string serviceUrl, string operationId, string? tenantId = null, CancellationToken ct = default);

    /// <summary>
    /// Sends to users and waits for the operation to finish: polls honouring retryAfter (bounded by
    /// <see cref="ConnectorBatchOptions"/>), then pages every failed entry. When <paramref name="ct"/> is cancelled while the
    /// operation is still running, the operation is cancelled too (best effort) and the cancellation propagates.
    /// </summary>
    Task<BatchOutcome> SendToUsersAndWaitAsync(string serviceUrl, string tenantId, IReadOnlyList<string> memberIds, Activity activity, CancellationToken ct = default);

    /// <summary>Waits for a started operation as <see cref="SendToUsersAndWaitAsync"/> does (a caller that must know the start
    /// succeeded before waiting: once it has, the people in it may have the message).</summary>
    Task<BatchOutcome> WaitForOperationAsync(string serviceUrl, string tenantId, string operationId, CancellationToken ct = default);
}

/// <summary>
/// A batch operation as Teams reports it. <paramref name="State"/> is e.g. <c>NotStarted</c>, <c>InProgress</c>,
/// <c>Completed</c>, <c>Failed</c>; <paramref name="StatusMap"/> counts recipients by HTTP status (<c>"201"</c> delivered,
/// <c>"403"</c> e.g. blocked or not installed); <paramref name="RetryAfter"/> is when Teams wants the next poll.
/// </summary>
public sealed record BatchOperationState(string State, IReadOnlyDictionary<string, int> StatusMap, DateTimeOffset? RetryAfter, int TotalEntriesCount)
{
    /// <summary>The operation will not change any more (completed, failed or cancelled).</summary>
    public bool IsFinished => State.ToLowerInvariant() is "completed" or "failed" or "cancelled" or "canceled" or "succeeded";

    /// <summary>Recipients counted with a 2xx status.</summary>
    public int Succeeded => StatusMap.Where(kv => kv.Key.Length == 3 && kv.Key[0] == '2').Sum(kv => kv.Value);
}

/// <summary>A recipient the operation could not reach, with Teams' error (a code or a message).</summary>
public sealed record BatchFailedEntry(string Id, string? Error);

public sealed record BatchFailedEntriesPage(string? ContinuationToken, IReadOnlyList<BatchFailedEntry> FailedEntries);

/// <summary>A finished operation: its final state and every failed recipient.</summary>
public sealed record BatchOutcome(string OperationId, BatchOperationState Final, IReadOnlyList<BatchFailedEntry> Failed);

/// <summary>Limits the client enforces before calling Teams.</summary>
public static class BatchLimits
{
    /// <summary>
    /// Most recipients (users or channels) per batch request. Neither Microsoft's SDKs (botbuilder-dotnet TeamsOperations,
    /// teams.net TeamsApiClient) nor the stored documentation state a maximum; 100 is this project's conservative choice
    /// (chunk larger audiences into several operations).
    /// </summary>
    public const int MaxMembersPerRequest = 100;
}

/// <summary>Polling of batch operations (<c>Connector:Batch:*</c>).</summary>
public sealed class ConnectorBatchOptions
{
    public const string Section = "Connector:Batch";

    /// <summary>Shortest wait between two polls (also the wait before the first), whatever retryAfter says.</summary>
    public TimeSpan MinPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Wait between polls when Teams gives no retryAfter.</summary>
    public TimeSpan DefaultPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between two polls: a far retryAfter does not stall the caller.</summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromMinutes(1);
}
