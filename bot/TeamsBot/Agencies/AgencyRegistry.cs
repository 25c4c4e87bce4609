using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TeamsBot.Storage;

namespace TeamsBot.Agencies;

/// <summary>The agency registry: seeded from <c>Directory:AgenciesFile</c> on first start, then edited here (admin UI later).</summary>
public interface IAgencyRegistry
{
    Task<IReadOnlyList<Agency>> ListAsync(CancellationToken cancellationToken);
    Task<Agency?> FindAsync(string agencyId, CancellationToken cancellationToken);
    /// <summary>Adds or replaces an agency. Throws <see cref="ArgumentException"/> with a readable reason for an invalid agency.</summary>
    Task UpsertAsync(Agency agency, CancellationToken cancellationToken);
    Task<bool> RemoveAsync(string agencyId, CancellationToken cancellationToken);
    /// <summary>Grants (or replaces) the window of one feature, e.g. 60 extra days of <c>deep-research</c>.</summary>
    Task SetEntitlementAsync(string agencyId, EntitlementWindow window, CancellationToken cancellationToken);
    /// <summary>Whether the agency has <paramref name="feature"/> now.</summary>
    Task<bool> IsEntitledAsync(string agencyId, string feature, CancellationToken cancellationToken);
}

internal static class AgencyJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = false, AllowTrailingCommas = true, ReadCommentHandling = JsonCommentHandling.Skip };

    private sealed record RegistryFile(IReadOnlyList<Agency>? Agencies);

    /// <summary>Reads and validates a registry file; throws <see cref="InvalidDataException"/> with one line per problem.</summary>
    public static IReadOnlyList<Agency> Load(string path)
    {
        RegistryFile? file;
        try
        {
            using var stream = System.IO.File.OpenRead(path);
            file = JsonSerializer.Deserialize<RegistryFile>(stream, Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"agency file '{path}' is not valid: {e.Message}");
        }
        var agencies = file?.Agencies ?? throw new InvalidDataException($"agency file '{path}' has no \"agencies\" array.");
        var problems = agencies.SelectMany(Validate).ToList();
        problems.AddRange(agencies.GroupBy(a => a.Id, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => $"agency id '{g.Key}' appears {g.Count()} times"));
        if (problems.Count > 0) throw new InvalidDataException($"agency file '{path}': {string.Join("; ", problems)}");
        return agencies;
    }

    public static IEnumerable<string> Validate(Agency a) => Problems(a).Select(p => p.Message);

    /// <summary>Each problem with the field it is about (JSON names, e.g. <c>emailDomains[1]</c>), for API problem details.</summary>
    public static IEnumerable<(string Field, string Message)> Problems(Agency a)
    {
        if (string.IsNullOrWhiteSpace(a.Id) || a.Id.Length > 64 || a.Id.Any(char.IsWhiteSpace))
            yield return ("id", $"agency id '{a.Id}' must be 1-64 characters without spaces");
        else if (string.Equals(a.Id, Agency.UnassignedId, StringComparison.OrdinalIgnoreCase))
            yield return ("id", $"agency id '{a.Id}' is reserved");
        if (string.IsNullOrWhiteSpace(a.Name)) yield return ("name", $"agency '{a.Id}' needs a name");
        for (var i = 0; i < a.EmailDomains.Count; i++)
        {
            var d = a.EmailDomains[i];
            if (string.IsNullOrWhiteSpace(d) || d.Contains('@') || !d.Contains('.'))
                yield return ($"emailDomains[{i}]", $"agency '{a.Id}' has an invalid email domain '{d}'");
        }
        foreach (var (field, ids) in new[] { ("tenantIds", a.TenantIds), ("memberGroupIds", a.MemberGroupIds), ("coachGroupIds", a.CoachGroupIds),
                     ("coachUserIds", a.CoachUserIds), ("adminGroupIds", a.AdminGroupIds), ("adminUserIds", a.AdminUserIds) })
        {
            for (var i = 0; i < ids.Count; i++)
                if (!Guid.TryParse(ids[i], out _)) yield return ($"{field}[{i}]", $"agency '{a.Id}' {field} entry '{ids[i]}' is not an Entra id (a GUID)");
        }
        for (var i = 0; i < a.Entitlements.Count; i++)
        {
            var w = a.Entitlements[i];
            if (string.IsNullOrWhiteSpace(w.Feature) || w.End <= w.Start)
                yield return ($"entitlements[{i}]", $"agency '{a.Id}' entitlement '{w.Feature}' must have a feature name and end after it starts");
        }
        if (a.PromptRules is { Length: > 4000 }) yield return ("promptRules", "prompt rules are limited to 4000 characters");
    }
}

internal sealed class AgencyRegistry(IDbContextFactory<TeamsBotDbContext> factory, TimeProvider time, DirectoryFiles files, ILogger<AgencyRegistry> logger) : IAgencyRegistry, IAgencySnapshotSource
{
    // Other replicas pick up edits within this interval; edits on this replica are visible at once.
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile AgencySnapshot? _snapshot;
    private DateTimeOffset _loadedAt;

    /// <summary>Indexed agencies for the rules. Seeds the database from the agency file on first use.</summary>
    public async ValueTask<AgencySnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && time.GetUtcNow() - _loadedAt < RefreshInterval) return snapshot;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_snapshot is not null && time.GetUtcNow() - _loadedAt < RefreshInterval) return _snapshot;
            await SeedIfEmptyAsync(cancellationToken);
            _snapshot = new AgencySnapshot(await LoadAsync(cancellationToken));
            _loadedAt = time.GetUtcNow();
            return _snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task SeedIfEmptyAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (await db.Set<AgencyRecord>().AnyAsync(cancellationToken)) return;
        var agencies = AgencyJson.Load(files.AgenciesPath);
        var now = time.GetUtcNow();
        foreach (var a in agencies)
            db.Add(new AgencyRecord { Id = a.Id.ToLowerInvariant(), Json = JsonSerializer.Serialize(a with { Id = a.Id.ToLowerInvariant() }, AgencyJson.Options), UpdatedAt = now });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Agency registry seeded with {Count} agencies", agencies.Count);
        }
        catch (DbUpdateException)
        {
            // Replicas starting together: another one seeded the registry first (one transaction: all or nothing).
            await using var check = await factory.CreateDbContextAsync(cancellationToken);
            if (!await check.Set<AgencyRecord>().AnyAsync(cancellationToken)) throw;
        }
    }

    private async Task<IReadOnlyList<Agency>> LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<AgencyRecord>().AsNoTracking().OrderBy(a => a.Id).ToListAsync(cancellationToken);
        return rows.Select(r => JsonSerializer.Deserialize<Agency>(r.Json, AgencyJson.Options)!).ToList();
    }

    public async Task<IReadOnlyList<Agency>> ListAsync(CancellationToken cancellationToken) => (await GetSnapshotAsync(cancellationToken)).Agencies;

    public async Task<Agency?> FindAsync(string agencyId, CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).ById.GetValueOrDefault(agencyId);

    public async Task UpsertAsync(Agency agency, CancellationToken cancellationToken)
    {
        var problems = AgencyJson.Validate(agency).ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(agency));
        await GetSnapshotAsync(cancellationToken); // seed first so an edit never stops the seed
        var id = agency.Id.ToLowerInvariant();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<AgencyRecord>().FindAsync([id], cancellationToken);
        var json = JsonSerializer.Serialize(agency with { Id = id }, AgencyJson.Options);
        if (row is null) db.Add(new AgencyRecord { Id = id, Json = json, UpdatedAt = time.GetUtcNow() });
        else { row.Json = json; row.UpdatedAt = time.GetUtcNow(); }
        await db.SaveChangesAsync(cancellationToken);
        Invalidate();
        logger.LogInformation("Agency {AgencyId} saved", id);
    }

    public async Task<bool> RemoveAsync(string agencyId, CancellationToken cancellationToken)
    {
        await GetSnapshotAsync(cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var removed = await db.Set<AgencyRecord>().Where(a => a.Id == agencyId.ToLowerInvariant()).ExecuteDeleteAsync(cancellationToken) > 0;
        Invalidate();
        return removed;
    }

    public async Task SetEntitlementAsync(string agencyId, EntitlementWindow window, CancellationToken cancellationToken)
    {
        var agency = await FindAsync(agencyId, cancellationToken) ?? throw new ArgumentException($"unknown agency '{agencyId}'", nameof(agencyId));
        var windows = agency.Entitlements.Where(w => !string.Equals(w.Feature, window.Feature, StringComparison.OrdinalIgnoreCase)).Append(window).ToList();
        await UpsertAsync(agency with { Entitlements = windows }, cancellationToken);
    }

    public async Task<bool> IsEntitledAsync(string agencyId, string feature, CancellationToken cancellationToken) =>
        (await FindAsync(agencyId, cancellationToken))?.IsEntitled(feature, time.GetUtcNow()) == true;

    private void Invalidate() => _snapshot = null;
}
