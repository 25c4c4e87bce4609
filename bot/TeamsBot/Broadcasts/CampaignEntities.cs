using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TeamsBot.Broadcasts;

/// <summary>Where a campaign is in its life (API <c>status</c>).</summary>
public static class CampaignStatus
{
    public const string Draft = "draft", AwaitingApproval = "awaitingApproval", Scheduled = "scheduled", Preparing = "preparing",
        Sending = "sending", Completed = "completed", Cancelled = "cancelled";

    public static bool IsActive(string status) => status is Preparing or Sending;
}

public static class CampaignKinds
{
    public const string Announcement = "announcement", Nudge = "nudge", Invite = "invite";
    public static readonly string[] All = [Announcement, Nudge, Invite];
}

/// <summary>One coach campaign: the message, the audience, and its progress (the ledger holds the recipients).</summary>
public sealed class Campaign
{
    public required string Id { get; set; }
    public required string Kind { get; set; }
    public required string Title { get; set; }
    public required string Body { get; set; }
    public string? ImageUrl { get; set; }
    public string? ImageAlt { get; set; }
    /// <summary>JSON array of <see cref="CampaignLink"/>.</summary>
    public string? LinksJson { get; set; }
    public bool Acknowledge { get; set; }
    /// <summary>JSON of <see cref="CampaignAudience"/>.</summary>
    public required string AudienceJson { get; set; }
    public required string AudienceDescription { get; set; }
    public DateTimeOffset? SendAt { get; set; }
    public required string Status { get; set; }
    public required string AuthorObjectId { get; set; }
    public string? AuthorName { get; set; }
    public string? AuthorTenantId { get; set; }
    public string? ApprovedBy { get; set; }
    public string? ApprovedByName { get; set; }
    /// <summary>Audience size counted when sending was asked for (approval and confirmation use it).</summary>
    public int EstimatedRecipients { get; set; }
    /// <summary>Rows in the ledger once it is built.</summary>
    public int Recipients { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public DateTimeOffset? RecallRequestedAt { get; set; }
    public DateTimeOffset? RecallCompletedAt { get; set; }
    /// <summary>When the status card was last pushed (it is pushed again when the campaign changed since, or every few seconds while sending).</summary>
    public DateTimeOffset? StatusCardAt { get; set; }
    /// <summary>The replica building the ledger and until when (taken over when it expires).</summary>
    public string? PreparedBy { get; set; }
    public DateTimeOffset? PrepareLeaseUntil { get; set; }
    /// <summary>The coach's status card (campaigns started in Teams), updated in place.</summary>
    public string? StatusServiceUrl { get; set; }
    public string? StatusConversationId { get; set; }
    public string? StatusActivityId { get; set; }
    public string? StatusLocale { get; set; }
    /// <summary><c>{scheme}:{id}</c> when another slice owns the card (<c>event:…</c>, see <see cref="ICampaignContent"/>); null for a coach's own message.</summary>
    public string? Reference { get; set; }
}

public sealed record CampaignLink(string Title, string Url);

/// <summary>The recipient states of the ledger (stored as numbers).</summary>
public enum DeliveryState : short
{
    Queued = 0,
    /// <summary>Claimed by a replica; its request may have left (settled by the claimer, or after the lease as an unknown outcome).</summary>
    InFlight = 1,
    Sent = 2,
    Failed = 3,
    NotInstalled = 4,
    Blocked = 5,
    NotFound = 6,
}

/// <summary>One recipient of one campaign: the queue entry and its report line.</summary>
public sealed class Delivery
{
    public long Id { get; set; }
    public required string CampaignId { get; set; }
    public required string ObjectId { get; set; }
    public required string TenantId { get; set; }
    public string? UserPrincipalName { get; set; }
    public required string AgencyId { get; set; }
    public DeliveryState State { get; set; }
    public short Attempts { get; set; }
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimedUntil { get; set; }
    public string? ServiceUrl { get; set; }
    public string? ConversationId { get; set; }
    public string? ActivityId { get; set; }
    /// <summary>The activity id as a number (Teams message ids are epoch milliseconds): read receipts compare with it.</summary>
    public long? MessageNumber { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public DateTimeOffset? ReadAt { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public DateTimeOffset? RecalledAt { get; set; }
    public string? Error { get; set; }
}

internal sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>, IEntityTypeConfiguration<Delivery>
{
    public void Configure(EntityTypeBuilder<Campaign> e)
    {
        e.ToTable("broadcast_campaigns");
        e.HasKey(c => c.Id);
        e.Property(c => c.Id).HasColumnName("id").HasMaxLength(32);
        e.Property(c => c.Kind).HasColumnName("kind").HasMaxLength(16);
        e.Property(c => c.Title).HasColumnName("title").HasMaxLength(200);
        e.Property(c => c.Body).HasColumnName("body").HasMaxLength(4000);
        e.Property(c => c.ImageUrl).HasColumnName("image_url").HasMaxLength(2048);
        e.Property(c => c.ImageAlt).HasColumnName("image_alt").HasMaxLength(300);
        e.Property(c => c.LinksJson).HasColumnName("links");
        e.Property(c => c.Acknowledge).HasColumnName("acknowledge");
        e.Property(c => c.AudienceJson).HasColumnName("audience");
        e.Property(c => c.AudienceDescription).HasColumnName("audience_description").HasMaxLength(300);
        e.Property(c => c.SendAt).HasColumnName("send_at");
        e.Property(c => c.Status).HasColumnName("status").HasMaxLength(24);
        e.Property(c => c.AuthorObjectId).HasColumnName("author_object_id").HasMaxLength(64);
        e.Property(c => c.AuthorName).HasColumnName("author_name").HasMaxLength(200);
        e.Property(c => c.AuthorTenantId).HasColumnName("author_tenant_id").HasMaxLength(64);
        e.Property(c => c.ApprovedBy).HasColumnName("approved_by").HasMaxLength(64);
        e.Property(c => c.ApprovedByName).HasColumnName("approved_by_name").HasMaxLength(200);
        e.Property(c => c.EstimatedRecipients).HasColumnName("estimated_recipients");
        e.Property(c => c.Recipients).HasColumnName("recipients");
        e.Property(c => c.CreatedAt).HasColumnName("created_at");
        e.Property(c => c.UpdatedAt).HasColumnName("updated_at");
        e.Property(c => c.StartedAt).HasColumnName("started_at");
        e.Property(c => c.CompletedAt).HasColumnName("completed_at");
        e.Property(c => c.RecallRequestedAt).HasColumnName("recall_requested_at");
        e.Property(c => c.RecallCompletedAt).HasColumnName("recall_completed_at");
        e.Property(c => c.StatusCardAt).HasColumnName("status_card_at");
        e.Property(c => c.PreparedBy).HasColumnName("prepared_by").HasMaxLength(100);
        e.Property(c => c.PrepareLeaseUntil).HasColumnName("prepare_lease_until");
        e.Property(c => c.StatusServiceUrl).HasColumnName("status_service_url").HasMaxLength(2048);
        e.Property(c => c.StatusConversationId).HasColumnName("status_conversation_id").HasMaxLength(1024);
        e.Property(c => c.StatusActivityId).HasColumnName("status_activity_id").HasMaxLength(1024);
        e.Property(c => c.StatusLocale).HasColumnName("status_locale").HasMaxLength(32);
        e.Property(c => c.Reference).HasColumnName("reference").HasMaxLength(100);
        e.HasIndex(c => c.Status);
        e.HasIndex(c => c.CreatedAt);
    }

    public void Configure(EntityTypeBuilder<Delivery> e)
    {
        e.ToTable("broadcast_deliveries");
        e.HasKey(d => d.Id);
        e.Property(d => d.Id).HasColumnName("id").ValueGeneratedOnAdd();
        e.Property(d => d.CampaignId).HasColumnName("campaign_id").HasMaxLength(32);
        e.Property(d => d.ObjectId).HasColumnName("object_id").HasMaxLength(64);
        e.Property(d => d.TenantId).HasColumnName("tenant_id").HasMaxLength(64);
        e.Property(d => d.UserPrincipalName).HasColumnName("upn").HasMaxLength(256);
        e.Property(d => d.AgencyId).HasColumnName("agency_id").HasMaxLength(64);
        e.Property(d => d.State).HasColumnName("state");
        e.Property(d => d.Attempts).HasColumnName("attempts");
        e.Property(d => d.ClaimedBy).HasColumnName("claimed_by").HasMaxLength(100);
        e.Property(d => d.ClaimedUntil).HasColumnName("claimed_until");
        e.Property(d => d.ServiceUrl).HasColumnName("service_url").HasMaxLength(2048);
        e.Property(d => d.ConversationId).HasColumnName("conversation_id").HasMaxLength(1024);
        e.Property(d => d.ActivityId).HasColumnName("activity_id").HasMaxLength(1024);
        e.Property(d => d.MessageNumber).HasColumnName("message_number");
        e.Property(d => d.SentAt).HasColumnName("sent_at");
        e.Property(d => d.ReadAt).HasColumnName("read_at");
        e.Property(d => d.AcknowledgedAt).HasColumnName("acknowledged_at");
        e.Property(d => d.RecalledAt).HasColumnName("recalled_at");
        e.Property(d => d.Error).HasColumnName("error").HasMaxLength(200);
        e.HasIndex(d => new { d.CampaignId, d.ObjectId }).IsUnique();
        // The queue: a lane claims the oldest queued rows of its (campaign, tenant).
        e.HasIndex(d => new { d.CampaignId, d.TenantId, d.State, d.Id });
        // Read receipts find the messages of a 1:1 chat.
        e.HasIndex(d => d.ConversationId);
    }
}
