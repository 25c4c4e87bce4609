using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Kiota.Authentication.Azure;

namespace TeamsBot.Agencies;

/// <summary>
/// One <see cref="GraphServiceClient"/> per tenant (the SDK's default pipeline: retry handler honouring Retry-After, redirect,
/// compression), at most <see cref="GraphOptions.MaxTenantClients"/> of them: renting one more evicts the least recently
/// rented client, which is disposed once its last lease is returned (never while a call is using it).
/// </summary>
internal sealed class GraphClients(IGraphCredentialFactory credentials, IOptions<GraphOptions> options) : IDisposable
{
    private readonly object _lock = new();
    private readonly Dictionary<string, Entry> _byTenant = new(StringComparer.OrdinalIgnoreCase);
    private readonly LinkedList<Entry> _recentFirst = new();

    /// <summary>Clients currently kept (evicted ones still leased are not counted).</summary>
    public int Count { get { lock (_lock) return _byTenant.Count; } }

    /// <summary>The tenant's client for as long as the lease is not disposed.</summary>
    public Lease Rent(string tenantId)
    {
        List<Entry>? evicted = null;
        Entry entry;
        lock (_lock)
        {
            if (_byTenant.TryGetValue(tenantId, out var found))
            {
                entry = found;
                _recentFirst.Remove(entry.Node);
            }
            else
            {
                entry = Create(tenantId);
                _byTenant[tenantId] = entry;
                entry.Node = new LinkedListNode<Entry>(entry);
            }
            _recentFirst.AddFirst(entry.Node);
            entry.Leases++;
            while (_byTenant.Count > Math.Max(1, options.Value.MaxTenantClients))
            {
                var oldest = _recentFirst.Last!.Value;
                _recentFirst.RemoveLast();
                _byTenant.Remove(oldest.TenantId);
                oldest.Evicted = true;
                if (oldest.Leases == 0) (evicted ??= []).Add(oldest);
            }
        }
        foreach (var e in evicted ?? []) e.Dispose();
        return new Lease(this, entry);
    }

    private void Return(Entry entry)
    {
        bool dispose;
        lock (_lock) dispose = --entry.Leases == 0 && entry.Evicted;
        if (dispose) entry.Dispose();
    }

    private Entry Create(string tenantId)
    {
        var o = options.Value;
        // The token is attached only for the configured Graph host (never for a host a nextLink might name).
        var auth = new AzureIdentityAuthenticationProvider(credentials.Create(tenantId), [new Uri(o.BaseUrl).Host], null, true, o.Scope);
        // The HttpClient is ours to dispose: GraphServiceClient.Dispose leaves a client it was given (or made itself) open.
        var http = GraphClientFactory.Create();
        return new Entry(tenantId, http, new GraphServiceClient(http, auth, o.ApiBaseUrl));
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var e in _byTenant.Values) e.Dispose();
            _byTenant.Clear();
            _recentFirst.Clear();
        }
    }

    internal sealed class Entry(string tenantId, HttpClient http, GraphServiceClient client)
    {
        public string TenantId { get; } = tenantId;
        public GraphServiceClient Client { get; } = client;

        public void Dispose()
        {
            Client.Dispose();
            http.Dispose();
        }

        public LinkedListNode<Entry> Node { get; set; } = null!;
        public int Leases { get; set; }
        public bool Evicted { get; set; }
    }

    /// <summary>Use <see cref="Client"/> until disposed.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly GraphClients _owner;
        private readonly Entry _entry;
        private int _returned;

        internal Lease(GraphClients owner, Entry entry) => (_owner, _entry) = (owner, entry);

        public GraphServiceClient Client => _entry.Client;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0) _owner.Return(_entry);
        }
    }
}
