using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Protocol.Hosting;

/// <summary>
/// Route table from activity type / invoke name / card verb / text command to a handler type.
/// Slices add routes with <see cref="BotRouteServiceCollectionExtensions.AddBotRoutes"/>; order of precedence:
/// commands, then conditional routes (registration order), then the message fallback.
/// </summary>
public sealed class BotRouteTable
{
    private readonly List<BotRoute> _routes = [];

    public IReadOnlyList<BotRoute> Routes => _routes;

    internal void Add(BotRoute route) => _routes.Add(route);

    /// <summary>The first route matching the activity, or null (the activity is acknowledged and ignored).</summary>
    public BotRoute? Match(Activity activity, string text)
    {
        BotRoute? best = null;
        foreach (var route in _routes)
        {
            if (!route.Matches(activity, text)) continue;
            if (best is null || route.Precedence < best.Precedence) best = route;
        }
        return best;
    }
}

public sealed record BotRoute(string Description, int Precedence, Func<Activity, string, bool> Matches, Type HandlerType);

public sealed class BotRouteBuilder
{
    private readonly BotRouteTable _table;
    private readonly IServiceCollection _services;

    internal BotRouteBuilder(BotRouteTable table, IServiceCollection services)
    {
        _table = table;
        _services = services;
    }

    private const int CommandPrecedence = 0, ConditionalPrecedence = 10, FallbackPrecedence = 100;

    /// <summary>A text command (first word, case-insensitive, mention stripped), e.g. "help".</summary>
    public BotRouteBuilder OnCommand<THandler>(params string[] commands) where THandler : class, ITurnHandler =>
        Add<THandler>($"command {string.Join('|', commands)}", CommandPrecedence,
            (a, text) => a.IsType(ActivityTypes.Message) && commands.Any(c => IsCommand(text, c)));

    /// <summary>A message that is exactly one of <paramref name="texts"/> (case-insensitive, mention stripped, trailing . ! ? ignored):
    /// "help" is a command, "help me write a memo" is a question.</summary>
    public BotRouteBuilder OnExactText<THandler>(params string[] texts) where THandler : class, ITurnHandler =>
        Add<THandler>($"text {string.Join('|', texts)}", CommandPrecedence,
            (a, text) => a.IsType(ActivityTypes.Message) && IsExactly(text, texts));

    public static bool IsExactly(string text, IEnumerable<string> texts)
    {
        var trimmed = text.Trim().TrimEnd('.', '!', '?').TrimEnd();
        return texts.Any(t => string.Equals(trimmed, t, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Any message no command matched.</summary>
    public BotRouteBuilder OnMessage<THandler>() where THandler : class, ITurnHandler =>
        Add<THandler>("message", FallbackPrecedence, (a, _) => a.IsType(ActivityTypes.Message));

    public BotRouteBuilder OnActivity<THandler>(string activityType) where THandler : class, ITurnHandler =>
        Add<THandler>(activityType, ConditionalPrecedence, (a, _) => a.IsType(activityType));

    public BotRouteBuilder OnInvoke<THandler>(string invokeName) where THandler : class, IInvokeHandler =>
        Add<THandler>($"invoke {invokeName}", ConditionalPrecedence,
            (a, _) => a.IsType(ActivityTypes.Invoke) && string.Equals(a.Name, invokeName, StringComparison.OrdinalIgnoreCase));

    /// <summary>Universal Actions: an <c>adaptiveCard/action</c> invoke whose <c>Action.Execute</c> verb matches.</summary>
    public BotRouteBuilder OnCardAction<THandler>(params string[] verbs) where THandler : class, IInvokeHandler =>
        Add<THandler>($"card action {string.Join('|', verbs)}", CommandPrecedence,
            (a, _) => a.IsType(ActivityTypes.Invoke) && a.Name == "adaptiveCard/action"
                      && CardActionVerb(a) is { } verb && verbs.Contains(verb, StringComparer.OrdinalIgnoreCase));

    private BotRouteBuilder Add<THandler>(string description, int precedence, Func<Activity, string, bool> matches) where THandler : class
    {
        _services.TryAddScoped<THandler>();
        _table.Add(new BotRoute(description, precedence, matches, typeof(THandler)));
        return this;
    }

    internal static bool IsCommand(string text, string command) =>
        text.Equals(command, StringComparison.OrdinalIgnoreCase)
        || (text.StartsWith(command, StringComparison.OrdinalIgnoreCase) && text.Length > command.Length && char.IsWhiteSpace(text[command.Length]));

    /// <summary>The verb of an Action.Execute invoke, if well-formed.</summary>
    public static string? CardActionVerb(Activity activity) =>
        activity.Value is { ValueKind: JsonValueKind.Object } value
        && value.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.Object
        && action.TryGetProperty("verb", out var verb)
            ? SafeString(verb)
            : null;

    /// <summary>A JSON string's value; null for other kinds and for invalid UTF-16 (a lone surrogate from the wire).</summary>
    private static string? SafeString(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.String) return null;
        try { return element.GetString(); }
        catch (InvalidOperationException) { return null; }
    }
}

public static class BotRouteServiceCollectionExtensions
{
    /// <summary>Adds routes to the bot's route table. Call once per slice.</summary>
    public static IServiceCollection AddBotRoutes(this IServiceCollection services, Action<BotRouteBuilder> configure)
    {
        var table = services.FirstOrDefault(d => d.ServiceType == typeof(BotRouteTable))?.ImplementationInstance as BotRouteTable;
        if (table is null)
        {
            table = new BotRouteTable();
            services.AddSingleton(table);
        }
        configure(new BotRouteBuilder(table, services));
        return services;
    }

    public static IServiceCollection AddTurnMiddleware<TMiddleware>(this IServiceCollection services) where TMiddleware : class, ITurnMiddleware
    {
        services.AddScoped<ITurnMiddleware, TMiddleware>();
        return services;
    }
}
