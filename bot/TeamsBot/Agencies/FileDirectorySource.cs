using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CsvHelper;

namespace TeamsBot.Agencies;

/// <summary>
/// Users (and, in JSON, groups) from a file: for a fresh machine and small pilots. JSON:
/// <c>{"tenantId": "...", "users": [{"id", "userPrincipalName", "mail", "displayName", "companyName", "department", "division",
/// "userType", "accountEnabled", "timeZone", "groups": []}], "groups": [{"id", "memberOf": []}]}</c>.
/// CSV: header <c>id,tenantId,userPrincipalName,mail,displayName,companyName,department,division,userType,accountEnabled,timeZone,groups</c>
/// (groups separated by <c>;</c>). The file is read once, on first use (and checked at startup).
/// </summary>
internal sealed class FileDirectorySource(DirectoryFiles files) : IDirectorySource
{
    private const int PageSize = 999;
    private readonly Lazy<DirectoryFileData> _data = new(() => DirectoryFileData.Load(files.DirectoryPath));

    private DirectoryFileData Data => _data.Value;

    public string? DefaultTenantId => Data.TenantId;

    public Task<SourceUser?> GetUserAsync(string tenantId, string idOrUpn, CancellationToken cancellationToken) =>
        Task.FromResult(Data.Find(idOrUpn));

    public Task<IReadOnlyDictionary<string, SourceUser?>> GetUsersAsync(string tenantId, IReadOnlyList<string> idsOrUpns, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, SourceUser?>>(idsOrUpns.Distinct(StringComparer.OrdinalIgnoreCase).ToDictionary(k => k, Data.Find, StringComparer.OrdinalIgnoreCase));

    public Task<IReadOnlyDictionary<string, IReadOnlySet<string>>> GetGroupIdsAsync(string tenantId, IReadOnlyList<string> userIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, IReadOnlySet<string>>>(userIds.Distinct().ToDictionary(id => id, id => Data.Find(id)?.GroupIds ?? new HashSet<string>()));

    public async IAsyncEnumerable<IReadOnlyList<SourceUser>> GetTenantUsersAsync(string tenantId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var page in Data.Users.Where(u => u.TenantId is null || string.Equals(u.TenantId, tenantId, StringComparison.OrdinalIgnoreCase)).Chunk(PageSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return page;
        }
        await Task.CompletedTask;
    }

    public async IAsyncEnumerable<IReadOnlyList<SourceUser>> GetGroupMembersAsync(string tenantId, string groupId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var page in Data.Users.Where(u => u.GroupIds?.Contains(groupId) == true).Chunk(PageSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return page;
        }
        await Task.CompletedTask;
    }

    /// <summary>A file has no change log: every sync is a full pass over the file.</summary>
    public Task<DeltaPage> GetDeltaPageAsync(string tenantId, string? link, CancellationToken cancellationToken)
    {
        var offset = link is not null && link.StartsWith("file:", StringComparison.Ordinal) && int.TryParse(link.AsSpan(5), out var o) ? o : 0;
        var users = Data.Users.Where(u => u.TenantId is null || string.Equals(u.TenantId, tenantId, StringComparison.OrdinalIgnoreCase)).Skip(offset).Take(PageSize).ToList();
        var more = Data.Users.Count > offset + PageSize;
        return Task.FromResult(new DeltaPage(users.Select(DeltaUser.Complete).ToList(), [], more ? $"file:{offset + PageSize}" : null, more ? null : "file:0"));
    }
}

/// <summary>The parsed directory file; <see cref="Load"/> throws <see cref="InvalidDataException"/> with a readable reason.</summary>
internal sealed class DirectoryFileData
{
    public required string? TenantId { get; init; }
    public required IReadOnlyList<SourceUser> Users { get; init; }
    private readonly Dictionary<string, SourceUser> _byKey = new(StringComparer.OrdinalIgnoreCase);

    public SourceUser? Find(string idOrUpn) => _byKey.GetValueOrDefault(idOrUpn);

    public static DirectoryFileData Load(string path)
    {
        if (!System.IO.File.Exists(path)) throw new InvalidDataException($"directory file '{path}' does not exist.");
        var data = Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase) ? LoadCsv(path) : LoadJson(path);
        foreach (var u in data.Users)
        {
            if (!data._byKey.TryAdd(u.Id, u)) throw new InvalidDataException($"directory file '{path}': user id '{u.Id}' appears twice.");
            if (u.UserPrincipalName is { Length: > 0 } upn) data._byKey.TryAdd(upn, u);
        }
        return data;
    }

    private sealed record JsonUser(string? Id, string? TenantId, string? UserPrincipalName, string? Mail, string? DisplayName, string? CompanyName,
        string? Department, string? Division, string? UserType, bool? AccountEnabled, string? TimeZone, IReadOnlyList<string>? Groups);
    private sealed record JsonGroup(string? Id, IReadOnlyList<string>? MemberOf);
    private sealed record JsonFile(string? TenantId, IReadOnlyList<JsonUser>? Users, IReadOnlyList<JsonGroup>? Groups);

    private static DirectoryFileData LoadJson(string path)
    {
        JsonFile? file;
        try
        {
            using var stream = System.IO.File.OpenRead(path);
            file = JsonSerializer.Deserialize<JsonFile>(stream, AgencyJson.Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"directory file '{path}' is not valid JSON: {e.Message}");
        }
        if (file?.Users is null) throw new InvalidDataException($"directory file '{path}' has no \"users\" array.");
        // Group nesting: a user in group A is transitively in every group A is (transitively) a member of.
        var parents = (file.Groups ?? []).Where(g => g.Id is not null).ToDictionary(g => g.Id!, g => g.MemberOf ?? [], StringComparer.OrdinalIgnoreCase);
        var users = file.Users.Select((u, i) => new SourceUser
        {
            Id = u.Id is { Length: > 0 } id ? id : throw new InvalidDataException($"directory file '{path}': user #{i + 1} has no id."),
            TenantId = u.TenantId ?? file.TenantId,
            UserPrincipalName = u.UserPrincipalName,
            Mail = u.Mail,
            DisplayName = u.DisplayName,
            CompanyName = u.CompanyName,
            Department = u.Department,
            Division = u.Division,
            UserType = u.UserType ?? "Member",
            AccountEnabled = u.AccountEnabled ?? true,
            TimeZone = u.TimeZone,
            GroupIds = Transitive(u.Groups ?? [], parents),
        }).ToList();
        return new DirectoryFileData { TenantId = file.TenantId ?? users.FirstOrDefault(u => u.TenantId is not null)?.TenantId, Users = users };
    }

    private static HashSet<string> Transitive(IEnumerable<string> direct, Dictionary<string, IReadOnlyList<string>> parents)
    {
        var all = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>(direct);
        while (pending.TryPop(out var g))
            if (all.Add(g) && parents.TryGetValue(g, out var ps))
                foreach (var p in ps) pending.Push(p);
        return all;
    }

    private static DirectoryFileData LoadCsv(string path)
    {
        var users = new List<SourceUser>();
        try
        {
            using var stream = System.IO.File.OpenRead(path);
            using var csv = CsvReader.Create(stream, null, false);
            var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < csv.Headers.Count; i++) columns.TryAdd(csv.Headers[i].Trim(), i);
            if (!columns.ContainsKey("id")) throw new InvalidDataException($"directory file '{path}' has no 'id' column in its header.");
            while (csv.Read())
            {
                string? F(string name) => columns.TryGetValue(name, out var i) && i < csv.FieldCount && csv.GetStringOrNull(i) is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
                var row = csv.RowNumber;
                var enabled = F("accountEnabled");
                if (enabled is not null && !bool.TryParse(enabled, out _))
                    throw new InvalidDataException($"directory file '{path}' record {row}: accountEnabled must be true or false (was '{enabled}').");
                users.Add(new SourceUser
                {
                    Id = F("id") ?? throw new InvalidDataException($"directory file '{path}' record {row}: id is empty."),
                    TenantId = F("tenantId"),
                    UserPrincipalName = F("userPrincipalName"),
                    Mail = F("mail"),
                    DisplayName = F("displayName"),
                    CompanyName = F("companyName"),
                    Department = F("department"),
                    Division = F("division"),
                    UserType = F("userType") ?? "Member",
                    AccountEnabled = enabled is null || bool.Parse(enabled),
                    TimeZone = F("timeZone"),
                    GroupIds = new HashSet<string>((F("groups") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase),
                });
            }
        }
        catch (CsvFormatException e)
        {
            throw new InvalidDataException($"directory file '{path}' is not valid CSV: {e.Message.Split('\n')[0]}");
        }
        return new DirectoryFileData { TenantId = users.FirstOrDefault(u => u.TenantId is not null)?.TenantId, Users = users };
    }
}
