using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TeamsBot.Protocol.Activities;

namespace TeamsBot.Protocol.Hosting;

/// <summary>
/// Route table from activity type / invoke name / card verb / text command to a handler. Slices add routes with
/// <see cref="BotRouteServiceCollectionExtensions.AddBotRoutes"/>. Message-like turns: commands first, then conditional
/// routes (registration order), then the message fallback. Invokes: card actions by verb, other invokes by name.
/// Two routes for the same command, verb, invoke name or activity type stop startup (<see cref="BotRouteConflictException"/>).
/// </summary>
public sealed class BotRouteTable
{
    private readonly List<TurnRoute> _turnRoutes = [];
    private readonly List<InvokeRoute> _invokeRoutes = [];
    private readonly Dictionary<string, InvokeRoute> _cardActions = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, BotRoute> _claims = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<BotRoute> Routes => [.. _turnRoutes, .. _invokeRoutes, .. _cardActions.Values];

    /// <summary>
    /// Adds a route and returns it; the same registration made again (same handler, same keys) returns the route already
    /// there. Another handler on a key, or the same handler with different keys, is a <see cref="BotRouteConflictException"/>.
    /// </summary>
    internal BotRoute Add(BotRoute route)
    {
        BotRoute? same = null;
        foreach (var key in route.Keys)
        {
            if (!_claims.TryGetValue(key, out var holder)) continue;
            if (holder.HandlerType != route.HandlerType)
                throw new BotRouteConflictException($"Two bot routes for {Label(key)}: {holder.HandlerType.Name} and {route.HandlerType.Name}.");
            same = holder;
        }
        if (same is not null)
        {
            if (same.Keys.Count == route.Keys.Count && route.Keys.All(k => _claims[k] == same)) return same;
            throw new BotRouteConflictException($"{route.HandlerType.Name} is registered twice with different routes: {same.Description}; {route.Description}.");
        }
        foreach (var key in route.Keys) _claims[key] = route;
        switch (route)
        {
            case TurnRoute turn: _turnRoutes.Add(turn); break;
            case InvokeRoute { Verbs.Count: > 0 } cardAction:
                foreach (var verb in cardAction.Verbs) _cardActions[verb] = cardAction;
                break;
            case InvokeRoute invoke: _invokeRoutes.Add(invoke); break;
        }
        return route;
    }

    /// <summary>The route for a non-invoke activity, or null (acknowledged and ignored).</summary>
    public TurnRoute? MatchTurn(Activity activity, string text)
    {
        TurnRoute? best = null;
        foreach (var route in _turnRoutes)
        {
            if (!route.Matches(activity, text)) continue;
            if (best is null || route.Precedence < best.Precedence) best = route;
        }
        return best;
    }

    /// <summary>The route for an invoke: by verb for <c>adaptiveCard/action</c>, by name otherwise; null if none.</summary>
    public InvokeRoute? MatchInvoke(Activity activity)
    {
        if (string.Equals(activity.Name, InvokeNames.AdaptiveCardAction, StringComparison.OrdinalIgnoreCase))
            return BotRouteBuilder.CardActionVerb(activity) is { } verb ? _cardActions.GetValueOrDefault(verb) : null;
        foreach (var route in _invokeRoutes)
            if (string.Equals(route.InvokeName, activity.Name, StringComparison.OrdinalIgnoreCase)) return route;
        return null;
    }

    /// <summary>The route of either kind for <paramref name="activity"/>.</summary>
    public BotRoute? Match(Activity activity, string text) =>
        activity.IsType(ActivityTypes.Invoke) ? MatchInvoke(activity) : MatchTurn(activity, text);

    private static string Label(string key) => key.Split(':', 2) switch
    {
        ["text", var t] => $"the command '{t}'",
        ["verb", var v] => $"the card verb '{v}'",
        ["invoke", var n] => $"the invoke '{n}'",
        ["activity", var a] => $"the activity type '{a}'",
        ["event", var e] => $"the event '{e}'",
        _ => "every message",
    };
}

public static class InvokeNames
{
    public const string AdaptiveCardAction = "adaptiveCard/action";
    public const string MessageSubmitAction = "message/submitAction";
}

/// <summary>Two routes claim the same command, card verb, invoke name or activity type.</summary>
public sealed class BotRouteConflictException(string message) : InvalidOperationException(message);

/// <summary>A route: what it matches, which handler runs, and the role it requires (null: everyone).</summary>
public abstract class BotRoute
{
    private protected BotRoute(string description, int precedence, Type handlerType, IReadOnlyList<string> keys)
    {
        Description = description;
        Precedence = precedence;
        HandlerType = handlerType;
        Keys = keys;
    }

    public string Description { get; }
    public int Precedence { get; }
    public Type HandlerType { get; }

    /// <summary>The role a user needs (e.g. Coach); others get the role guard's polite refusal, never the handler.</summary>
    public string? RequiredRole { get; internal set; }

    /// <summary>What this route claims exclusively: <c>text:help</c>, <c>verb:rsvp.register</c>, <c>invoke:…</c>, <c>activity:…</c>.</summary>
    internal IReadOnlyList<string> Keys { get; }
}

/// <summary>A message, command or other non-invoke activity; runs on the conversation's turn queue.</summary>
public sealed class TurnRoute : BotRoute
{
    internal TurnRoute(string description, int precedence, Type handlerType, IReadOnlyList<string> keys,
        Func<Activity, string, bool> matches, Func<IServiceProvider, ITurnContext, CancellationToken, Task> run)
        : base(description, precedence, handlerType, keys)
    {
        Matches = matches;
        Run = run;
    }

    internal Func<Activity, string, bool> Matches { get; }
    internal Func<IServiceProvider, ITurnContext, CancellationToken, Task> Run { get; }
}

/// <summary>An invoke (by name) or a Universal Action (by verb); its result is the HTTP reply.</summary>
public sealed class InvokeRoute : BotRoute
{
    internal InvokeRoute(string description, Type handlerType, IReadOnlyList<string> keys, string invokeName, IReadOnlyList<string> verbs,
        Func<IServiceProvider, ITurnContext, CancellationToken, Task<InvokeResponse>> run)
        : base(description, 0, handlerType, keys)
    {
        InvokeName = invokeName;
        Verbs = verbs;
        Run = run;
    }

    public string InvokeName { get; }

    /// <summary>Card verbs of a Universal Action route; empty for other invokes.</summary>
    public IReadOnlyList<string> Verbs { get; }

    public bool IsCardAction => Verbs.Count > 0;

    internal Func<IServiceProvider, ITurnContext, CancellationToken, Task<InvokeResponse>> Run { get; }
}

public sealed class BotRouteBuilder
{
    private readonly BotRouteTable _table;
    private readonly IServiceCollection _services;
    private IReadOnlyList<BotRoute> _last = [];

    internal BotRouteBuilder(BotRouteTable table, IServiceCollection services)
    {
        _table = table;
        _services = services;
    }

    private const int CommandPrecedence = 0, ConditionalPrecedence = 10, FallbackPrecedence = 100;

    /// <summary>A text command (first word, case-insensitive, mention stripped), e.g. "help".</summary>
    public BotRouteBuilder OnCommand<THandler>(params string[] commands) where THandler : class, ITurnHandler =>
        Turn<THandler>($"command {string.Join('|', commands)}", CommandPrecedence, commands.Select(c => $"text:{c}"),
            (a, text) => a.IsType(ActivityTypes.Message) && commands.Any(c => IsCommand(text, c)));

    /// <summary>A message that is exactly one of <paramref name="texts"/> (case-insensitive, mention stripped, trailing . ! ? ignored):
    /// "help" is a command, "help me write a memo" is a question.</summary>
    public BotRouteBuilder OnExactText<THandler>(params string[] texts) where THandler : class, ITurnHandler =>
        Turn<THandler>($"text {string.Join('|', texts)}", CommandPrecedence, texts.Select(t => $"text:{t}"),
            (a, text) => a.IsType(ActivityTypes.Message) && IsExactly(text, texts));

    public static bool IsExactly(string text, IEnumerable<string> texts)
    {
        var trimmed = text.Trim().TrimEnd('.', '!', '?').TrimEnd();
        return texts.Any(t => string.Equals(trimmed, t, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Any message no command matched.</summary>
    public BotRouteBuilder OnMessage<THandler>() where THandler : class, ITurnHandler =>
        Turn<THandler>("message", FallbackPrecedence, ["message"], (a, _) => a.IsType(ActivityTypes.Message));

    /// <summary>Another activity type (conversationUpdate, installationUpdate, event…). Invokes use <see cref="OnInvoke{THandler}"/>.</summary>
    public BotRouteBuilder OnActivity<THandler>(string activityType) where THandler : class, ITurnHandler
    {
        if (string.Equals(activityType, ActivityTypes.Invoke, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException("Invokes answer in the HTTP reply: route them with OnInvoke or OnCardAction.", nameof(activityType));
        return Turn<THandler>(activityType, ConditionalPrecedence, [$"activity:{activityType}"], (a, _) => a.IsType(activityType));
    }

    /// <summary>An <c>event</c> activity by name (e.g. <c>application/vnd.microsoft.readReceipt</c>); a route for all events (<see cref="OnActivity{THandler}"/>) still gets the others.</summary>
    public BotRouteBuilder OnEvent<THandler>(string eventName) where THandler : class, ITurnHandler =>
        Turn<THandler>($"event {eventName}", CommandPrecedence, [$"event:{eventName}"],
            (a, _) => a.IsType(ActivityTypes.Event) && string.Equals(a.Name, eventName, StringComparison.OrdinalIgnoreCase));

    /// <summary>An invoke by name whose handler reads the raw activity.</summary>
    public BotRouteBuilder OnInvoke<THandler>(string invokeName) where THandler : class, IInvokeHandler =>
        Invoke<THandler>(invokeName, (sp, context, ct) => sp.GetRequiredService<THandler>().HandleAsync(context, ct));

    /// <summary>An invoke by name with <c>value</c> bound to <typeparamref name="TValue"/>; a value that does not bind gets HTTP 400.</summary>
    public BotRouteBuilder OnInvoke<THandler, TValue>(string invokeName) where THandler : class, IInvokeHandler<TValue> =>
        Invoke<THandler>(invokeName, (sp, context, ct) =>
            InvokeBinding.TryBind<TValue>(context.Activity.Value, out var value, out var error)
                ? sp.GetRequiredService<THandler>().HandleAsync(context, value, ct)
                : Task.FromResult(InvokeResponse.BadRequest($"The {invokeName} value is not valid: {error}.")));

    /// <summary>
    /// Universal Actions: an <c>adaptiveCard/action</c> invoke whose <c>Action.Execute</c> verb is one of <paramref name="verbs"/>,
    /// with <c>value.action.data</c> bound to <typeparamref name="TData"/>. Data that does not bind is answered with a
    /// 400 <c>application/vnd.microsoft.error</c> naming the field.
    /// </summary>
    public BotRouteBuilder OnCardAction<THandler, TData>(params string[] verbs) where THandler : class, ICardActionHandler<TData>
    {
        if (verbs.Length == 0 || verbs.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("A card action route needs at least one verb.", nameof(verbs));
        _services.TryAddScoped<THandler>();
        var route = new InvokeRoute($"card action {string.Join('|', verbs)}", typeof(THandler), verbs.Select(v => $"verb:{v}").ToList(),
            InvokeNames.AdaptiveCardAction, verbs, async (sp, context, ct) =>
            {
                var (verb, data, trigger) = ReadCardAction(context.Activity);
                if (!InvokeBinding.TryBind<TData>(data, out var bound, out var error))
                    return InvokeResponse.From(AdaptiveCardInvokeResponse.Error(400, "BadRequest",
                        $"This card sent incomplete data ({error}). Please use the latest version of the card and try again."));
                var response = await sp.GetRequiredService<THandler>().HandleAsync(context, new CardAction<TData>(verb ?? "", bound, trigger), ct);
                return InvokeResponse.From(response);
            });
        return Added(_table.Add(route));
    }

    /// <summary>
    /// The routes added by the previous call require <paramref name="role"/> (e.g. Coach): the host asks the
    /// <see cref="IBotRoleGuard"/> before running the handler, and users without the role get its polite refusal.
    /// </summary>
    public BotRouteBuilder RequireRole(string role)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        if (_last.Count == 0) throw new InvalidOperationException("RequireRole follows the route it guards, e.g. .OnCommand<H>(\"broadcast\").RequireRole(\"Coach\").");
        foreach (var route in _last) route.RequiredRole = role;
        return this;
    }

    private BotRouteBuilder Turn<THandler>(string description, int precedence, IEnumerable<string> keys, Func<Activity, string, bool> matches)
        where THandler : class, ITurnHandler
    {
        _services.TryAddScoped<THandler>();
        var route = new TurnRoute(description, precedence, typeof(THandler), keys.ToList(), matches,
            (sp, context, ct) => sp.GetRequiredService<THandler>().HandleAsync(context, ct));
        return Added(_table.Add(route));
    }

    private BotRouteBuilder Invoke<THandler>(string invokeName, Func<IServiceProvider, ITurnContext, CancellationToken, Task<InvokeResponse>> run) where THandler : class
    {
        if (string.Equals(invokeName, InvokeNames.AdaptiveCardAction, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException("Universal Actions route by verb: use OnCardAction.", nameof(invokeName));
        _services.TryAddScoped<THandler>();
        var route = new InvokeRoute($"invoke {invokeName}", typeof(THandler), [$"invoke:{invokeName}"], invokeName, [], run);
        return Added(_table.Add(route));
    }

    private BotRouteBuilder Added(BotRoute route)
    {
        _last = [route];
        return this;
    }

    internal static bool IsCommand(string text, string command) =>
        text.Equals(command, StringComparison.OrdinalIgnoreCase)
        || (text.StartsWith(command, StringComparison.OrdinalIgnoreCase) && text.Length > command.Length && char.IsWhiteSpace(text[command.Length]));

    /// <summary>The verb of an Action.Execute invoke, if well-formed.</summary>
    public static string? CardActionVerb(Activity activity) => ActionOf(activity) is { } action && action.TryGetProperty("verb", out var verb) ? SafeString(verb) : null;

    /// <summary>Verb, data and trigger of an <c>adaptiveCard/action</c> invoke (<c>value: {action: {verb, data}, trigger}</c>).</summary>
    internal static (string? Verb, JsonElement? Data, string Trigger) ReadCardAction(Activity activity)
    {
        var action = ActionOf(activity);
        string? verb = null;
        JsonElement? data = null;
        if (action is { } a)
        {
            verb = a.TryGetProperty("verb", out var v) ? SafeString(v) : null;
            data = a.TryGetProperty("data", out var d) ? d : null;
        }
        var trigger = activity.Value is { ValueKind: JsonValueKind.Object } value && value.TryGetProperty("trigger", out var t) && SafeString(t) is { } s
            ? s
            : CardActionTriggers.Manual;
        return (verb, data, trigger);
    }

    private static JsonElement? ActionOf(Activity activity) =>
        activity.Value is { ValueKind: JsonValueKind.Object } value && value.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.Object
            ? action
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
