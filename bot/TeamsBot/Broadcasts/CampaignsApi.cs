using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using TeamsBot.Security;

namespace TeamsBot.Broadcasts;

/// <summary>
/// <c>/api/campaigns</c> (policy Coach): create, send, approve, cancel, resend to failed, recall, status, recipients CSV and
/// per-agency summary. Errors are RFC 7807 problems; a 400 names each bad field.
/// </summary>
public static class CampaignsApi
{
    public static IEndpointRouteBuilder MapCampaignsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapApiGroup("/api/campaigns", ApiPolicies.Coach);
        api.MapPost("/", CreateAsync);
        api.MapGet("/", ListAsync);
        api.MapGet("/{id}", GetAsync);
        api.MapPost("/{id}/send", (string id, HttpContext http, CampaignService s, ApprovalRequests approvals, CancellationToken ct) => SendAsync(id, http, s, approvals, ct));
        api.MapPost("/{id}/approve", (string id, HttpContext http, CampaignService s, CancellationToken ct) => Lifecycle(s.ApproveAsync(id, CallerOf(http), ct)));
        api.MapPost("/{id}/cancel", (string id, CampaignService s, CancellationToken ct) => Lifecycle(s.CancelAsync(id, ct)));
        api.MapPost("/{id}/resend-failed", (string id, CampaignService s, CancellationToken ct) => Lifecycle(s.ResendFailedAsync(id, ct)));
        api.MapPost("/{id}/recall", (string id, CampaignService s, CancellationToken ct) => Lifecycle(s.RecallAsync(id, ct)));
        api.MapGet("/{id}/recipients.csv", RecipientsCsvAsync);
        api.MapGet("/{id}/summary", SummaryAsync);
        return endpoints;
    }

    /// <summary>The token's subject: its user (oid), or the calling application for app-only tokens.</summary>
    internal static CampaignCaller CallerOf(HttpContext http) => new(
        http.User.FindFirst("oid")?.Value ?? http.User.FindFirst("azp")?.Value ?? http.User.FindFirst("appid")?.Value ?? "unknown",
        http.User.FindFirst("name")?.Value, http.User.FindFirst("tid")?.Value);

    private static async Task<IResult> CreateAsync(HttpContext http, CampaignService campaigns, IOptions<BroadcastsOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiRoutes.ReadJsonAsync<CampaignDefinition>(http.Request, cancellationToken);
        if (problem is not null) return problem;
        var problems = CampaignValidation.Problems(body!, options.Value, time.GetUtcNow());
        if (problems.Count > 0) return ApiRoutes.Invalid(problems);
        var campaign = await campaigns.CreateAsync(body!, CallerOf(http), cancellationToken);
        return new CreatedAt($"/api/campaigns/{campaign.Id}",
            Results.Json(CampaignService.View(campaign, LedgerCounts.Empty), ApiRoutes.Json, statusCode: StatusCodes.Status201Created));
    }

    private static async Task<IResult> ListAsync(CampaignService campaigns, DeliveryLedger ledger, CancellationToken cancellationToken)
    {
        var list = await campaigns.ListAsync(200, cancellationToken);
        var views = new List<CampaignView>(list.Count);
        foreach (var c in list) views.Add(await campaigns.ViewAsync(c, cancellationToken));
        return Results.Json(views, ApiRoutes.Json);
    }

    private static async Task<IResult> GetAsync(string id, CampaignService campaigns, CancellationToken cancellationToken) =>
        await campaigns.FindAsync(id, cancellationToken) is { } c ? Results.Json(await campaigns.ViewAsync(c, cancellationToken), ApiRoutes.Json) : NotFound();

    private static async Task<IResult> SendAsync(string id, HttpContext http, CampaignService campaigns, ApprovalRequests approvals, CancellationToken cancellationToken)
    {
        var result = await campaigns.RequestSendAsync(id, CallerOf(http), cancellationToken);
        if (result.Campaign is { Status: CampaignStatus.AwaitingApproval } waiting)
        {
            await approvals.NotifyApproversAsync(waiting, cancellationToken);
            return Results.Json(new { status = CampaignStatus.AwaitingApproval, recipients = waiting.EstimatedRecipients }, ApiRoutes.Json, statusCode: StatusCodes.Status409Conflict);
        }
        return await Lifecycle(Task.FromResult(result));
    }

    private static async Task<IResult> Lifecycle(Task<CampaignResult> operation)
    {
        var result = await operation;
        if (result.Ok) return Results.Json(new { id = result.Campaign!.Id, status = result.Campaign.Status }, ApiRoutes.Json, statusCode: StatusCodes.Status202Accepted);
        return result.Status == 404 ? NotFound() : Results.Problem(statusCode: result.Status, title: result.Reason,
            extensions: result.Campaign is null ? null : new Dictionary<string, object?> { ["status"] = result.Campaign.Status });
    }

    private static IResult NotFound() => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such campaign.");

    private static async Task RecipientsCsvAsync(string id, HttpContext http, CampaignService campaigns, DeliveryLedger ledger, CancellationToken cancellationToken)
    {
        if (await campaigns.FindAsync(id, cancellationToken) is null)
        {
            await NotFound().ExecuteAsync(http);
            return;
        }
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"campaign-{id}-recipients.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), 64 * 1024);
        await writer.WriteLineAsync("userPrincipalName,aadObjectId,agency,status,sentAt,readAt,acknowledgedAt,error");
        await foreach (var d in ledger.ReadAllAsync(id, cancellationToken))
        {
            await writer.WriteLineAsync(string.Join(',', Csv(d.UserPrincipalName), Csv(d.ObjectId), Csv(d.AgencyId), StatusName(d.State),
                Time(d.SentAt), Time(d.ReadAt), Time(d.AcknowledgedAt), Csv(d.Error)));
        }
    }

    private static async Task<IResult> SummaryAsync(string id, CampaignService campaigns, DeliveryLedger ledger, CancellationToken cancellationToken)
    {
        var c = await campaigns.FindAsync(id, cancellationToken);
        if (c is null) return NotFound();
        var byAgency = await ledger.CountsAsync(id, byAgency: true, cancellationToken);
        return Results.Json(new
        {
            id,
            agencies = byAgency.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new { agency = kv.Key, counts = CampaignCountsView.From(kv.Value, 0) }),
        }, ApiRoutes.Json);
    }

    public static string StatusName(DeliveryState state) => state switch
    {
        DeliveryState.Queued or DeliveryState.InFlight => "queued",
        DeliveryState.Sent => "sent",
        DeliveryState.Failed => "failed",
        DeliveryState.NotInstalled => "notInstalled",
        DeliveryState.Blocked => "blocked",
        _ => "notFound",
    };

    private static string Time(DateTimeOffset? at) => at?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    /// <summary>RFC 4180 quoting; a leading = + - @ is neutralised so spreadsheets never run a cell as a formula.</summary>
    internal static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>201 with a Location header around another result.</summary>
    private sealed class CreatedAt(string location, IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
