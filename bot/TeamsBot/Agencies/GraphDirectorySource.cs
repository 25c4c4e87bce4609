using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions.Serialization;

namespace TeamsBot.Agencies;

/// <summary>
/// Users from Microsoft Graph (app-only). Needs the application permissions User.Read.All, GroupMember.Read.All and
/// MailboxSettings.Read. Lists page with <c>$top=999</c> and <c>@odata.nextLink</c>; lookups go in <c>$batch</c> requests of
/// 20; only the fields the rules need are selected.
/// </summary>
internal sealed class GraphDirectorySource(GraphClients clients, IOptions<GraphOptions> options, TimeProvider time, ILogger<GraphDirectorySource> logger) : IDirectorySource
{
    internal static readonly string[] UserFields =
        ["id", "userPrincipalName", "mail", "displayName", "companyName", "department", "employeeOrgData", "userType", "accountEnabled"];
    private const int PageSize = 999;
    private const int MaxBatchRetries = 4;

    public string? DefaultTenantId => options.Value.TenantId;

    public async Task<SourceUser?> GetUserAsync(string tenantId, string idOrUpn, CancellationToken cancellationToken) =>
        (await GetUsersAsync(tenantId, [idOrUpn], cancellationToken))[idOrUpn];

    public async Task<IReadOnlyDictionary<string, SourceUser?>> GetUsersAsync(string tenantId, IReadOnlyList<string> idsOrUpns, CancellationToken cancellationToken)
    {
        using var lease = clients.Rent(tenantId);
        var client = lease.Client;
        var keys = idsOrUpns.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        // Two steps per user: the user (selected fields) and its mailbox time zone (may fail: no mailbox, no permission).
        var steps = new Dictionary<string, Func<Microsoft.Kiota.Abstractions.RequestInformation>>();
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i];
            steps[$"u{i}"] = () => client.Users[key].ToGetRequestInformation(c => c.QueryParameters.Select = UserFields);
            steps[$"m{i}"] = () => client.Users[key].MailboxSettings.ToGetRequestInformation(c => c.QueryParameters.Select = ["timeZone"]);
        }
        var responses = await SendBatchAsync(client, steps, cancellationToken);
        var result = new Dictionary<string, SourceUser?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < keys.Count; i++)
        {
            var (status, user) = await responses.ReadAsync<User>($"u{i}");
            if (status == HttpStatusCode.NotFound) { result[keys[i]] = null; continue; }
            if (user is null) throw new GraphLookupException($"Graph user lookup failed with status {(int)status}");
            var (_, mailbox) = await responses.ReadAsync<MailboxSettings>($"m{i}");
            result[keys[i]] = ToSource(user, tenantId) with { TimeZone = mailbox?.TimeZone };
        }
        return result;
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlySet<string>>> GetGroupIdsAsync(string tenantId, IReadOnlyList<string> userIds, CancellationToken cancellationToken)
    {
        using var lease = clients.Rent(tenantId);
        var client = lease.Client;
        var ids = userIds.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var steps = ids.Select((id, i) => (Key: $"g{i}", Build: (Func<Microsoft.Kiota.Abstractions.RequestInformation>)(() =>
            client.Users[id].TransitiveMemberOf.ToGetRequestInformation(c => { c.QueryParameters.Select = ["id"]; c.QueryParameters.Top = PageSize; }))))
            .ToDictionary(s => s.Key, s => s.Build);
        var responses = await SendBatchAsync(client, steps, cancellationToken);
        var result = new Dictionary<string, IReadOnlySet<string>>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < ids.Count; i++)
        {
            var (status, page) = await responses.ReadAsync<DirectoryObjectCollectionResponse>($"g{i}");
            var groups = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            while (page is not null)
            {
                foreach (var o in page.Value ?? []) if (o.Id is not null) groups.Add(o.Id);
                page = page.OdataNextLink is { } next
                    ? await client.Users[ids[i]].TransitiveMemberOf.WithUrl(next).GetAsync(cancellationToken: cancellationToken)
                    : null;
            }
            if (status != HttpStatusCode.OK && status != HttpStatusCode.NotFound)
                throw new GraphLookupException($"Graph transitiveMemberOf failed with status {(int)status}");
            result[ids[i]] = groups;
        }
        return result;
    }

    public async IAsyncEnumerable<IReadOnlyList<SourceUser>> GetTenantUsersAsync(string tenantId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var lease = clients.Rent(tenantId);
        var client = lease.Client;
        var page = await client.Users.GetAsync(c => { c.QueryParameters.Select = UserFields; c.QueryParameters.Top = PageSize; }, cancellationToken);
        while (page is not null)
        {
            yield return (page.Value ?? []).Select(u => ToSource(u, tenantId)).ToList();
            page = page.OdataNextLink is { } next ? await client.Users.WithUrl(next).GetAsync(cancellationToken: cancellationToken) : null;
        }
    }

    public async IAsyncEnumerable<IReadOnlyList<SourceUser>> GetGroupMembersAsync(string tenantId, string groupId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var lease = clients.Rent(tenantId);
        var client = lease.Client;
        var members = client.Groups[groupId].TransitiveMembers.GraphUser;
        UserCollectionResponse? page;
        try
        {
            page = await members.GetAsync(c => { c.QueryParameters.Select = UserFields; c.QueryParameters.Top = PageSize; }, cancellationToken);
        }
        catch (ODataError e) when (e.ResponseStatusCode == 404)
        {
            logger.LogWarning("Group {GroupId} not found in tenant {TenantId}: audience part is empty", groupId, tenantId);
            yield break;
        }
        while (page is not null)
        {
            yield return (page.Value ?? []).Select(u => ToSource(u, tenantId)).ToList();
            page = page.OdataNextLink is { } next ? await members.WithUrl(next).GetAsync(cancellationToken: cancellationToken) : null;
        }
    }

    /// <summary>
    /// One users delta page, read as raw JSON: the SDK drops properties sent as explicit <c>null</c>, and in a delta page
    /// <c>null</c> means "cleared" while an absent property means "unchanged".
    /// </summary>
    public async Task<DeltaPage> GetDeltaPageAsync(string tenantId, string? link, CancellationToken cancellationToken)
    {
        using var lease = clients.Rent(tenantId);
        var delta = lease.Client.Users.Delta;
        var request = link is null
            ? delta.ToGetRequestInformation(c => c.QueryParameters.Select = UserFields)
            : delta.WithUrl(link).ToGetRequestInformation();
        try
        {
            await using var body = await lease.Client.RequestAdapter.SendPrimitiveAsync<Stream>(request, ODataErrorMapping, cancellationToken)
                ?? throw new GraphLookupException("Graph users delta returned no body");
            using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            return ParseDeltaPage(json.RootElement, tenantId);
        }
        catch (ODataError e) when (e.ResponseStatusCode == 410 || e.Error?.Code is "syncStateNotFound" or "resyncRequired")
        {
            throw new DeltaExpiredException($"delta link no longer accepted ({e.Error?.Code ?? e.ResponseStatusCode.ToString()})");
        }
    }

    private static readonly Dictionary<string, ParsableFactory<IParsable>> ODataErrorMapping = new() { ["XXX"] = ODataError.CreateFromDiscriminatorValue };

    internal static DeltaPage ParseDeltaPage(JsonElement page, string tenantId)
    {
        var changed = new List<DeltaUser>();
        var removed = new List<string>();
        if (page.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Array)
        {
            foreach (var u in value.EnumerateArray())
            {
                if (!u.TryGetProperty("id", out var idElement) || idElement.GetString() is not { } id) continue;
                if (u.TryGetProperty("@removed", out _)) { removed.Add(id); continue; }
                changed.Add(ParseDeltaUser(u, id, tenantId));
            }
        }
        return new DeltaPage(changed, removed, OptionalString(page, "@odata.nextLink"), OptionalString(page, "@odata.deltaLink"));
    }

    private static DeltaUser ParseDeltaUser(JsonElement u, string id, string tenantId)
    {
        var present = DeltaProperties.None;
        string? Text(string name, DeltaProperties property)
        {
            if (!u.TryGetProperty(name, out var v)) return null;
            present |= property;
            return v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        }
        var user = new SourceUser
        {
            Id = id,
            TenantId = tenantId,
            UserPrincipalName = Text("userPrincipalName", DeltaProperties.UserPrincipalName),
            Mail = Text("mail", DeltaProperties.Mail),
            DisplayName = Text("displayName", DeltaProperties.DisplayName),
            CompanyName = Text("companyName", DeltaProperties.CompanyName),
            Department = Text("department", DeltaProperties.Department),
            UserType = Text("userType", DeltaProperties.UserType),
        };
        if (u.TryGetProperty("employeeOrgData", out var org))
        {
            // employeeOrgData: null clears the division; an object without "division" leaves it unchanged.
            if (org.ValueKind != JsonValueKind.Object) present |= DeltaProperties.Division;
            else if (org.TryGetProperty("division", out var division))
            {
                present |= DeltaProperties.Division;
                user = user with { Division = division.ValueKind == JsonValueKind.String ? division.GetString() : null };
            }
        }
        if (u.TryGetProperty("accountEnabled", out var enabled))
        {
            present |= DeltaProperties.AccountEnabled;
            user = user with { AccountEnabled = enabled.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null } };
        }
        return new DeltaUser(user, present);
    }

    private static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static SourceUser ToSource(User u, string tenantId) => new()
    {
        Id = u.Id ?? throw new GraphLookupException("Graph returned a user without id"),
        TenantId = tenantId,
        UserPrincipalName = u.UserPrincipalName,
        Mail = u.Mail,
        DisplayName = u.DisplayName,
        CompanyName = u.CompanyName,
        Department = u.Department,
        Division = u.EmployeeOrgData?.Division,
        UserType = u.UserType,
        AccountEnabled = u.AccountEnabled,
    };

    /// <summary>
    /// Sends the steps in <c>$batch</c> requests of 20 (the SDK splits). Throttled steps (429 inside a batch, which the HTTP retry
    /// handler cannot see) are sent again after the largest <c>Retry-After</c> they carry; a throttled batch as a whole is
    /// retried by the SDK's retry handler.
    /// </summary>
    private async Task<BatchResults> SendBatchAsync(GraphServiceClient client, Dictionary<string, Func<Microsoft.Kiota.Abstractions.RequestInformation>> steps, CancellationToken cancellationToken)
    {
        var results = new BatchResults();
        var pending = steps.Keys.ToList();
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            var batch = new BatchRequestContentCollection(client);
            foreach (var key in pending) await batch.AddBatchRequestStepAsync(steps[key](), key);
            var response = await client.Batch.PostAsync(batch, cancellationToken);
            var statuses = await response.GetResponsesStatusCodesAsync();
            var throttled = new List<string>();
            var wait = TimeSpan.Zero;
            foreach (var (key, status) in statuses)
            {
                if (status == HttpStatusCode.TooManyRequests && attempt < MaxBatchRetries)
                {
                    throttled.Add(key);
                    using var message = await response.GetResponseByIdAsync(key);
                    var retryAfter = message.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(Math.Pow(2, attempt));
                    if (retryAfter > wait) wait = retryAfter;
                    continue;
                }
                results.Add(key, status, response);
            }
            pending = throttled;
            if (pending.Count > 0)
            {
                logger.LogInformation("Graph throttled {Count} batch steps; retrying after {Seconds}s", pending.Count, wait.TotalSeconds);
                await Task.Delay(wait, time, cancellationToken);
            }
        }
        return results;
    }

    /// <summary>Statuses and bodies of batch steps, possibly spread over several batch responses.</summary>
    private sealed class BatchResults
    {
        private readonly Dictionary<string, (HttpStatusCode Status, BatchResponseContentCollection Response)> _steps = new();

        public void Add(string key, HttpStatusCode status, BatchResponseContentCollection response) => _steps[key] = (status, response);

        public async Task<(HttpStatusCode Status, T? Body)> ReadAsync<T>(string key) where T : Microsoft.Kiota.Abstractions.Serialization.IParsable, new()
        {
            if (!_steps.TryGetValue(key, out var step)) return (HttpStatusCode.InternalServerError, default);
            if (step.Status != HttpStatusCode.OK) return (step.Status, default);
            return (step.Status, await step.Response.GetResponseByIdAsync<T>(key));
        }
    }
}

internal sealed class GraphLookupException(string message) : Exception(message);
