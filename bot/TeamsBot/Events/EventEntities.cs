using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TeamsBot.Events;

public static class EventKinds
{
    public const string Workshop = "workshop", Hackathon = "hackathon";
    public static readonly string[] All = [Workshop, Hackathon];
}

public static class EventStatus
{
    public const string Open = "open", Cancelled = "cancelled";
}

/// <summary>A person's place in an event (API <c>state</c>).</summary>
public static class RsvpState
{
    public const string Registered = "registered", Waitlisted = "waitlisted", Cancelled = "cancelled";
}

/// <summary>A workshop or hackathon a coach runs: when, where, how many seats, who is invited (its invite campaign).</summary>
public sealed class TrainingEvent
{
    public required string Id { get; set; }
    public required string Kind { get; set; }
    public required string Title { get; set; }
    public required string Description { get; set; }
    public DateTimeOffset StartsAt { get; set; }
    public DateTimeOffset EndsAt { get; set; }
    /// <summary>The organiser's time zone (IANA or Windows id) the times were given in.</summary>
    public required string TimeZone { get; set; }
    public required string Location { get; set; }
    public string? JoinUrl { get; set; }
    public int Capacity { get; set; }
    public DateTimeOffset? RegistrationDeadline { get; set; }
    public required string HostName { get; set; }
    public required string Status { get; set; }
    /// <summary>The invite campaign (Broadcasts) that carries the card to the audience.</summary>
    public string? CampaignId { get; set; }
    public required string OrganizerObjectId { get; set; }
    public string? OrganizerName { get; set; }
    public string? TenantId { get; set; }
    /// <summary>Random secret in the event's calendar (.ics) link: the link works without signing in and cannot be guessed.</summary>
    public required string CalendarToken { get; set; }
    /// <summary>Bumped by every RSVP change: the write that serialises RSVPs of one event (row lock on PostgreSQL, write lock on SQLite).</summary>
    public long Version { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One person's RSVP to one event (one row per person; a cancelled one can register again).</summary>
public sealed class EventRegistration
{
    public long Id { get; set; }
    public required string EventId { get; set; }
    public required string ObjectId { get; set; }
    public required string TenantId { get; set; }
    public string? Name { get; set; }
    public required string State { get; set; }
    /// <summary>When the person last asked for a seat: the waitlist's order.</summary>
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>Moved from the waitlist to a seat; <see cref="PromotionNoticeAt"/> once they were told.</summary>
    public DateTimeOffset? PromotedAt { get; set; }
    public DateTimeOffset? PromotionNoticeAt { get; set; }
    /// <summary>The reminders this person got (claimed before sending: never twice).</summary>
    public DateTimeOffset? FirstReminderAt { get; set; }
    public DateTimeOffset? SecondReminderAt { get; set; }
    /// <summary>Marked by a coach after the event; null = not marked.</summary>
    public bool? Attended { get; set; }
    public string? Locale { get; set; }
}

internal sealed class EventConfiguration : IEntityTypeConfiguration<TrainingEvent>, IEntityTypeConfiguration<EventRegistration>
{
    public void Configure(EntityTypeBuilder<TrainingEvent> e)
    {
        e.ToTable("events");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasMaxLength(32);
        e.Property(x => x.Kind).HasColumnName("kind").HasMaxLength(16);
        e.Property(x => x.Title).HasColumnName("title").HasMaxLength(200);
        e.Property(x => x.Description).HasColumnName("description").HasMaxLength(4000);
        e.Property(x => x.StartsAt).HasColumnName("starts_at");
        e.Property(x => x.EndsAt).HasColumnName("ends_at");
        e.Property(x => x.TimeZone).HasColumnName("time_zone").HasMaxLength(64);
        e.Property(x => x.Location).HasColumnName("location").HasMaxLength(300);
        e.Property(x => x.JoinUrl).HasColumnName("join_url").HasMaxLength(2048);
        e.Property(x => x.Capacity).HasColumnName("capacity");
        e.Property(x => x.RegistrationDeadline).HasColumnName("registration_deadline");
        e.Property(x => x.HostName).HasColumnName("host_name").HasMaxLength(200);
        e.Property(x => x.Status).HasColumnName("status").HasMaxLength(16);
        e.Property(x => x.CampaignId).HasColumnName("campaign_id").HasMaxLength(32);
        e.Property(x => x.OrganizerObjectId).HasColumnName("organizer_object_id").HasMaxLength(64);
        e.Property(x => x.OrganizerName).HasColumnName("organizer_name").HasMaxLength(200);
        e.Property(x => x.TenantId).HasColumnName("tenant_id").HasMaxLength(64);
        e.Property(x => x.CalendarToken).HasColumnName("calendar_token").HasMaxLength(64);
        e.Property(x => x.Version).HasColumnName("version");
        e.Property(x => x.CreatedAt).HasColumnName("created_at");
        e.Property(x => x.UpdatedAt).HasColumnName("updated_at");
        e.HasIndex(x => x.StartsAt);
    }

    public void Configure(EntityTypeBuilder<EventRegistration> e)
    {
        e.ToTable("event_registrations");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").ValueGeneratedOnAdd();
        e.Property(x => x.EventId).HasColumnName("event_id").HasMaxLength(32);
        e.Property(x => x.ObjectId).HasColumnName("object_id").HasMaxLength(64);
        e.Property(x => x.TenantId).HasColumnName("tenant_id").HasMaxLength(64);
        e.Property(x => x.Name).HasColumnName("name").HasMaxLength(200);
        e.Property(x => x.State).HasColumnName("state").HasMaxLength(16);
        e.Property(x => x.RequestedAt).HasColumnName("requested_at");
        e.Property(x => x.UpdatedAt).HasColumnName("updated_at");
        e.Property(x => x.PromotedAt).HasColumnName("promoted_at");
        e.Property(x => x.PromotionNoticeAt).HasColumnName("promotion_notice_at");
        e.Property(x => x.FirstReminderAt).HasColumnName("first_reminder_at");
        e.Property(x => x.SecondReminderAt).HasColumnName("second_reminder_at");
        e.Property(x => x.Attended).HasColumnName("attended");
        e.Property(x => x.Locale).HasColumnName("locale").HasMaxLength(32);
        e.HasIndex(x => new { x.EventId, x.ObjectId }).IsUnique();
        e.HasIndex(x => new { x.EventId, x.State, x.RequestedAt });
        e.HasOne<TrainingEvent>().WithMany().HasForeignKey(x => x.EventId).OnDelete(DeleteBehavior.Cascade);
    }
}
