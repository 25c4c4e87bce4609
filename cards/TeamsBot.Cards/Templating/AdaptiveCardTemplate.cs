using System.Buffers;
using System.Text.Json;

namespace TeamsBot.Cards.Templating;

/// <summary>
/// An Adaptive Card template, parsed once and expanded many times: the Adaptive Cards Templating language
/// (<c>${expression}</c>, <c>$data</c>, <c>$when</c>, <c>$root</c>, <c>$index</c>) with the behaviour of the
/// official <c>adaptivecards-templating</c> 2.3 JS engine, including how it treats missing data
/// (an unresolved <c>${path}</c> stays in the output as written).
/// </summary>
public sealed class AdaptiveCardTemplate
{
    private static readonly HashSet<string> ReservedFields =
        new(StringComparer.Ordinal) { "$data", "$when", "$root", "$index", "$host", "$_acTemplateVersion" };

    private readonly Node _root;

    private AdaptiveCardTemplate(Node root) => _root = root;

    /// <summary>Parses a template. Throws <see cref="CardTemplateException"/> when an expression is invalid.</summary>
    public static AdaptiveCardTemplate Parse(string templateJson)
    {
        using var doc = JsonDocument.Parse(templateJson);
        return Parse(doc.RootElement);
    }

    public static AdaptiveCardTemplate Parse(JsonElement template) => new(Prepare(template));

    /// <summary>Expands the template with data (a JSON element) as <c>$root</c>.</summary>
    public JsonElement Expand(JsonElement data) => ExpandValue(JsValue.FromJson(data));

    internal JsonElement ExpandValue(object? root)
    {
        var scope = new Scope { Root = root };
        var result = Expand(_root, scope);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsValue.WriteJson(writer, result);
        }
        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        return JsonElement.ParseValue(ref reader);
    }

    private abstract class Node;
    private sealed class LiteralNode(object? value) : Node { public readonly object? Value = value; }
    private sealed class ExprNode(Expr expr) : Node { public readonly Expr Expr = expr; }
    private sealed class ArrayNode(Node[] items) : Node { public readonly Node[] Items = items; }
    private sealed class ObjectNode((string Key, Node Value)[] props, Node? when, Node? data) : Node
    {
        public readonly (string Key, Node Value)[] Props = props;
        public readonly Node? When = when;
        public readonly Node? Data = data;
    }

    private static Node Prepare(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
            {
                var s = e.GetString()!;
                return ExpressionParser.ParseTemplateString(s) is { } expr ? new ExprNode(expr) : new LiteralNode(s);
            }
            case JsonValueKind.Array:
                return new ArrayNode(e.EnumerateArray().Select(Prepare).ToArray());
            case JsonValueKind.Object:
            {
                Node? when = null, data = null;
                var props = new List<(string, Node)>();
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name == "$when") when = Prepare(p.Value);
                    else if (p.Name == "$data")
                    {
                        if (p.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                            throw new CardTemplateException("A literal object or array as $data is not supported; bind it with ${...}.");
                        data = Prepare(p.Value);
                    }
                    else if (!ReservedFields.Contains(p.Name)) props.Add((p.Name, Prepare(p.Value)));
                }
                return new ObjectNode(props.ToArray(), when, data);
            }
            default:
                return new LiteralNode(JsValue.FromJson(e));
        }
    }

    private static object? Expand(Node node, Scope scope)
    {
        var savedData = scope.Data;
        var savedIndex = scope.Index;
        try
        {
            switch (node)
            {
                case LiteralNode l: return l.Value;
                case ExprNode x: return Evaluator.EvaluateTemplateValue(x.Expr, scope);
                case ArrayNode a:
                {
                    var items = new List<object?>(a.Items.Length);
                    foreach (var item in a.Items)
                    {
                        var expanded = Expand(item, scope);
                        if (expanded is null) continue; // dropped ($when false, empty $data array, null value)
                        if (expanded is List<object?> many) items.AddRange(many);
                        else items.Add(expanded);
                    }
                    return items;
                }
                case ObjectNode o: return ExpandObject(o, scope);
                default: throw new InvalidOperationException();
            }
        }
        finally
        {
            scope.Data = savedData;
            scope.Index = savedIndex;
        }
    }

    private static object? ExpandObject(ObjectNode o, Scope scope)
    {
        object? contextValue = Undefined.Value;
        if (o.Data is not null)
        {
            contextValue = o.Data switch
            {
                ExprNode x => Evaluator.EvaluateTemplateValue(x.Expr, scope),
                LiteralNode l => l.Value,
                _ => throw new InvalidOperationException(),
            };
        }
        var contexts = contextValue as List<object?>;
        var count = contexts?.Count ?? 1;

        List<object?>? results = null;
        object? single = null;
        var produced = 0;
        for (var i = 0; i < count; i++)
        {
            var context = contexts is null ? contextValue : contexts[i];
            if (contexts is not null) scope.Index = (double)i;
            if (context is not Undefined) scope.Data = context;

            var drop = o.When switch
            {
                null => false,
                ExprNode w => !Evaluator.EvaluateWhen(w.Expr, scope),
                LiteralNode l => IsJsTruthy(l.Value), // a non-expression $when that is truthy drops the element (JS behaviour)
                _ => true,
            };
            if (drop) continue;

            var expanded = new JsObject(o.Props.Length);
            foreach (var (key, valueNode) in o.Props)
            {
                var value = Expand(valueNode, scope);
                if (value is not Undefined) expanded.Add(new(key, value));
            }
            produced++;
            if (produced == 1) single = expanded;
            else
            {
                results ??= [single];
                results.Add(expanded);
            }
        }
        return produced switch
        {
            0 => null,
            1 => single,
            _ => results,
        };
    }

    private static bool IsJsTruthy(object? v) => v switch
    {
        null or Undefined or false or "" => false,
        double d => d != 0 && !double.IsNaN(d),
        _ => true,
    };
}
