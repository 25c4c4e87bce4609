namespace TeamsBot.Broadcasts;

/// <summary><c>Broadcasts:*</c>: coach campaigns.</summary>
public sealed class BroadcastsOptions
{
    public const string Section = "Broadcasts";
    public const string PerUserMode = "PerUser", BatchMode = "Batch";

    /// <summary>Audiences larger than this need a second coach or an admin to approve.</summary>
    public int ApprovalThreshold { get; set; } = 10_000;

    /// <summary>Object ids of people asked to approve large campaigns (besides the audience agencies' coaches and admins).</summary>
    public List<string> Approvers { get; set; } = [];

    /// <summary>Install the app (Graph, <c>TeamsAppInstallation.ReadWriteSelfForUser.All</c>) for recipients who do not have it.</summary>
    public bool InstallForMissingUsers { get; set; }

    /// <summary>The app's id in the organisation's Teams app catalog (<c>appCatalogs/teamsApps/{id}</c>), for installs.</summary>
    public string? TeamsAppCatalogId { get; set; }

    /// <summary>
    /// Settle a send whose outcome is unknown (its replica died after the request left) by looking for the card in the
    /// recipient's chat through Graph (<see cref="GraphDeliveryVerifier"/>); off, such a send is counted failed
    /// (<c>outcomeUnknown</c>) and offered to <b>Resend to failed</b>.
    /// </summary>
    public bool VerifyUnknownDeliveries { get; set; }

    /// <summary><c>PerUser</c> (default: one proactive message per recipient) or <c>Batch</c> (Teams batch messaging API).</summary>
    public string SendMode { get; set; } = PerUserMode;

    /// <summary>Connector <c>serviceUrl</c> for recipients the bot has never talked to; default: the tenant's most recent one.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Requests one replica keeps in flight per tenant; the tenant budget is what paces them.</summary>
    public int MaxParallelSendsPerTenant { get; set; } = 64;

    /// <summary>How long a claimed recipient stays claimed before another replica may settle it (the claimer died); more than twice <c>Connector:TotalTimeout</c>.</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often an idle replica looks for campaign work.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the coach's status card is updated in place while sending.</summary>
    public TimeSpan StatusCardInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts per recipient for transient failures (5xx, timeouts after the connector's own retries).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Recipients in one batch request (<c>SendMode=Batch</c>).</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Largest audience a campaign may have.</summary>
    public int MaxRecipients { get; set; } = 5_000_000;

    /// <summary>Pasted lists (<c>users</c> audiences): most entries.</summary>
    public int MaxListedUsers { get; set; } = 50_000;
}
