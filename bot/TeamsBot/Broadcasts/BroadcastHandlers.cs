using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TeamsBot.Agencies;
using TeamsBot.Cards;
using TeamsBot.Conversations;
using TeamsBot.Protocol.Activities;
using TeamsBot.Protocol.Hosting;

namespace TeamsBot.Broadcasts;

/// <summary>The composer's inputs as Teams sends them (strings), plus the draft id.</summary>
public sealed record ComposerInput
{
    public string? DraftId { get; init; }
    public string? Kind { get; init; }
    public string? Title { get; init; }
    public string? Body { get; init; }
    public string? ImageUrl { get; init; }
    public string? ImageAltText { get; init; }
    public string? Link1Title { get; init; }
    public string? Link1Url { get; init; }
    public string? Link2Title { get; init; }
    public string? Link2Url { get; init; }
    public string? Link3Title { get; init; }
    public string? Link3Url { get; init; }
    public string? Acknowledge { get; init; }
    public string? AudienceType { get; init; }
    public string? Agencies { get; init; }
    public string? Groups { get; init; }
    public string? TeamId { get; init; }
    public string? Users { get; init; }
    public string? SendDate { get; init; }
    public string? SendTime { get; init; }
}

public sealed record CampaignActionData(string CampaignId);

public sealed record AckData(string BroadcastId);

/// <summary>Turns composer inputs into a campaign definition and back.</summary>
internal static class Composer
{
    private static readonly char[] Separators = [',', ';', '\n', '\r', ' ', '\t'];

    public static IReadOnlyList<string> SplitList(string? text) =>
        (text ?? "").Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>The definition, or the composer field errors (date/time parsing happens here, the rest in <see cref="CampaignValidation"/>).</summary>
    public static (CampaignDefinition Definition, ComposerErrors? Errors) Read(ComposerInput i, Activity activity, BroadcastsOptions options, DateTimeOffset now)
    {
        var links = new[] { (i.Link1Title, i.Link1Url), (i.Link2Title, i.Link2Url), (i.Link3Title, i.Link3Url) }
            .Where(l => !string.IsNullOrWhiteSpace(l.Item1) || !string.IsNullOrWhiteSpace(l.Item2))
            .Select(l => new LinkDefinition(l.Item1?.Trim(), l.Item2?.Trim())).ToList();
        var type = string.IsNullOrWhiteSpace(i.AudienceType) ? "agencies" : i.AudienceType;
        var audience = new CampaignAudience
        {
            Type = type,
            TenantId = type == "tenant" ? activity.TenantId : null,
            Agencies = type == "agencies" ? SplitList(i.Agencies) : null,
            Groups = type == "groups" ? SplitList(i.Groups) : null,
            TeamId = type == "team" ? i.TeamId?.Trim() : null,
            Users = type == "users" ? SplitList(i.Users) : null,
        };
        string? sendAtError = null;
        DateTimeOffset? sendAt = null;
        if (!string.IsNullOrWhiteSpace(i.SendDate) || !string.IsNullOrWhiteSpace(i.SendTime))
        {
            if (!DateOnly.TryParseExact(i.SendDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                || !TimeOnly.TryParseExact(string.IsNullOrWhiteSpace(i.SendTime) ? "09:00" : i.SendTime, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
                sendAtError = "Pick a date (and a time) to schedule, or leave both empty to send now.";
            else sendAt = InUserZone(date.ToDateTime(at), activity);
        }
        var definition = new CampaignDefinition
        {
            Kind = string.IsNullOrWhiteSpace(i.Kind) ? CampaignKinds.Announcement : i.Kind,
            Title = i.Title?.Trim(),
            Body = i.Body,
            ImageUrl = string.IsNullOrWhiteSpace(i.ImageUrl) ? null : i.ImageUrl.Trim(),
            ImageAlt = string.IsNullOrWhiteSpace(i.ImageAltText) ? null : i.ImageAltText.Trim(),
            Links = links,
            Acknowledge = string.Equals(i.Acknowledge, "true", StringComparison.OrdinalIgnoreCase),
            Audience = audience,
            SendAt = sendAt,
        };
        var problems = CampaignValidation.Problems(definition, options, now);
        if (problems.Count == 0 && sendAtError is null) return (definition, null);
        string? Field(params string[] names) => problems.FirstOrDefault(p => names.Any(n => p.Field.StartsWith(n, StringComparison.Ordinal))).Message;
        return (definition, new ComposerErrors(Field("title", "kind"), Field("body"), Field("imageUrl"), Field("imageAlt"), Field("links"),
            Field("audience"), sendAtError ?? Field("sendAt")));
    }

    /// <summary>A wall-clock time in the coach's Teams time zone (the invoke's <c>localTimezone</c>, else its offset, else UTC).</summary>
    private static DateTimeOffset InUserZone(DateTime local, Activity activity)
    {
        if (activity.LocalTimezone is { Length: > 0 } zone && TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var tz))
            return new DateTimeOffset(local, tz.GetUtcOffset(local));
        return new DateTimeOffset(local, activity.LocalTimestamp?.Offset ?? TimeSpan.Zero);
    }

    public static BroadcastComposerCardData Card(string draftId, IReadOnlyList<AudienceOption> agencies, ComposerInput? i = null, ComposerErrors? errors = null, UserText? notice = null) =>
        new(draftId, agencies, i?.Kind ?? CampaignKinds.Announcement, i?.Title ?? "", i?.Body ?? "", i?.ImageUrl ?? "", i?.ImageAltText ?? "",
            [new(i?.Link1Title ?? "", i?.Link1Url ?? ""), new(i?.Link2Title ?? "", i?.Link2Url ?? ""), new(i?.Link3Title ?? "", i?.Link3Url ?? "")],
            string.Equals(i?.Acknowledge, "true", StringComparison.OrdinalIgnoreCase), i?.AudienceType ?? "agencies", i?.Agencies ?? "", i?.Groups ?? "",
            i?.TeamId ?? "", i?.Users ?? "", i?.SendDate ?? "", i?.SendTime ?? "", errors, notice);

    /// <summary>The composer filled from a stored draft (Edit).</summary>
    public static ComposerInput InputOf(Campaign c)
    {
        var a = CampaignService.AudienceOf(c);
        var links = c.LinksJson is null ? [] : JsonSerializer.Deserialize<List<CampaignLink>>(c.LinksJson, CampaignValidation.Json) ?? [];
        CampaignLink? L(int n) => links.Count > n ? links[n] : null;
        return new ComposerInput
        {
            DraftId = c.Id, Kind = c.Kind, Title = c.Title, Body = c.Body, ImageUrl = c.ImageUrl, ImageAltText = c.ImageAlt,
            Link1Title = L(0)?.Title, Link1Url = L(0)?.Url, Link2Title = L(1)?.Title, Link2Url = L(1)?.Url, Link3Title = L(2)?.Title, Link3Url = L(2)?.Url,
            Acknowledge = c.Acknowledge ? "true" : "false", AudienceType = a.Type, Agencies = string.Join(',', a.Agencies ?? []),
            Groups = string.Join(", ", a.Groups ?? []), TeamId = a.TeamId, Users = string.Join('\n', a.Users ?? []),
            SendDate = c.SendAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), SendTime = c.SendAt?.ToString("HH:mm", CultureInfo.InvariantCulture),
        };
    }

    public static async Task<IReadOnlyList<AudienceOption>> AgencyOptionsAsync(IAgencyRegistry registry, CancellationToken cancellationToken) =>
        (await registry.ListAsync(cancellationToken)).Select(a => new AudienceOption(a.Acronym is { Length: > 0 } ac ? $"{a.Name} ({ac})" : a.Name, a.Id)).ToList();

    public static CampaignCaller CallerOf(Activity activity) => new(activity.From?.AadObjectId ?? activity.From?.Id ?? "unknown", activity.From?.Name, activity.TenantId);
}

/// <summary><c>broadcast</c>: opens the composer (coaches only).</summary>
internal sealed class BroadcastCommandHandler(BroadcastCards cards, IAgencyRegistry registry) : ITurnHandler
{
    public const string Command = "broadcast";

    public async Task HandleAsync(ITurnContext context, CancellationToken cancellationToken)
    {
        var data = Composer.Card("new", await Composer.AgencyOptionsAsync(registry, cancellationToken));
        await context.SendActivityAsync(cards.CardMessage(data, context.Activity.Locale, "New broadcast"), cancellationToken);
    }
}

/// <summary>Preview (the card to the coach only) and Send (draft saved, audience counted, confirmation asked).</summary>
internal sealed class ComposerHandler(
    BroadcastCards cards, CampaignService campaigns, IAgencyRegistry registry, IOptions<BroadcastsOptions> options, TimeProvider time)
    : ICardActionHandler<ComposerInput>
{
    public async Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<ComposerInput> action, CancellationToken cancellationToken)
    {
        var input = action.Data;
        var agencies = await Composer.AgencyOptionsAsync(registry, cancellationToken);
        var (definition, errors) = Composer.Read(input, context.Activity, options.Value, time.GetUtcNow());
        var draftId = input.DraftId is { Length: > 0 } id && id != "new" ? id : "new";
        if (errors is not null)
            return AdaptiveCardInvokeResponse.Card(cards.Bind(Composer.Card(draftId, agencies, input, errors), context.Activity.Locale));

        var caller = Composer.CallerOf(context.Activity);
        if (string.Equals(action.Verb, Cards.CardVerbs.BroadcastPreview, StringComparison.OrdinalIgnoreCase))
        {
            var preview = new Campaign
            {
                Id = draftId, Kind = "", Title = "", Body = "", AudienceJson = "{}", AudienceDescription = "", Status = CampaignStatus.Draft,
                AuthorObjectId = caller.ObjectId, AuthorName = caller.Name, CreatedAt = time.GetUtcNow(),
            };
            CampaignService.Apply(preview, definition with { Audience = null }, time.GetUtcNow());
            await context.SendActivityAsync(cards.RecipientMessage(preview, context.Activity.Locale) with { Summary = "Preview: " + preview.Title }, cancellationToken);
            return AdaptiveCardInvokeResponse.Card(cards.Bind(Composer.Card(draftId, agencies, input,
                notice: "Preview sent to you only, just below. Nobody else got it."), context.Activity.Locale));
        }

        var campaign = draftId == "new" ? null : await campaigns.UpdateDraftAsync(draftId, definition, cancellationToken);
        campaign ??= await campaigns.CreateAsync(definition, caller, cancellationToken);
        var count = await campaigns.CountAudienceAsync(campaign, cancellationToken);
        await campaigns.RecordEstimateAsync(campaign.Id, count, cancellationToken);
        if (count == 0)
            return AdaptiveCardInvokeResponse.Card(cards.Bind(Composer.Card(campaign.Id, agencies, input,
                new ComposerErrors(Audience: "Nobody is in this audience. Check the agencies, groups or people.")), context.Activity.Locale));
        var confirm = new BroadcastConfirmCardData(campaign.Id, campaign.Title, BroadcastCards.KindOf(campaign.Kind), campaign.AudienceDescription, count,
            count > options.Value.ApprovalThreshold, options.Value.ApprovalThreshold, campaign.SendAt);
        return AdaptiveCardInvokeResponse.Card(cards.Bind(confirm, context.Activity.Locale));
    }
}

/// <summary>Edit: back to the composer with the draft's content.</summary>
internal sealed class EditHandler(BroadcastCards cards, CampaignService campaigns, IAgencyRegistry registry) : ICardActionHandler<CampaignActionData>
{
    public async Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<CampaignActionData> action, CancellationToken cancellationToken)
    {
        var c = await campaigns.FindAsync(action.Data.CampaignId, cancellationToken);
        if (c is null || c.Status != CampaignStatus.Draft) return AdaptiveCardInvokeResponse.Message("This campaign can no longer be edited.");
        return AdaptiveCardInvokeResponse.Card(cards.Bind(Composer.Card(c.Id, await Composer.AgencyOptionsAsync(registry, cancellationToken), Composer.InputOf(c)), context.Activity.Locale));
    }
}

/// <summary>Confirm (send, schedule or ask approval), cancel, resend to failed, recall, refresh: each answers with the status card.</summary>
internal sealed class CampaignActionHandler(
    BroadcastCards cards, CampaignService campaigns, DeliveryLedger ledger, ApprovalRequests approvals, TimeProvider time)
    : ICardActionHandler<CampaignActionData>
{
    public async Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<CampaignActionData> action, CancellationToken cancellationToken)
    {
        var id = action.Data.CampaignId;
        bool Is(string verb) => string.Equals(action.Verb, verb, StringComparison.OrdinalIgnoreCase);
        var confirm = Is(CardVerbs.BroadcastConfirm);
        CampaignResult? result =
            confirm ? await campaigns.RequestSendAsync(id, Composer.CallerOf(context.Activity), cancellationToken)
            : Is(CardVerbs.CampaignCancel) ? await campaigns.CancelAsync(id, cancellationToken)
            : Is(CardVerbs.CampaignResendFailed) ? await campaigns.ResendFailedAsync(id, cancellationToken)
            : Is(CardVerbs.CampaignRecall) ? await campaigns.RecallAsync(id, cancellationToken)
            : null;
        if (result is { Status: 404 }) return AdaptiveCardInvokeResponse.Message("This campaign no longer exists.");
        if (confirm && result?.Campaign is { Status: CampaignStatus.AwaitingApproval } waiting)
            await approvals.NotifyApproversAsync(waiting, cancellationToken);
        // The card this click came from becomes the live status card.
        if (context.Activity.ReplyToId is { Length: > 0 } cardId && context.Activity.ServiceUrl is { } serviceUrl && context.Activity.Conversation?.Id is { } conversationId)
            await campaigns.SetStatusCardAsync(id, serviceUrl, conversationId, cardId, context.Activity.Locale, cancellationToken);
        var c = await campaigns.FindAsync(id, cancellationToken);
        if (c is null) return AdaptiveCardInvokeResponse.Message("This campaign no longer exists.");
        var counts = (await ledger.CountsAsync(id, false, cancellationToken)).GetValueOrDefault("") ?? LedgerCounts.Empty;
        var card = cards.Bind(cards.Status(c, counts, time.GetUtcNow()), context.Activity.Locale);
        if (result is { Ok: false, Status: not 409 } refused)
            return AdaptiveCardInvokeResponse.Message(refused.Reason ?? "That did not work.");
        return AdaptiveCardInvokeResponse.Card(card);
    }
}

/// <summary>Approve a large campaign (another coach or an admin; never the author).</summary>
internal sealed class ApproveHandler(BroadcastCards cards, CampaignService campaigns) : ICardActionHandler<CampaignActionData>
{
    public async Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<CampaignActionData> action, CancellationToken cancellationToken)
    {
        var approver = Composer.CallerOf(context.Activity);
        var result = await campaigns.ApproveAsync(action.Data.CampaignId, approver, cancellationToken);
        if (result.Status == 404) return AdaptiveCardInvokeResponse.Message("This campaign no longer exists.");
        if (!result.Ok && result.Status == 403) return AdaptiveCardInvokeResponse.Message(result.Reason!);
        var c = result.Campaign!;
        if (!result.Ok && c.Status == CampaignStatus.AwaitingApproval) return AdaptiveCardInvokeResponse.Message(result.Reason ?? "Not approved.");
        var decidedBy = c.ApprovedByName ?? c.ApprovedBy ?? (c.Status == CampaignStatus.Cancelled ? "nobody: it was cancelled" : "someone else");
        return AdaptiveCardInvokeResponse.Card(cards.Bind(ApprovalRequests.Card(c, ApprovalState.Approved, decidedBy), context.Activity.Locale));
    }
}

/// <summary>Acknowledge: recorded once per person; the person's card shows it.</summary>
internal sealed class AckHandler(BroadcastCards cards, CampaignService campaigns, DeliveryLedger ledger) : ICardActionHandler<AckData>
{
    public async Task<AdaptiveCardInvokeResponse> HandleAsync(ITurnContext context, CardAction<AckData> action, CancellationToken cancellationToken)
    {
        var c = await campaigns.FindAsync(action.Data.BroadcastId, cancellationToken);
        if (c is null) return AdaptiveCardInvokeResponse.Message("This message is no longer available.");
        if (context.Activity.From?.AadObjectId is not { Length: > 0 } objectId)
            return AdaptiveCardInvokeResponse.Message("Teams did not say who you are, so nothing was recorded.");
        var (_, at) = await ledger.AcknowledgeAsync(c.Id, objectId, cancellationToken);
        if (at is null && c.Status == CampaignStatus.Draft) return AdaptiveCardInvokeResponse.Message("This is a preview: acknowledgements are recorded once it is sent.");
        return AdaptiveCardInvokeResponse.Card(cards.Bind(cards.Announcement(c, acknowledged: true, at), context.Activity.Locale));
    }
}

/// <summary>Read receipts in 1:1 chats (<c>application/vnd.microsoft.readReceipt</c>): every message up to the id is read.</summary>
internal sealed class ReadReceiptHandler(DeliveryLedger ledger) : ITurnHandler
{
    public const string EventName = "application/vnd.microsoft.readReceipt";

    public async Task HandleAsync(ITurnContext context, CancellationToken cancellationToken)
    {
        var a = context.Activity;
        if (a.Conversation?.Id is not { } conversationId) return;
        if (a.Value is { ValueKind: JsonValueKind.Object } value && value.TryGetProperty("lastReadMessageId", out var last) && last.ValueKind == JsonValueKind.String
            && last.GetString() is { Length: > 0 and <= 100 } lastRead)
            await ledger.MarkReadAsync(conversationId, lastRead, cancellationToken);
    }
}

/// <summary>Asks the approvers of a large campaign: configured approvers plus the audience agencies' coaches and admins, never the author.</summary>
public sealed class ApprovalRequests(IProactiveMessenger messenger, IAgencyRegistry registry, BroadcastCards cards, IOptions<BroadcastsOptions> options, ILogger<ApprovalRequests> logger)
{
    public static BroadcastApprovalCardData Card(Campaign c, ApprovalState state = ApprovalState.Pending, string? decidedBy = null) =>
        new(c.Id, c.Title, BroadcastCards.KindOf(c.Kind), c.AuthorName ?? c.AuthorObjectId, c.AudienceDescription, c.EstimatedRecipients, c.Body, state,
            decidedBy is null ? (UserText?)null : new UserText(decidedBy));

    public async Task<int> NotifyApproversAsync(Campaign c, CancellationToken cancellationToken)
    {
        var audience = CampaignService.AudienceOf(c);
        var agencies = await registry.ListAsync(cancellationToken);
        var relevant = audience.Type == "agencies" ? agencies.Where(a => audience.Agencies!.Contains(a.Id, StringComparer.OrdinalIgnoreCase)) : agencies;
        var approvers = options.Value.Approvers.Concat(relevant.SelectMany(a => a.CoachUserIds.Concat(a.AdminUserIds)))
            .Where(id => !string.Equals(id, c.AuthorObjectId, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase).Take(50).ToList();
        var tenant = c.AuthorTenantId ?? audience.TenantId;
        var asked = 0;
        if (tenant is null) return 0;
        var message = cards.CardMessage(Card(c), null, $"Approval needed: {c.Title}");
        foreach (var approver in approvers)
        {
            try
            {
                if (await messenger.SendToUserAsync(tenant, approver, message, cancellationToken) is not null) asked++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogInformation("Approval request for campaign {CampaignId} not delivered to {ObjectId} ({Error})", c.Id, approver, e.GetType().Name);
            }
        }
        logger.LogInformation("Campaign {CampaignId} awaits approval; {Asked} of {Approvers} approvers reached in Teams", c.Id, asked, approvers.Count);
        return asked;
    }
}
