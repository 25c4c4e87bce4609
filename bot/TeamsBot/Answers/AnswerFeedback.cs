using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TeamsBot.Answers;

/// <summary>A thumbs up/down on an answer: who's agency, when, which message. Never the prompt or the answer.</summary>
public sealed class AnswerFeedback
{
    public long Id { get; set; }
    /// <summary>The rated bot message (the invoke's replyToId).</summary>
    public string? MessageId { get; set; }
    public string? ConversationId { get; set; }
    /// <summary>A one-way hash of who rated (tenant + user id): one vote per person per message, without storing the person.</summary>
    public string? RaterKey { get; set; }
    public string? TenantId { get; set; }
    public string? AgencyId { get; set; }
    public string? AgencyName { get; set; }
    /// <summary>like or dislike.</summary>
    public required string Reaction { get; set; }
    /// <summary>The optional comment the user typed in the feedback form (dropped if it contains protected content).</summary>
    public string? Comment { get; set; }
    public DateTime CreatedAtUtc { get; set; }
}

internal sealed class AnswerFeedbackConfiguration : IEntityTypeConfiguration<AnswerFeedback>
{
    public void Configure(EntityTypeBuilder<AnswerFeedback> e)
    {
        e.ToTable("answer_feedback");
        e.HasKey(f => f.Id);
        e.Property(f => f.MessageId).HasMaxLength(512);
        e.Property(f => f.ConversationId).HasMaxLength(512);
        e.Property(f => f.TenantId).HasMaxLength(64);
        e.Property(f => f.AgencyId).HasMaxLength(128);
        e.Property(f => f.AgencyName).HasMaxLength(256);
        e.Property(f => f.Reaction).HasMaxLength(16);
        e.Property(f => f.Comment).HasMaxLength(2000);
        e.Property(f => f.RaterKey).HasMaxLength(64);
        e.HasIndex(f => new { f.AgencyId, f.CreatedAtUtc });
        e.HasIndex(f => new { f.MessageId, f.RaterKey }).IsUnique().HasFilter("\"MessageId\" IS NOT NULL AND \"RaterKey\" IS NOT NULL");
    }
}
