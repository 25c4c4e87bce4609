using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using TeamsBot.Cards;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Storage.Jobs;

namespace TeamsBot.Research;

public static class ResearchExtensions
{
    /// <summary>
    /// Deep research inside each agency's window: <c>research &lt;question&gt;</c>, the stepwise durable run (Offline or
    /// Iterative provider), Cancel, delivery with citations and the Word document through Teams file consent, retention.
    /// </summary>
    public static IHostApplicationBuilder AddResearch(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ResearchOptions>().BindConfiguration(ResearchOptions.Section)
            .Validate(o => o.PerUserPerDay is >= 1 and <= 100, "Research:PerUserPerDay must be between 1 and 100.")
            .Validate(o => o.MaxDuration >= TimeSpan.FromMinutes(1) && o.MaxDuration <= TimeSpan.FromHours(4), "Research:MaxDuration must be between 00:01:00 and 04:00:00.")
            .Validate(o => o.PerAgencyConcurrency is >= 1 and <= 10_000, "Research:PerAgencyConcurrency must be between 1 and 10000.")
            .Validate(o => o.Retention >= TimeSpan.FromHours(1), "Research:Retention must be at least 01:00:00.")
            .Validate(o => o.MaxSubQuestions is >= 1 and <= 12 && o.PassagesPerSubQuestion is >= 1 and <= 10, "Research:MaxSubQuestions must be 1–12 and Research:PassagesPerSubQuestion 1–10.")
            .Validate(o => Enum.IsDefined(o.Provider), "Research:Provider must be Offline, Iterative or Responses.")
            .Validate(o => o.PollInterval >= TimeSpan.FromMilliseconds(100), "Research:PollInterval must be at least 00:00:00.1.")
            .Validate(o => o.MaxToolCalls is >= 1 and <= 1_000, "Research:MaxToolCalls must be between 1 and 1000.")
            .Validate(o => !o.VerifyUnknownDeliveries || !string.IsNullOrWhiteSpace(o.TeamsAppCatalogId) && TeamsBot.Agencies.GraphOptions.HasCredentials(builder.Configuration),
                "Research:VerifyUnknownDeliveries needs Graph:* credentials and the app's catalog id (Research:TeamsAppCatalogId, or Broadcasts:TeamsAppCatalogId): it reads the person's chat through Microsoft Graph.")
            .ValidateOnStart();
        // One app, one catalog id: the broadcasts' unless research names its own.
        services.AddOptions<ResearchOptions>().PostConfigure<IOptions<TeamsBot.Broadcasts.BroadcastsOptions>>((o, broadcasts) =>
        {
            if (string.IsNullOrWhiteSpace(o.TeamsAppCatalogId)) o.TeamsAppCatalogId = broadcasts.Value.TeamsAppCatalogId;
        });
        services.AddSingleton<OfflineResearch>();
        services.AddSingleton<IterativeResearch>();
        services.AddAzureCredentials();
        services.AddSingleton<ResponsesResearch>();
        // Creating a background response is not idempotent: never retried (a retry could start and bill a second research).
        services.AddHttpClient(ResponsesResearch.HttpClientName, c => c.Timeout = TimeSpan.FromMinutes(2)).AddStandardResilienceHandler(r => r.Retry.DisableForUnsafeHttpMethods());
        services.AddSingleton<ResearchService>();
        services.AddSingleton<TeamsBot.Answers.IAnswerFollowUp, ResearchFollowUp>();
        // No redirects: the document goes to the allowed host Teams named, nowhere it might point on to.
        services.AddHttpClient(ResearchService.UploadClient, c => c.Timeout = TimeSpan.FromMinutes(2))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false }).AddStandardResilienceHandler();
        services.AddOneTimeJob<ResearchRunJob>();
        services.AddRecurringJob<ResearchResumeJob>("research.resume", "Schedules again research runs that ended on an error or were never scheduled",
            _ => JobSchedule.Every(TimeSpan.FromMinutes(1)));
        services.AddRecurringJob<ResearchCleanupJob>("research.cleanup", "Deletes research questions and reports after Research:Retention",
            _ => JobSchedule.Every(TimeSpan.FromHours(6)));
        services.AddBotRoutes(routes => routes
            .OnCommand<ResearchCommandHandler>(ResearchCommandHandler.Command)
            .OnCardAction<ResearchCancelHandler, ResearchCancelData>(CardVerbs.ResearchCancel)
            .OnInvoke<ResearchFileConsentHandler, FileConsentCardResponse>(FileConsent.InvokeName));
        return builder;
    }
}
