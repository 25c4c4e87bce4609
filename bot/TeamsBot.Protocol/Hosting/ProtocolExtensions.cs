using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;
using Microsoft.AspNetCore.Authentication;
using TeamsBot.Protocol.Auth;
using TeamsBot.Protocol.Connector;
using TeamsBot.Protocol.Telemetry;

namespace TeamsBot.Protocol.Hosting;

/// <summary>Retry and timeout settings of connector calls (<c>Connector:*</c>).</summary>
public sealed class ConnectorResilienceOptions
{
    public const string Section = "Connector";
    public int MaxRetries { get; set; } = 4;
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(60);
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Upper bound of one call including retries and Retry-After waits.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The app's request budget in each tenant (Microsoft's current figure; older documents said 30).</summary>
    public double TenantRequestsPerSecond { get; set; } = 50;

    /// <summary>
    /// The share of <see cref="TenantRequestsPerSecond"/> left unused. Requests leave evenly spaced but reach Teams with some
    /// jitter (client and network scheduling), and a strict per-second count would see a stream exactly at the limit cross it
    /// now and then; each such 429 blocks the tenant for its <c>Retry-After</c>.
    /// </summary>
    public double TenantHeadroom { get; set; } = 0.03;

    /// <summary>The rate the budget aims at: <see cref="TenantRequestsPerSecond"/> less <see cref="TenantHeadroom"/>.</summary>
    public double BudgetPerSecond => TenantRequestsPerSecond * (1 - TenantHeadroom);

    /// <summary>The lowest rate repeated 429s can push a tenant to.</summary>
    public double TenantMinRequestsPerSecond { get; set; } = 1;

    /// <summary>
    /// What a 429 leaves of a tenant's rate (at most once a second). The ceiling is known (the platform's figure), so a 429
    /// mostly means arrival jitter at the edge of it, not a capacity a tenth as large: a gentle cut, not a halving.
    /// </summary>
    public double TenantRateDecrease { get; set; } = 0.75;

    /// <summary>After a 429 lowered a tenant's rate, it climbs back by this many requests per second, every second (default: a tenth of <see cref="BudgetPerSecond"/>).</summary>
    public double? TenantRateRecoveryPerSecond { get; set; }

    /// <summary><see cref="TenantRateRecoveryPerSecond"/> or its default.</summary>
    public double RecoveryPerSecond => TenantRateRecoveryPerSecond ?? BudgetPerSecond / 10;
}

public static class ProtocolExtensions
{
    public const string MessagesPath = "/api/messages";

    /// <summary>Registers the Bot Framework protocol: inbound auth, connector client, router, turn queue.</summary>
    public static IHostApplicationBuilder AddTeamsBotProtocol(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<BotOptions>()
            .BindConfiguration(BotOptions.Section)
            .Configure<IConfiguration>((o, config) =>
            {
                // Lists may also be given as one comma-separated value (Bot__AllowedTenants=id1,id2).
                o.AllowedTenants = ReadList(config.GetSection($"{BotOptions.Section}:AllowedTenants"));
                o.ServiceUrls = ReadList(config.GetSection($"{BotOptions.Section}:ServiceUrls"));
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<BotOptions>, BotOptionsValidator>();
        services.AddOptions<ConnectorResilienceOptions>().BindConfiguration(ConnectorResilienceOptions.Section)
            .Validate(o => o.MaxRetries is >= 0 and <= 10, "Connector:MaxRetries must be between 0 and 10.")
            .Validate(o => o.TenantRequestsPerSecond is >= 0.1 and <= 10_000, "Connector:TenantRequestsPerSecond must be between 0.1 and 10000.")
            .Validate(o => o.TenantMinRequestsPerSecond > 0 && o.TenantMinRequestsPerSecond <= o.BudgetPerSecond,
                "Connector:TenantMinRequestsPerSecond must be positive and at most Connector:TenantRequestsPerSecond less Connector:TenantHeadroom.")
            .Validate(o => o.TenantRateRecoveryPerSecond is null or > 0, "Connector:TenantRateRecoveryPerSecond must be positive.")
            .Validate(o => o.TenantHeadroom is >= 0 and <= 0.5, "Connector:TenantHeadroom must be between 0 and 0.5.")
            .Validate(o => o.TenantRateDecrease is > 0 and < 1, "Connector:TenantRateDecrease must be between 0 and 1 (exclusive).")
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton<BotTelemetry>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(nameof(OpenIdKeyStore), c => c.Timeout = TimeSpan.FromSeconds(15))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        services.AddHttpClient(nameof(MsalConnectorTokenProvider));
        services.AddSingleton<ChannelTokenValidator>();
        // The channel's JWT as an authentication scheme that /api/messages authenticates with. It must never become the
        // default scheme (ASP.NET Core makes a lone scheme the default): health probes and other routes would then run
        // channel token validation, and log each as a rejected activity.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddTransient<BotFrameworkAuthenticationHandler>(); // resolved per request without reflection
        services.AddAuthentication(o => o.AddScheme<BotFrameworkAuthenticationHandler>(BotClaims.Scheme, "Bot Framework channel"));
        services.TryAddSingleton<IConnectorTokenProvider, MsalConnectorTokenProvider>();
        services.AddSingleton<TrustedServiceUrls>();
        services.AddSingleton<ConversationPacer>();
        services.AddTransient<ConversationPacingHandler>();
        services.AddTransient<ConnectorAuthHandler>();
        services.TryAddSingleton<ITenantBudgetStore, InMemoryTenantBudgetStore>();
        services.AddSingleton<TenantSendBudget>();
        services.AddTransient<TenantBudgetHandler>();
        services.AddTransient<ConnectorTelemetryHandler>();
        var connectorClient = services.AddHttpClient<IConnectorClient, ConnectorClient>(c => c.Timeout = Timeout.InfiniteTimeSpan)
            // Teams serviceUrls sit behind Traffic Manager: recycle connections so DNS changes are seen.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
        // Outer to inner: retries (each attempt is paced, budgeted and gets a token), conversation pacing, tenant budget, token, telemetry.
        connectorClient.AddResilienceHandler("connector", (pipeline, context) =>
            {
                var o = context.ServiceProvider.GetRequiredService<IOptions<ConnectorResilienceOptions>>().Value;
                var telemetry = context.ServiceProvider.GetRequiredService<BotTelemetry>();
                pipeline.AddTimeout(o.TotalTimeout);
                if (o.MaxRetries > 0) pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = o.MaxRetries,
                    ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = o.BaseDelay,
                    MaxDelay = o.MaxDelay,
                    // Retry-After is honoured but bounded: a huge value must not stall a conversation for hours.
                    ShouldRetryAfterHeader = false,
                    DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome) is { } wait ? (TimeSpan?)(wait > o.MaxDelay ? o.MaxDelay : wait) : null),
                    OnRetry = args =>
                    {
                        telemetry.ConnectorRetries.Add(1, new KeyValuePair<string, object?>("status", args.Outcome.Result is { } r ? BotTelemetry.Status((int)r.StatusCode) : "network_error"));
                        return ValueTask.CompletedTask;
                    },
                });
                pipeline.AddTimeout(o.AttemptTimeout);
            });
        connectorClient.AddHttpMessageHandler<ConversationPacingHandler>().AddHttpMessageHandler<TenantBudgetHandler>()
            .AddHttpMessageHandler<ConnectorAuthHandler>().AddHttpMessageHandler<ConnectorTelemetryHandler>();
        // The batch API client is a second typed client of the same named HttpClient: same handlers, same pipeline.
        services.AddHttpClient<IConnectorBatchClient, ConnectorBatchClient>(connectorClient.Name);
        services.AddOptions<ConnectorBatchOptions>().BindConfiguration(ConnectorBatchOptions.Section)
            .Validate(o => o.MinPollInterval > TimeSpan.Zero && o.MinPollInterval <= o.MaxPollInterval && o.DefaultPollInterval > TimeSpan.Zero,
                "Connector:Batch:MinPollInterval must be positive and at most MaxPollInterval; DefaultPollInterval must be positive.")
            .ValidateOnStart();

        services.AddBotRoutes(_ => { });
        services.TryAddSingleton<IActivityDeduplicator, InMemoryActivityDeduplicator>();
        services.AddSingleton<TurnQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<TurnQueue>());
        services.AddSingleton<BotEndpoint>();
        return builder;
    }

    /// <summary>Retried: 429, 412, 502, 503, 504, network errors and attempt timeouts.</summary>
    internal static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result.StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.PreconditionFailed or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout } => true,
        _ => false,
    };

    /// <summary>The server's Retry-After (delta seconds or date), if any.</summary>
    internal static TimeSpan? RetryAfter(Outcome<HttpResponseMessage> outcome) => outcome.Result is { } response ? RetryAfter(response) : null;

    internal static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is { } date) return date - DateTimeOffset.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        return null;
    }

    /// <summary>Maps <c>POST /api/messages</c> and warns loudly when running in local development mode.</summary>
    public static IEndpointRouteBuilder MapTeamsBot(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<BotOptions>>().Value;
        if (options.LocalDevelopment)
        {
            endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("TeamsBot")
                .LogWarning("LOCAL DEVELOPMENT MODE: Bot:AppId is empty. /api/messages accepts UNAUTHENTICATED requests from loopback only, "
                            + "and replies only to loopback serviceUrls. Set Bot:AppId and Bot:AppPassword before exposing this bot.");
        }
        endpoints.MapPost(MessagesPath, (HttpContext http, BotEndpoint endpoint) => endpoint.HandleAsync(http))
            .DisableAntiforgery();
        return endpoints;
    }

    private static List<string> ReadList(IConfigurationSection section)
    {
        var values = section.Value is { Length: > 0 } single
            ? single.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetChildren().Select(c => c.Value?.Trim()).OfType<string>().Where(v => v.Length > 0);
        return values.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }
}
