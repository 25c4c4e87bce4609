using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace TeamsBot.Protocol.Auth;

/// <summary>A signing key from the channel's JWKS with the channels it endorses (e.g. "msteams").</summary>
public sealed record EndorsedKey(SecurityKey Key, IReadOnlySet<string> Endorsements);

/// <summary>
/// Signing keys from the cloud's OpenID metadata (<c>jwks_uri</c>), cached for a day and refetched when a token names an
/// unknown <c>kid</c> (at most once per <see cref="MinRefreshInterval"/>, so forged kids cannot hammer the issuer).
/// </summary>
public sealed class OpenIdKeyStore(HttpClient http, string metadataUrl, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan CacheDuration = TimeSpan.FromHours(24);
    public static readonly TimeSpan MinRefreshInterval = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private volatile IReadOnlyDictionary<string, EndorsedKey> _keys = new Dictionary<string, EndorsedKey>();
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    /// <summary>The key with this id, refreshing the cache when it is stale or the id is unknown; null if none.</summary>
    public async Task<EndorsedKey?> GetKeyAsync(string? kid, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(kid)) return null;
        var now = time.GetUtcNow();
        if (now - _fetchedAt < CacheDuration && _keys.TryGetValue(kid, out var cached)) return cached;
        if (now - _fetchedAt < MinRefreshInterval) return _keys.GetValueOrDefault(kid);

        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_keys.TryGetValue(kid, out cached) && time.GetUtcNow() - _fetchedAt < CacheDuration) return cached;
            // Not the caller's token: a client hanging up must not abort (and back off) the shared refresh.
            if (time.GetUtcNow() - _fetchedAt >= MinRefreshInterval) await RefreshAsync(CancellationToken.None).ConfigureAwait(false);
            return _keys.GetValueOrDefault(kid);
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var metadata = JsonDocument.Parse(await http.GetStringAsync(metadataUrl, cancellationToken).ConfigureAwait(false));
            var jwksUri = metadata.RootElement.GetProperty("jwks_uri").GetString()
                          ?? throw new InvalidOperationException("OpenID metadata has no jwks_uri");
            var jwksJson = await http.GetStringAsync(jwksUri, cancellationToken).ConfigureAwait(false);
            _keys = Parse(jwksJson);
            _fetchedAt = time.GetUtcNow();
            logger.LogInformation("Loaded {Count} channel signing keys", _keys.Count);
        }
        catch (Exception e)
        {
            // Keep the previous keys; retry after MinRefreshInterval.
            _fetchedAt = time.GetUtcNow() - CacheDuration + MinRefreshInterval;
            logger.LogWarning("Could not load channel signing keys: {Error}", e.GetType().Name);
        }
    }

    internal static IReadOnlyDictionary<string, EndorsedKey> Parse(string jwksJson)
    {
        var set = new JsonWebKeySet(jwksJson);
        using var raw = JsonDocument.Parse(jwksJson);
        var endorsementsByKid = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var key in raw.RootElement.GetProperty("keys").EnumerateArray())
        {
            if (!key.TryGetProperty("kid", out var kid) || kid.GetString() is not { } id) continue;
            var endorsements = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            if (key.TryGetProperty("endorsements", out var list) && list.ValueKind == JsonValueKind.Array)
                foreach (var e in list.EnumerateArray())
                    if (e.GetString() is { } s) endorsements.Add(s);
            endorsementsByKid[id] = endorsements;
        }
        var result = new Dictionary<string, EndorsedKey>(StringComparer.Ordinal);
        foreach (var key in set.Keys)
        {
            if (key.Kid is null || !string.Equals(key.Kty, "RSA", StringComparison.Ordinal)) continue;
            result[key.Kid] = new EndorsedKey(key, endorsementsByKid.GetValueOrDefault(key.Kid) ?? []);
        }
        return result;
    }
}
