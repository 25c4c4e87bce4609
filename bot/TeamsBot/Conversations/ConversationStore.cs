using Microsoft.Extensions.Caching.Memory;
using Microsoft.EntityFrameworkCore;
using TeamsBot.Protocol.Activities;
using TeamsBot.Storage;

namespace TeamsBot.Conversations;

public enum InstallChange { None, Installed, Uninstalled }

/// <summary>Durable conversation references and install state.</summary>
public sealed class ConversationStore(IDbContextFactory<TeamsBotDbContext> factory, SqliteWriteGate writeGate, TimeProvider time) : IDisposable
{
    // Avoid a database write on every message: a reference is rewritten when it changes or an hour has passed.
    private static readonly TimeSpan TouchInterval = TimeSpan.FromHours(1);
    // Bounded: a workforce has millions of conversations; only recently active ones are remembered.
    private readonly MemoryCache _recent = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    /// <summary>
    /// Records where the conversation lives; <paramref name="installed"/> sets the install state when known. Returns whether
    /// the app became installed or uninstalled for a person (their 1:1 chat), for adoption counts.
    /// </summary>
    public async Task<InstallChange> RecordAsync(Activity activity, bool? installed, CancellationToken cancellationToken)
    {
        if (activity.Conversation?.Id is not { } conversationId || activity.ServiceUrl is null) return InstallChange.None;
        var now = time.GetUtcNow();
        var scope = activity.Conversation.ConversationType switch
        {
            ConversationTypes.GroupChat or ConversationTypes.Channel => activity.Conversation.ConversationType,
            _ => ConversationTypes.Personal,
        };
        var personal = scope == ConversationTypes.Personal;
        var fingerprint = string.Join('|', activity.ServiceUrl, activity.TenantId, personal ? activity.From?.Id : null, activity.Locale, installed);
        if (installed is null && _recent.TryGetValue(conversationId, out string? last) && last == fingerprint)
            return InstallChange.None;

        using var gate = await writeGate.EnterAsync(cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var record = await db.Set<ConversationRecord>().FindAsync([conversationId], cancellationToken);
        var wasInstalled = record?.Installed == true;
        if (record is null)
        {
            record = new ConversationRecord
            {
                ConversationId = conversationId,
                ServiceUrl = activity.ServiceUrl,
                ChannelId = activity.ChannelId ?? "msteams",
                Scope = scope,
                FirstSeenAt = now,
            };
            db.Add(record);
        }
        record.ServiceUrl = activity.ServiceUrl;
        record.TenantId = activity.TenantId ?? record.TenantId;
        record.BotId = activity.Recipient?.Id ?? record.BotId;
        record.TeamId = activity.ChannelData?.Team?.Id ?? record.TeamId;
        record.Locale = activity.Locale is { Length: <= 32 } locale ? locale : record.Locale;
        record.TeamId = record.TeamId is { Length: > 1024 } ? null : record.TeamId;
        record.LastSeenAt = now;
        if (personal && activity.From?.Id is { } userId && !userId.StartsWith("28:", StringComparison.Ordinal))
        {
            record.UserId = userId;
            record.AadObjectId = activity.From.AadObjectId ?? record.AadObjectId;
        }
        if (installed is { } isInstalled)
        {
            record.Installed = isInstalled;
            record.UninstalledAt = isInstalled ? null : now;
        }
        await db.SaveChangesAsync(cancellationToken);
        _recent.Set(conversationId, fingerprint, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TouchInterval });
        if (!personal || record.AadObjectId is null || wasInstalled == record.Installed) return InstallChange.None;
        return record.Installed ? InstallChange.Installed : InstallChange.Uninstalled;
    }

    /// <summary>The user's 1:1 chat with the bot, if the bot is installed for them.</summary>
    public async Task<ConversationRecord?> FindPersonalAsync(string tenantId, string aadObjectId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Set<ConversationRecord>().AsNoTracking()
            .Where(c => c.TenantId == tenantId && c.AadObjectId == aadObjectId && c.Scope == ConversationTypes.Personal)
            .OrderByDescending(c => c.LastSeenAt)
            .FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>The 1:1 chats of many users of one tenant (the bot installed), by Entra object id: one query for a batch of recipients.</summary>
    public async Task<IReadOnlyDictionary<string, ConversationRecord>> FindPersonalManyAsync(string tenantId, IReadOnlyCollection<string> aadObjectIds, CancellationToken cancellationToken)
    {
        if (aadObjectIds.Count == 0) return new Dictionary<string, ConversationRecord>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var found = await db.Set<ConversationRecord>().AsNoTracking()
            .Where(c => c.TenantId == tenantId && c.Scope == ConversationTypes.Personal && c.Installed && aadObjectIds.Contains(c.AadObjectId!))
            .ToListAsync(cancellationToken);
        return found.GroupBy(c => c.AadObjectId!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.MaxBy(c => c.LastSeenAt)!, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Where Teams serves a tenant and the bot's id there: from the tenant's most recently active conversation, cached a few minutes.</summary>
    public async Task<(string ServiceUrl, string? BotId)?> EndpointForTenantAsync(string tenantId, CancellationToken cancellationToken)
    {
        var key = "endpoint|" + tenantId;
        if (!_recent.TryGetValue(key, out TenantEndpoint? endpoint) || endpoint is null)
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            endpoint = await db.Set<ConversationRecord>().AsNoTracking().Where(c => c.TenantId == tenantId)
                .OrderByDescending(c => c.LastSeenAt).Select(c => new TenantEndpoint(c.ServiceUrl, c.BotId)).FirstOrDefaultAsync(cancellationToken)
                ?? TenantEndpoint.None;
            // "None yet" is remembered too (for less long): a broadcast asks once per recipient.
            _recent.Set(key, endpoint, new MemoryCacheEntryOptions
            {
                Size = 1,
                AbsoluteExpirationRelativeToNow = endpoint.ServiceUrl is null ? TimeSpan.FromSeconds(30) : TimeSpan.FromMinutes(5),
            });
        }
        return endpoint.ServiceUrl is { } serviceUrl ? (serviceUrl, endpoint.BotId) : null;
    }

    private sealed record TenantEndpoint(string? ServiceUrl, string? BotId)
    {
        public static readonly TenantEndpoint None = new(null, null);
    }

    public async Task<IReadOnlyList<string>> ServiceUrlsAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Set<ConversationRecord>().Select(c => c.ServiceUrl).Distinct().ToListAsync(cancellationToken);
    }

    public void Dispose() => _recent.Dispose();
}
