using TeamsBot.Security;

namespace TeamsBot.Storage.Jobs;

/// <summary><c>/api/jobs</c> (admins): the recurring jobs with their next and last run, and "run now".</summary>
public static class JobsApi
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder endpoints)
    {
        var admins = endpoints.MapApiGroup("/api/jobs", ApiPolicies.Admin);
        admins.MapGet("/", async (IDurableJobs jobs, CancellationToken cancellationToken) => Results.Json(await jobs.ListAsync(cancellationToken), ApiRoutes.Json));
        admins.MapPost("/{name}/run", async (string name, IDurableJobs jobs, CancellationToken cancellationToken) =>
            await jobs.RunNowAsync(name, cancellationToken)
                ? Results.Accepted()
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such job.", detail: $"There is no recurring job '{name}'."));
        return endpoints;
    }
}
