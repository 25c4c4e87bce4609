using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using TeamsBot.Protocol.Auth;

namespace TeamsBot.Protocol.Connector;

/// <summary>
/// The serviceUrls the bot may call: those that arrived on authenticated activities, plus <c>Bot:ServiceUrls</c>.
/// The app may also trust serviceUrls it stored from earlier authenticated activities (proactive sends after a restart).
/// In local development mode only loopback serviceUrls are callable.
/// </summary>
public sealed class TrustedServiceUrls
{
    private readonly ConcurrentDictionary<string, byte> _trusted = new(StringComparer.OrdinalIgnoreCase);
    private readonly bool _loopbackOnly;

    public TrustedServiceUrls(IOptions<BotOptions> options)
    {
        _loopbackOnly = options.Value.LocalDevelopment;
        foreach (var url in options.Value.ServiceUrls) Trust(url);
    }

    public void Trust(string? serviceUrl)
    {
        if (Normalize(serviceUrl) is { } key && (!_loopbackOnly || IsLoopback(key))) _trusted.TryAdd(key, 0);
    }

    public bool IsTrusted(string? serviceUrl) =>
        Normalize(serviceUrl) is { } key && _trusted.ContainsKey(key) && (!_loopbackOnly || IsLoopback(key));

    /// <summary>Scheme + host + port + path, lower-cased, without trailing slash; null if not an absolute http(s) URL.</summary>
    public static string? Normalize(string? serviceUrl)
    {
        if (string.IsNullOrWhiteSpace(serviceUrl) || !Uri.TryCreate(serviceUrl.Trim(), UriKind.Absolute, out var uri)) return null;
        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) return null;
        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment)) return null;
        return uri.GetLeftPart(UriPartial.Path).TrimEnd('/').ToLowerInvariant();
    }

    private static bool IsLoopback(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) && u.IsLoopback;
}
