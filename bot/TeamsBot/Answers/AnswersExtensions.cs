using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TeamsBot.Agencies;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Storage;
using TeamsBot.Storage.Jobs;

namespace TeamsBot.Answers;

public static class AnswersExtensions
{
    /// <summary>Questions and answers: model client, knowledge, guard, memory, feedback, routes.</summary>
    public static IHostApplicationBuilder AddAnswers(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ModelOptions>().BindConfiguration(ModelOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModelOptions>, ModelOptionsValidator>();
        services.AddAzureCredentials();
        services.AddOptions<KnowledgeOptions>().BindConfiguration(KnowledgeOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.Path), "Knowledge:Path must not be empty.")
            .Validate(o => o.MaxPassages is >= 1 and <= 10, "Knowledge:MaxPassages must be between 1 and 10.")
            .Validate(o => string.IsNullOrWhiteSpace(o.BaseUrl) || Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out _), "Knowledge:BaseUrl must be an absolute URL.")
            .ValidateOnStart();
        services.AddOptions<AnswersOptions>().BindConfiguration(AnswersOptions.Section)
            .Validate(o => o.QuestionsPerWindow >= 1, "Answers:QuestionsPerWindow must be at least 1.")
            .Validate(o => o.RateLimitWindow > TimeSpan.Zero, "Answers:RateLimitWindow must be positive.")
            .Validate(o => o.MemoryTokenBudget >= 0, "Answers:MemoryTokenBudget must not be negative.")
            .Validate(o => o.MemoryRetention > TimeSpan.Zero, "Answers:MemoryRetention must be positive.")
            .Validate(o => o.CleanupInterval > TimeSpan.Zero, "Answers:CleanupInterval must be positive.")
            .Validate(o => o.BlockedPatterns.All(AnswersOptions.IsValidRegex), "Answers:BlockedPatterns contains an invalid regular expression.")
            .ValidateOnStart();

        // Outer to inner: the circuit replicas share, then this replica's retries, breaker and attempt timeout.
        services.AddTransient<SharedModelCircuitHandler>();
        services.AddHttpClient(ModelClient.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler<SharedModelCircuitHandler>()
            .AddResilienceHandler("model", (pipeline, context) => ModelClient.ConfigureResilience(pipeline,
                context.ServiceProvider.GetRequiredService<IOptions<ModelOptions>>().Value, context.ServiceProvider.GetRequiredService<IModelCircuit>()));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ModelClient>();
        services.AddSingleton<KnowledgeBase>();
        services.AddSingleton<ContentGuard>();
        services.AddSingleton<AnswersTelemetry>();
        if (StorageExtensions.IsPostgres(builder.Configuration))
        {
            services.AddSingleton<IFairUseLimiter, PostgresFairUseLimiter>();
            services.AddSingleton<IModelCircuit, PostgresModelCircuit>();
            services.AddRecurringJob<FairUseCleanupJob>("answers.fair-use-cleanup", "Forgets fair-use counters of users idle for two windows",
                _ => JobSchedule.Every(TimeSpan.FromHours(1)));
        }
        else
        {
            services.AddSingleton<IFairUseLimiter, UserRateLimiter>();
            services.AddSingleton<IModelCircuit, LocalModelCircuit>();
        }
        services.AddSingleton<ConversationMemory>();
        services.AddSingleton<AnswerFeedbackReport>();
        // The directory slice, when composed, tells the user's agency; otherwise answers carry no agency context.
        services.TryAddSingleton<IAnswerContextProvider>(sp =>
            sp.GetService<IAgencyDirectory>() is not null && sp.GetService<IAgencyRegistry>() is not null
                ? ActivatorUtilities.CreateInstance<DirectoryAnswerContextProvider>(sp)
                : new NoAgencyContextProvider());
        services.AddHostedService<KnowledgeWarmup>();
        services.AddRecurringJob<MemoryCleanupJob>(MemoryCleanupJob.Name, "Deletes conversation memory older than Answers:MemoryRetention",
            sp => JobSchedule.Every(sp.GetRequiredService<IOptions<AnswersOptions>>().Value.CleanupInterval));

        // "reset" must be the whole message: "reset my PIV PIN" is a question.
        services.AddBotRoutes(routes => routes
            .OnExactText<ResetHandler>(ResetHandler.Commands)
            .OnInvoke<FeedbackHandler, MessageSubmitActionValue>(InvokeNames.MessageSubmitAction)
            .OnMessage<AnswerHandler>());
        return builder;
    }
}

/// <summary>Builds the knowledge index at startup so the first question is fast.</summary>
internal sealed class KnowledgeWarmup(KnowledgeBase knowledge) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.Run(knowledge.Warm, cancellationToken);
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>One clear line per problem with <c>Model:*</c>.</summary>
internal sealed class ModelOptionsValidator(IOptions<WorkloadIdentityOptions> workload) : IValidateOptions<ModelOptions>
{
    public ModelOptionsValidator() : this(Microsoft.Extensions.Options.Options.Create(new WorkloadIdentityOptions())) { }

    public ValidateOptionsResult Validate(string? name, ModelOptions o)
    {
        var failures = new List<string>();
        string[] providers = [ModelOptions.Offline, ModelOptions.OpenAI, ModelOptions.AzureOpenAI, ModelOptions.Compatible];
        var provider = providers.FirstOrDefault(p => string.Equals(p, o.Provider, StringComparison.OrdinalIgnoreCase));
        if (provider is null)
        {
            failures.Add($"Model:Provider '{o.Provider}' is unknown: use Offline, OpenAI, AzureOpenAI or Compatible.");
            return ValidateOptionsResult.Fail(failures);
        }
        if (provider == ModelOptions.Offline) return ValidateOptionsResult.Success;

        if (string.IsNullOrWhiteSpace(o.Name))
            failures.Add($"Model:Name is required for Model:Provider={provider} (the {(provider == ModelOptions.AzureOpenAI ? "deployment" : "model")} name).");
        string[] credentials = [ModelOptions.KeyCredential, KeylessCredential.ManagedIdentity, KeylessCredential.WorkloadIdentity];
        var credential = credentials.FirstOrDefault(c => string.Equals(c, o.Credential, StringComparison.OrdinalIgnoreCase));
        if (credential is null)
            failures.Add($"Model:Credential '{o.Credential}' is unknown: use Key, ManagedIdentity or WorkloadIdentity.");
        else if (credential == ModelOptions.KeyCredential)
        {
            if (provider is ModelOptions.OpenAI or ModelOptions.AzureOpenAI && string.IsNullOrWhiteSpace(o.ApiKey))
                failures.Add($"Model:ApiKey is required for Model:Provider={provider}" +
                    (provider == ModelOptions.AzureOpenAI ? " (or set Model:Credential=ManagedIdentity or WorkloadIdentity)." : "."));
            if (!string.IsNullOrWhiteSpace(o.ManagedIdentityClientId))
                failures.Add("Model:ManagedIdentityClientId is used only with Model:Credential=ManagedIdentity or WorkloadIdentity.");
        }
        else if (provider != ModelOptions.AzureOpenAI)
            failures.Add($"Model:Credential={credential} works only with Model:Provider=AzureOpenAI; {provider} needs Model:Credential=Key.");
        else
        {
            if (!string.IsNullOrWhiteSpace(o.ApiKey))
                failures.Add($"Model:ApiKey must be empty with Model:Credential={credential} (keyless: remove the key).");
            if (credential == KeylessCredential.WorkloadIdentity)
                failures.AddRange(workload.Value.Problems("Model:Credential", o.ManagedIdentityClientId ?? workload.Value.ClientId,
                    "AZURE_CLIENT_ID or Model:ManagedIdentityClientId", workload.Value.TenantId, "AZURE_TENANT_ID"));
        }
        if (provider is ModelOptions.AzureOpenAI or ModelOptions.Compatible && string.IsNullOrWhiteSpace(o.Endpoint))
            failures.Add($"Model:Endpoint is required for Model:Provider={provider}.");
        if (!string.IsNullOrWhiteSpace(o.Endpoint))
        {
            if (!Uri.TryCreate(o.Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                failures.Add($"Model:Endpoint '{o.Endpoint}' is not an absolute http(s) URL.");
            else if (uri.Scheme == "http" && !uri.IsLoopback)
                failures.Add("Model:Endpoint must use https (plain http is allowed only on loopback).");
        }
        if (o.Timeout <= TimeSpan.Zero || o.IdleTimeout <= TimeSpan.Zero) failures.Add("Model:Timeout and Model:IdleTimeout must be positive.");
        if (o.MaxRetries is < 0 or > 10) failures.Add("Model:MaxRetries must be between 0 and 10.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
