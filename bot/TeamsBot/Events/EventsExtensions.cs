using TeamsBot.Broadcasts;
using TeamsBot.Cards;
using TeamsBot.Protocol.Hosting;
using TeamsBot.Security;
using TeamsBot.Storage.Jobs;

namespace TeamsBot.Events;

public static class EventsExtensions
{
    /// <summary>
    /// Workshops and hackathons: <c>/api/events</c> (coaches), invites sent through the broadcast fan-out, RSVP buttons for
    /// everyone (register, waitlist, cancel with promotion), reminders as durable jobs, the calendar file. Needs Broadcasts.
    /// </summary>
    public static IHostApplicationBuilder AddEvents(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EventsOptions>().BindConfiguration(EventsOptions.Section)
            .Validate(o => o.MaxCapacity is >= 1 and <= 1_000_000, "Events:MaxCapacity must be between 1 and 1000000.")
            .Validate(o => o.FirstReminder > TimeSpan.Zero && o.SecondReminder > TimeSpan.Zero && o.FirstReminder != o.SecondReminder,
                "Events:FirstReminder and Events:SecondReminder must be positive and different.")
            .Validate(o => string.IsNullOrWhiteSpace(o.PublicBaseUrl) || CardText.IsHttps(o.PublicBaseUrl),
                "Events:PublicBaseUrl must be the bot's public https:// address.")
            .ValidateOnStart();
        services.AddSingleton<EventService>();
        services.AddSingleton<EventCards>();
        services.AddSingleton<ICampaignContent>(sp => sp.GetRequiredService<EventCards>());
        services.AddSingleton<ICampaignContent, AttendeeMessageContent>();
        services.AddOneTimeJob<EventReminderJob>();
        services.AddOneTimeJob<EventPromotionNoticeJob>();
        services.AddBotRoutes(routes => routes
            .OnCardAction<RsvpHandler, RsvpData>(CardVerbs.RsvpRegister, CardVerbs.RsvpCancel, CardVerbs.RsvpRefresh)
            .OnExactText<EventsCommandHandler>(EventsCommandHandler.Command, "my events")
            .OnExactText<AttendeesCommandHandler>(AttendeesCommandHandler.Command).RequireRole(Roles.Coach)
            .OnExactText<EventComposerCommandHandler>("events new", "new event").RequireRole(Roles.Coach)
            .OnCardAction<EventCreateHandler, EventComposerInput>(CardVerbs.EventCreate).RequireRole(Roles.Coach));
        return builder;
    }
}
