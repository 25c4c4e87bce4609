using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TeamsBot.Conversations;

/// <summary>
/// Where and how the bot can reach a conversation later (proactive messages): one row per conversation the bot is in.
/// For 1:1 chats the user's ids are kept so a user can be messaged by Entra object id.
/// </summary>
public sealed class ConversationRecord
{
    public required string ConversationId { get; set; }
    public required string ServiceUrl { get; set; }
    public required string ChannelId { get; set; }
    public string? TenantId { get; set; }
    /// <summary>personal, groupChat or channel.</summary>
    public required string Scope { get; set; }
    public string? BotId { get; set; }
    /// <summary>The user's Teams id (<c>29:…</c>) in personal chats.</summary>
    public string? UserId { get; set; }
    public string? AadObjectId { get; set; }
    public string? TeamId { get; set; }
    public string? Locale { get; set; }
    public bool Installed { get; set; } = true;
    public DateTimeOffset FirstSeenAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
    public DateTimeOffset? UninstalledAt { get; set; }
}

internal sealed class ConversationRecordConfiguration : IEntityTypeConfiguration<ConversationRecord>
{
    public void Configure(EntityTypeBuilder<ConversationRecord> e)
    {
        e.ToTable("conversations");
        e.HasKey(c => c.ConversationId);
        e.Property(c => c.ConversationId).HasMaxLength(1024);
        e.Property(c => c.ServiceUrl).HasMaxLength(2048);
        e.Property(c => c.ChannelId).HasMaxLength(1024);
        e.Property(c => c.TenantId).HasMaxLength(1024);
        e.Property(c => c.Scope).HasMaxLength(32);
        e.Property(c => c.BotId).HasMaxLength(1024);
        e.Property(c => c.UserId).HasMaxLength(1024);
        e.Property(c => c.AadObjectId).HasMaxLength(1024);
        e.Property(c => c.TeamId).HasMaxLength(1024);
        e.Property(c => c.Locale).HasMaxLength(32);
        e.HasIndex(c => new { c.TenantId, c.AadObjectId, c.Scope });
    }
}
