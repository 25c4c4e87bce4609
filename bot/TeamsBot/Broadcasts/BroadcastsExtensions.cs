using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TeamsBot.Agencies;
using TeamsBot.Cards;
using TeamsBot.Protocol.Auth;
using TeamsBot.Protocol.Connector;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Security;
using TeamsBot.Storage.Jobs;

namespace TeamsBot.Broadcasts;

public static class BroadcastsExtensions
{
    /// <summary>
    /// Coach campaigns: the composer and status cards in Teams (coaches only), <c>/api/campaigns</c>, the delivery ledger,
    /// the fan-out worker on every replica, reads and acknowledgements. Needs the directory slice (audiences, roles).
    /// </summary>
    public static IHostApplicationBuilder AddBroadcasts(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<BroadcastsOptions>().BindConfiguration(BroadcastsOptions.Section)
            .Validate(o => o.ApprovalThreshold >= 1, "Broadcasts:ApprovalThreshold must be at least 1.")
            .Validate(o => o.SendMode is BroadcastsOptions.PerUserMode or BroadcastsOptions.BatchMode, "Broadcasts:SendMode must be PerUser or Batch.")
            .Validate(o => o.MaxParallelSendsPerTenant is >= 1 and <= 256, "Broadcasts:MaxParallelSendsPerTenant must be between 1 and 256.")
            .Validate(o => o.ClaimLease >= TimeSpan.FromSeconds(10), "Broadcasts:ClaimLease must be at least 00:00:10.")
            .Validate(o => o.PollInterval >= TimeSpan.FromMilliseconds(100), "Broadcasts:PollInterval must be at least 00:00:00.1.")
            .Validate(o => o.StatusCardInterval >= TimeSpan.FromSeconds(1), "Broadcasts:StatusCardInterval must be at least 00:00:01.")
            .Validate(o => o.MaxAttempts is >= 1 and <= 10, "Broadcasts:MaxAttempts must be between 1 and 10.")
            .Validate(o => o.BatchSize is >= 1 and <= 100, "Broadcasts:BatchSize must be between 1 and 100.")
            .Validate(o => string.IsNullOrWhiteSpace(o.ServiceUrl) || Uri.TryCreate(o.ServiceUrl, UriKind.Absolute, out _), "Broadcasts:ServiceUrl must be an absolute URL.")
            .Validate(o => !o.InstallForMissingUsers || !string.IsNullOrWhiteSpace(o.TeamsAppCatalogId),
                "Broadcasts:TeamsAppCatalogId is required with Broadcasts:InstallForMissingUsers (the app's id in the Teams app catalog).")
            .Validate(o => !o.VerifyUnknownDeliveries || !string.IsNullOrWhiteSpace(o.TeamsAppCatalogId) && GraphOptions.HasCredentials(builder.Configuration),
                "Broadcasts:VerifyUnknownDeliveries needs Graph:* credentials and Broadcasts:TeamsAppCatalogId (it reads the recipient's chat through Microsoft Graph).")
            .Validate(o => !o.InstallForMissingUsers || string.Equals(builder.Configuration[$"{DirectoryOptions.Section}:Source"], DirectoryOptions.SourceGraph, StringComparison.OrdinalIgnoreCase),
                "Broadcasts:InstallForMissingUsers needs Directory:Source=Graph (installs go through Microsoft Graph).")
            .ValidateOnStart();
        // A send may take the connector's whole total timeout (twice with an install): a shorter lease would let another
        // replica take a row whose request is still running.
        services.AddOptions<BroadcastsOptions>().Validate<IOptions<ConnectorResilienceOptions>>(
            (o, connector) => o.ClaimLease > connector.Value.TotalTimeout * 2,
            "Broadcasts:ClaimLease must be more than twice Connector:TotalTimeout (a send may last that long).");
        // The configured serviceUrl is the operator's: trusted like Bot:ServiceUrls.
        services.PostConfigure<BotOptions>(bot =>
        {
            var configured = builder.Configuration[$"{BroadcastsOptions.Section}:{nameof(BroadcastsOptions.ServiceUrl)}"];
            if (!string.IsNullOrWhiteSpace(configured) && !bot.ServiceUrls.Contains(configured)) bot.ServiceUrls.Add(configured);
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddCardLibrary();
        services.AddSingleton<DeliveryLedger>();
        services.AddSingleton<BroadcastCards>();
        services.AddSingleton<BroadcastSignal>();
        services.AddSingleton<CampaignService>();
        services.AddSingleton<ApprovalRequests>();
        services.AddSingleton<RecipientSender>();
        services.AddSingleton<IAppInstaller, GraphAppInstaller>();
        if (builder.Configuration.GetValue<bool>($"{BroadcastsOptions.Section}:{nameof(BroadcastsOptions.VerifyUnknownDeliveries)}"))
            services.AddSingleton<IDeliveryVerifier, GraphDeliveryVerifier>();
        services.AddSingleton<BroadcastWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<BroadcastWorker>());
        services.AddOneTimeJob<CampaignStartJob>();

        services.AddBotRoutes(routes => routes
            .OnCommand<BroadcastCommandHandler>(BroadcastCommandHandler.Command).RequireRole(Roles.Coach)
            .OnCardAction<ComposerHandler, ComposerInput>(CardVerbs.BroadcastPreview, CardVerbs.BroadcastSend).RequireRole(Roles.Coach)
            .OnCardAction<EditHandler, CampaignActionData>(CardVerbs.BroadcastEdit).RequireRole(Roles.Coach)
            .OnCardAction<CampaignActionHandler, CampaignActionData>(CardVerbs.BroadcastConfirm, CardVerbs.CampaignCancel, CardVerbs.CampaignResendFailed,
                CardVerbs.CampaignRecall, CardVerbs.CampaignRefresh).RequireRole(Roles.Coach)
            .OnCardAction<ApproveHandler, CampaignActionData>(CardVerbs.BroadcastApprove).RequireRole(Roles.Coach)
            .OnCardAction<AckHandler, AckData>(CardVerbs.BroadcastAck)
            .OnEvent<ReadReceiptHandler>(ReadReceiptHandler.EventName));
        return builder;
    }
}
