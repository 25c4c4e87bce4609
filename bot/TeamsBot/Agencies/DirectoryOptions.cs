namespace TeamsBot.Agencies;

/// <summary><c>Directory:*</c> settings.</summary>
public sealed class DirectoryOptions
{
    public const string Section = "Directory";
    public const string SourceFile = "File";
    public const string SourceGraph = "Graph";

    /// <summary><c>File</c> (default: the shipped sample) or <c>Graph</c>.</summary>
    public string Source { get; set; } = SourceFile;

    /// <summary>JSON or CSV directory of users (and groups, JSON only) for <c>Source=File</c>. Relative to the content root, then the app folder.</summary>
    public string File { get; set; } = "Agencies/Data/directory.json";

    /// <summary>Agency registry loaded into the database on first start (when the database has no agency yet).</summary>
    public string AgenciesFile { get; set; } = "Agencies/Data/agencies.json";

    /// <summary>Rule order; default Tenant, Attribute, Domain, Group. Leave a rule out to disable it.</summary>
    public string[]? Rules { get; set; }

    /// <summary>How long a resolved user is served from the database cache before it is looked up again.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromHours(12);

    public DirectorySyncOptions Sync { get; set; } = new();

    public IReadOnlyList<string> EffectiveRules => Rules is { Length: > 0 } r ? r : AgencyRuleKind.All;
}

/// <summary><c>Directory:Sync:*</c>: the background users delta sync that keeps the cache fresh.</summary>
public sealed class DirectorySyncOptions
{
    /// <summary>Null (default) = on for <c>Source=Graph</c>, off for <c>File</c>.</summary>
    public bool? Enabled { get; set; }
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary><c>Graph:*</c>: app-only access to Microsoft Graph.</summary>
public sealed class GraphOptions
{
    public const string Section = "Graph";
    public const string SecretCredential = "ClientSecret", CertificateCredential = "Certificate";
    public static readonly string[] Credentials = [SecretCredential, CertificateCredential, KeylessCredential.ManagedIdentity, KeylessCredential.WorkloadIdentity];

    /// <summary>
    /// Graph root: <c>https://graph.microsoft.com</c> (public, GCC), <c>https://graph.microsoft.us</c> (GCC High),
    /// <c>https://dod-graph.microsoft.us</c> (DoD). <c>/v1.0</c> is appended when no version is given. The token scope is <c>{root}/.default</c>.
    /// </summary>
    public string BaseUrl { get; set; } = "https://graph.microsoft.com";
    public string? TenantId { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    /// <summary>Certificate with private key for the app registration, instead of a secret: PFX/P12 (with <see cref="CertificatePassword"/>) or PEM (certificate and key in one file).</summary>
    public string? CertificatePath { get; set; }
    public string? CertificatePassword { get; set; }
    /// <summary>
    /// <c>ClientSecret</c>, <c>Certificate</c>, <c>ManagedIdentity</c> or <c>WorkloadIdentity</c>; empty = <c>Certificate</c>
    /// when <see cref="CertificatePath"/> is set, else <c>ClientSecret</c>.
    /// </summary>
    public string? Credential { get; set; }
    /// <summary>With <c>ManagedIdentity</c>: the user-assigned identity's client id (empty = system-assigned).</summary>
    public string? ManagedIdentityClientId { get; set; }
    /// <summary>Graph clients kept at most (one per tenant read); the least recently used one is let go beyond this.</summary>
    public int MaxTenantClients { get; set; } = 64;
    /// <summary>Entra login host; default from the base URL (<c>login.microsoftonline.us</c> for <c>*.microsoft.us</c>).</summary>
    public string? AuthorityHost { get; set; }

    /// <summary>The configured credential's canonical name (unknown names are returned as given; validation reports them).</summary>
    public string EffectiveCredential => Credential is { Length: > 0 } c
        ? Credentials.FirstOrDefault(k => k.Equals(c.Trim(), StringComparison.OrdinalIgnoreCase)) ?? c
        : CertificatePath is { Length: > 0 } ? CertificateCredential : SecretCredential;

    /// <summary>Base URL with the API version, e.g. <c>https://graph.microsoft.us/v1.0</c>.</summary>
    public string ApiBaseUrl
    {
        get
        {
            var uri = new Uri(BaseUrl.TrimEnd('/'));
            return uri.AbsolutePath is "/" or "" ? $"{uri.GetLeftPart(UriPartial.Authority)}/v1.0" : BaseUrl.TrimEnd('/');
        }
    }

    /// <summary>Whether configuration names Graph credentials (a client id or a keyless credential): what reading chats needs.</summary>
    public static bool HasCredentials(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{Section}:ClientId"]) || !string.IsNullOrWhiteSpace(configuration[$"{Section}:Credential"]);

    /// <summary>App-only scope: <c>{scheme}://{host}/.default</c>.</summary>
    public string Scope => new Uri(BaseUrl).GetLeftPart(UriPartial.Authority) + "/.default";

    public Uri EffectiveAuthorityHost => AuthorityHost is { Length: > 0 } a
        ? new Uri(a)
        : new Uri(BaseUrl).Host.EndsWith(".microsoft.us", StringComparison.OrdinalIgnoreCase)
            ? Azure.Identity.AzureAuthorityHosts.AzureGovernment
            : Azure.Identity.AzureAuthorityHosts.AzurePublicCloud;
}
