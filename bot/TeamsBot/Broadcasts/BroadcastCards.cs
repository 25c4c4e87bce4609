using System.Text.Json;
using TeamsBot.Agencies;
using TeamsBot.Cards;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Broadcasts;

/// <summary>The campaign's cards: what recipients get, and the coach's status card.</summary>
public sealed class BroadcastCards(CardLibrary cards, IEnumerable<ICampaignContent> contents)
{
    public static BroadcastKind KindOf(string kind) => kind switch
    {
        CampaignKinds.Nudge => BroadcastKind.Nudge,
        CampaignKinds.Invite => BroadcastKind.Invite,
        _ => BroadcastKind.Announcement,
    };

    public AnnouncementCardData Announcement(Campaign c, bool acknowledged = false, DateTimeOffset? acknowledgedAt = null)
    {
        var links = c.LinksJson is null ? [] : JsonSerializer.Deserialize<List<CampaignLink>>(c.LinksJson, CampaignValidation.Json) ?? [];
        return new AnnouncementCardData(c.Id, c.Title, "", c.Body, c.AuthorName ?? "Your AI program coaches", c.StartedAt ?? c.CreatedAt,
            RequiresAck: c.Acknowledge, Acknowledged: acknowledged, Links: links.Select(l => new AnnouncementLink(l.Title, new Uri(l.Url))).ToList(),
            ImageUrl: c.ImageUrl is null ? null : new Uri(c.ImageUrl), ImageAltText: c.ImageAlt is null ? (UserText?)null : new UserText(c.ImageAlt), Kind: KindOf(c.Kind), AcknowledgedAt: acknowledgedAt);
    }

    /// <summary>The message every recipient gets (bound once per campaign; the notification shows the title).</summary>
    public Activity RecipientMessage(Campaign c, string? locale = null) =>
        Activity.Message() with { Attachments = [Attachment.AdaptiveCard(cards.Bind(Announcement(c), locale))], Summary = c.Title };

    /// <summary>
    /// What every recipient of <paramref name="c"/> gets: the card of the slice that owns the campaign's <see cref="Campaign.Reference"/>
    /// (an event invite), otherwise the announcement card.
    /// </summary>
    public async Task<Activity> RecipientMessageAsync(Campaign c, CancellationToken cancellationToken) =>
        (Owner(c) is var (content, id) && content is not null ? await content.RecipientMessageAsync(c, id, cancellationToken) : null) ?? RecipientMessage(c);

    /// <summary>The recipients of a campaign whose slice planned them (training nudges); null = the campaign's audience.</summary>
    public IAsyncEnumerable<DirectoryUser>? PlannedRecipients(Campaign c, CancellationToken cancellationToken) =>
        Owner(c) is var (content, id) && content is not null ? content.PlannedRecipients(c, id, cancellationToken) : null;

    private (ICampaignContent? Content, string Id) Owner(Campaign c)
    {
        if (c.Reference is not { } reference || reference.IndexOf(':') is not (> 0 and var colon)) return (null, "");
        var scheme = reference[..colon];
        var content = contents.FirstOrDefault(x => x.Scheme == scheme) ?? throw new InvalidOperationException($"No slice renders campaigns of '{scheme}'.");
        return (content, reference[(colon + 1)..]);
    }

    public static CampaignState StateOf(string status) => status switch
    {
        CampaignStatus.Draft => CampaignState.Draft,
        CampaignStatus.AwaitingApproval => CampaignState.AwaitingApproval,
        CampaignStatus.Scheduled => CampaignState.Scheduled,
        CampaignStatus.Preparing => CampaignState.Preparing,
        CampaignStatus.Sending => CampaignState.Sending,
        CampaignStatus.Completed => CampaignState.Completed,
        _ => CampaignState.Cancelled,
    };

    public CampaignStatusCardData Status(Campaign c, LedgerCounts counts, DateTimeOffset now)
    {
        var view = CampaignService.View(c, counts);
        var rate = view.SendRatePerSecond;
        var total = view.Counts.Recipients;
        var done = total - view.Counts.Queued;
        int? eta = c.Status == CampaignStatus.Sending && rate > 0 ? (int)Math.Ceiling(view.Counts.Queued / rate) : null;
        return new CampaignStatusCardData(c.Id, c.Title, StateOf(c.Status), total, view.Counts.Sent, view.Counts.Failed, view.Counts.NotInstalled,
            view.Counts.Blocked, view.Counts.NotFound, view.Counts.Queued, view.Counts.Read, view.Counts.Acknowledged, rate, eta, now,
            CanCancel: c.Status is CampaignStatus.AwaitingApproval or CampaignStatus.Scheduled or CampaignStatus.Preparing or CampaignStatus.Sending,
            CanResendFailed: c.Status == CampaignStatus.Completed && view.Counts.Failed > 0 && c.RecallRequestedAt is null,
            CanRecall: c.RecallRequestedAt is null && view.Counts.Sent > 0,
            Recalled: counts.Recalled, SendAt: c.SendAt, PercentComplete: total == 0 ? 0 : (int)(100L * done / total));
    }

    public JsonElement Bind(ICardData data, string? locale) => cards.Bind(data, locale);

    public Activity CardMessage(ICardData data, string? locale, string? summary = null) =>
        Activity.Message() with { Attachments = [Attachment.AdaptiveCard(cards.Bind(data, locale))], Summary = summary };
}

/// <summary>
/// A slice whose campaigns carry its own card (the Events slice's invites): <see cref="Campaign.Reference"/> is
/// <c>{Scheme}:{id}</c>, and the fan-out sends what this returns to every recipient.
/// </summary>
public interface ICampaignContent
{
    string Scheme { get; }

    /// <summary>The card every recipient gets; null = the campaign's own announcement card.</summary>
    Task<Activity?> RecipientMessageAsync(Campaign campaign, string id, CancellationToken cancellationToken);

    /// <summary>The people the slice planned this campaign for; null (the default) = the campaign's audience.</summary>
    IAsyncEnumerable<DirectoryUser>? PlannedRecipients(Campaign campaign, string id, CancellationToken cancellationToken) => null;
}

/// <summary>
/// A slice's opt-outs (e.g. <b>Stop tips</b> for training nudges): once a campaign's ledger is built, the people who asked not
/// to get campaigns of its kind are taken out of it before anything is sent; returns how many.
/// </summary>
public interface IRecipientOptOuts
{
    Task<int> WithdrawAsync(Campaign campaign, CancellationToken cancellationToken);
}
