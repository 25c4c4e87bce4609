using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using Azure.AI.OpenAI;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using OpenAI;
using Polly;

namespace TeamsBot.Answers;

/// <summary>
/// The configured enterprise model as a <see cref="IChatClient"/> (null when <c>Model:Provider</c> is Offline).
/// Every provider goes through the official SDKs over the named HttpClient <see cref="HttpClientName"/>, whose
/// resilience pipeline (attempt timeout, retries on 429/5xx honouring Retry-After, circuit breaker) replaces the SDK's own retries.
/// </summary>
public sealed class ModelClient
{
    public const string HttpClientName = "answers-model";
    private readonly Lazy<IChatClient?> _client;

    public ModelClient(IOptions<ModelOptions> options, IHttpClientFactory httpClients, AzureCredentialFactory credentials)
    {
        var o = options.Value;
        _client = new Lazy<IChatClient?>(() => Create(o, httpClients.CreateClient(HttpClientName), TokenCredentialFor(o, credentials)));
        Options = o;
    }

    /// <summary>For tests and benchmarks: a given client (e.g. one that never ends) instead of an SDK client.</summary>
    internal ModelClient(IChatClient? client, ModelOptions options)
    {
        _client = new Lazy<IChatClient?>(client);
        Options = options;
    }

    public ModelOptions Options { get; }

    public IChatClient? Client => _client.Value;

    /// <summary>The Entra ID credential for <c>Model:Credential=ManagedIdentity|WorkloadIdentity</c>; null for keys.</summary>
    internal static TokenCredential? TokenCredentialFor(ModelOptions o, AzureCredentialFactory credentials) =>
        o.Credential.ToUpperInvariant() switch
        {
            "MANAGEDIDENTITY" => credentials.ManagedIdentity(o.ManagedIdentityClientId),
            "WORKLOADIDENTITY" => credentials.WorkloadIdentity(o.ManagedIdentityClientId, null,
                o.IsAzureGovernment ? AzureAuthorityHosts.AzureGovernment : AzureAuthorityHosts.AzurePublicCloud),
            _ => null,
        };

    /// <summary>Token audience of an Azure OpenAI resource: Azure Government for <c>*.azure.us</c> endpoints, else the public cloud.</summary>
    internal static AzureOpenAIAudience AudienceFor(ModelOptions o) =>
        o.IsAzureGovernment ? AzureOpenAIAudience.AzureGovernment : AzureOpenAIAudience.AzurePublicCloud;

    internal static IChatClient? Create(ModelOptions o, HttpClient http, TokenCredential? tokenCredential = null)
    {
        if (o.IsOffline) return null;
        var transport = new HttpClientPipelineTransport(http);
        var retry = new ClientRetryPolicy(maxRetries: 0);
        var key = new ApiKeyCredential(string.IsNullOrWhiteSpace(o.ApiKey) ? "unused" : o.ApiKey);
        var name = o.Name!;
        switch (o.Provider.ToUpperInvariant())
        {
            case "AZUREOPENAI":
            {
                var azureOptions = new AzureOpenAIClientOptions { Transport = transport, RetryPolicy = retry, NetworkTimeout = o.IdleTimeout, Audience = AudienceFor(o) };
                var azure = tokenCredential is null
                    ? new AzureOpenAIClient(new Uri(o.Endpoint!), key, azureOptions)
                    : new AzureOpenAIClient(new Uri(o.Endpoint!), tokenCredential, azureOptions);
                return azure.GetChatClient(name).AsIChatClient();
            }
            default:
            {
                var options = new OpenAIClientOptions { Transport = transport, RetryPolicy = retry, NetworkTimeout = o.IdleTimeout };
                if (!string.IsNullOrWhiteSpace(o.Endpoint)) options.Endpoint = new Uri(o.Endpoint);
                return new OpenAIClient(key, options).GetChatClient(name).AsIChatClient();
            }
        }
    }

    /// <summary>Outer to inner: retry (429/408/5xx, network errors, timeouts; Retry-After honoured up to a limit), circuit breaker, attempt timeout.</summary>
    internal static void ConfigureResilience(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, ModelOptions o, IModelCircuit? shared = null)
    {
        if (o.MaxRetries > 0)
        {
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = o.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.RetryBaseDelay,
                MaxDelay = o.MaxRetryAfter,
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome) && !IsOverQuota(args.Outcome, o.MaxRetryAfter)),
            });
        }
        pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = o.BreakerFailureRatio,
            MinimumThroughput = Math.Max(o.BreakerMinimumThroughput, 2),
            SamplingDuration = TimeSpan.FromSeconds(60),
            BreakDuration = o.BreakDuration,
            // Other replicas learn of the outage from the shared circuit and answer offline without trying.
            OnOpened = args => shared?.OpenAsync(args.BreakDuration, CancellationToken.None) ?? ValueTask.CompletedTask,
        });
        pipeline.AddTimeout(o.Timeout);
    }

    internal static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or Polly.Timeout.TimeoutRejectedException } => true,
        { Result: { } r } => r.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)r.StatusCode >= 500,
        _ => false,
    };

    /// <summary>A 429 asking to wait longer than we can keep the user waiting: give up now (quota exhausted).</summary>
    internal static bool IsOverQuota(Outcome<HttpResponseMessage> outcome, TimeSpan limit)
    {
        if (outcome.Result is not { StatusCode: HttpStatusCode.TooManyRequests } r) return false;
        var retryAfter = r.Headers.RetryAfter;
        if (retryAfter is null) return false;
        var delay = retryAfter.Delta ?? (retryAfter.Date - DateTimeOffset.UtcNow) ?? TimeSpan.Zero;
        return delay > limit;
    }
}
