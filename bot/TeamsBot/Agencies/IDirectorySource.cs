using Microsoft.Extensions.Options;

namespace TeamsBot.Agencies;

/// <summary>Where user attributes come from (Graph or a file). Pages are bounded (≤ 999 users) so callers can stream.</summary>
internal interface IDirectorySource
{
    /// <summary>The tenant used when a request names none.</summary>
    string? DefaultTenantId { get; }

    /// <summary>One user by object id or UPN, with the time zone; null when the source does not know it (deleted).</summary>
    Task<SourceUser?> GetUserAsync(string tenantId, string idOrUpn, CancellationToken cancellationToken);

    /// <summary>Many users by object id or UPN (Graph: <c>$batch</c>, 20 per request). Missing users map to null.</summary>
    Task<IReadOnlyDictionary<string, SourceUser?>> GetUsersAsync(string tenantId, IReadOnlyList<string> idsOrUpns, CancellationToken cancellationToken);

    /// <summary>Transitive group ids of each user (Graph: <c>transitiveMemberOf</c> in <c>$batch</c>).</summary>
    Task<IReadOnlyDictionary<string, IReadOnlySet<string>>> GetGroupIdsAsync(string tenantId, IReadOnlyList<string> userIds, CancellationToken cancellationToken);

    /// <summary>Every user of the tenant, page by page.</summary>
    IAsyncEnumerable<IReadOnlyList<SourceUser>> GetTenantUsersAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Transitive user members of a group (or a team's Microsoft 365 group), page by page.</summary>
    IAsyncEnumerable<IReadOnlyList<SourceUser>> GetGroupMembersAsync(string tenantId, string groupId, CancellationToken cancellationToken);

    /// <summary>
    /// One page of the users delta query: <paramref name="link"/> null starts a full pass; otherwise a nextLink or deltaLink.
    /// Throws <see cref="DeltaExpiredException"/> when the stored delta link is no longer accepted.
    /// </summary>
    Task<DeltaPage> GetDeltaPageAsync(string tenantId, string? link, CancellationToken cancellationToken);
}

internal sealed record DeltaPage(IReadOnlyList<DeltaUser> Changed, IReadOnlyList<string> RemovedIds, string? NextLink, string? DeltaLink);

/// <summary>
/// A user of a delta page and the properties the page carried. In an incremental page a property present with <c>null</c>
/// was cleared and an absent one is unchanged; a full pass carries every user with every selected property.
/// </summary>
internal sealed record DeltaUser(SourceUser User, DeltaProperties Present)
{
    public static DeltaUser Complete(SourceUser user) => new(user, DeltaProperties.All);
}

[Flags]
internal enum DeltaProperties
{
    None = 0,
    UserPrincipalName = 1,
    Mail = 2,
    DisplayName = 4,
    CompanyName = 8,
    Department = 16,
    Division = 32,
    UserType = 64,
    AccountEnabled = 128,
    All = UserPrincipalName | Mail | DisplayName | CompanyName | Department | Division | UserType | AccountEnabled,
}

internal sealed class DeltaExpiredException(string message) : Exception(message);

/// <summary>Resolves the directory and agency file paths: relative paths against the content root, then the app folder.</summary>
internal sealed class DirectoryFiles(IOptions<DirectoryOptions> options, IHostEnvironment environment)
{
    public string DirectoryPath => Resolve(options.Value.File, environment.ContentRootPath);
    public string AgenciesPath => Resolve(options.Value.AgenciesFile, environment.ContentRootPath);

    internal static string Resolve(string path, string contentRoot)
    {
        if (Path.IsPathRooted(path)) return path;
        var fromRoot = Path.Combine(contentRoot, path);
        if (System.IO.File.Exists(fromRoot)) return fromRoot;
        var fromApp = Path.Combine(AppContext.BaseDirectory, path);
        return System.IO.File.Exists(fromApp) ? fromApp : fromRoot;
    }
}
