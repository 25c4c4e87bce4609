using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TeamsBot.Cards.Templating;

/// <summary>What an expression can see: <c>$root</c>, the current <c>$data</c> and <c>$index</c>.</summary>
internal sealed class Scope
{
    public object? Root;
    /// <summary><see cref="Undefined"/> until a <c>$data</c> changes it; then <c>$data</c> is no longer <c>$root</c>.</summary>
    public object? Data = Undefined.Value;
    public object? Index = Undefined.Value;

    public object? CurrentData => Data is Undefined ? Root : Data;

    // $_acTemplateVersion as the 2.3.1 JS engine reports it.
    private static readonly JsObject TemplateVersion =
    [
        new("major", 2d), new("minor", 3d), new("patch", 1d), new("suffix", ""),
    ];

    /// <summary>The first segment of a memory path: one of the reserved names (case-insensitive, as in JS).</summary>
    public object? Reserved(string name)
    {
        if (name.Equals("$root", StringComparison.OrdinalIgnoreCase)) return Root;
        if (name.Equals("$data", StringComparison.OrdinalIgnoreCase)) return CurrentData;
        if (name.Equals("$index", StringComparison.OrdinalIgnoreCase)) return Index;
        if (name.Equals("$_acTemplateVersion", StringComparison.OrdinalIgnoreCase)) return TemplateVersion;
        return Undefined.Value; // $host and anything else
    }
}

/// <summary>Evaluates expressions with the semantics of adaptive-expressions 4.23 as driven by adaptivecards-templating 2.3.</summary>
internal static class Evaluator
{
    /// <summary>
    /// Evaluates a whole string value (<c>allowSubstitutions</c> = true in the JS engine). An interpolation, or a top-level
    /// <c>concat</c>, is concatenated part by part with failed parts kept as <c>${text}</c>; any other failure throws.
    /// </summary>
    public static object? EvaluateTemplateValue(Expr e, Scope scope)
    {
        IReadOnlyList<Expr>? parts = e switch
        {
            InterpolationExpr i => i.Parts,
            CallExpr { Name: "concat" } c => c.Args,
            InfixCall { Function: "concat" } c => c.Call.Args,
            _ => null,
        };
        if (parts is null)
        {
            try { return Evaluate(e, scope, true); }
            catch (ExprErrorException ex) { throw new CardTemplateException(ex.Message); }
        }

        var sb = new StringBuilder();
        foreach (var part in parts)
        {
            if (part is ConstantExpr { Value: string constant }) { sb.Append(constant); continue; }
            object? value;
            try { value = Evaluate(part, scope, true); }
            catch (Exception ex) when (ex is ExprErrorException or CardTemplateException) { value = "${" + part + "}"; }
            sb.Append(JsValue.ToJsString(value));
        }
        return sb.ToString();
    }

    /// <summary>Evaluates <c>$when</c>: no substitutions; only boolean true keeps the element.</summary>
    public static bool EvaluateWhen(Expr e, Scope scope)
    {
        if (e is InterpolationExpr) return false; // evaluates to a string
        try { return Evaluate(e, scope, false) is true; }
        catch (Exception ex) when (ex is ExprErrorException or CardTemplateException) { return false; }
    }

    public static object? Evaluate(Expr e, Scope scope, bool subst) => e switch
    {
        ConstantExpr c => c.Value,
        AccessorExpr a => EvaluateAccessor(a, scope, subst),
        ElementExpr el => EvaluateElement(el, scope, subst),
        InfixCall i => Functions.Invoke(i.Call, scope, subst),
        CallExpr call => Functions.Invoke(call, scope, subst),
        InterpolationExpr i => Functions.ConcatValues(i.Parts.Select(p => Evaluate(p, scope, subst)).ToList()),
        _ => throw new InvalidOperationException(e.GetType().Name),
    };

    private static object? EvaluateAccessor(AccessorExpr a, Scope scope, bool subst)
    {
        if (a.StaticPath is { } fixedPath)
        {
            var found = GetParts(scope, a.StaticParts!);
            if (found is not Undefined) return found;
            return subst ? "${" + fixedPath.Path + "}" : Undefined.Value;
        }

        // Fold the accessor/element chain into a path string, exactly as FunctionUtils.tryAccumulatePath does.
        var path = "";
        Expr? left = a;
        while (left is not null)
        {
            if (left is AccessorExpr acc)
            {
                path = acc.Name + "." + path;
                left = acc.Instance;
            }
            else if (left is ElementExpr el)
            {
                var idx = Evaluate(el.Index, scope, subst);
                var asText = idx is string s ? s : idx is double d ? JsValue.NumberToString(d) : null;
                if (asText is not null && JsValue.ParseIntPrefix(asText) is not null) path = "[" + asText + "]." + path;
                else if (idx is string str) path = "['" + str + "']." + path;
                else throw new ExprErrorException($"{el.Index} doesn't return an int or string");
                left = el.Instance;
            }
            else break;
        }
        path = path.TrimEnd('.').Replace(".[", "[", StringComparison.Ordinal);

        object? value;
        if (left is null)
        {
            var actual = path.Length > 0 && path[0] != '$' ? "$data." + path : path;
            value = GetPath(scope, actual);
        }
        else
        {
            var instance = Evaluate(left, scope, subst);
            value = instance is Undefined ? Undefined.Value : GetPath(instance, path);
        }
        if (value is not Undefined) return value;
        return subst ? "${" + path + "}" : Undefined.Value;
    }

    private static object? EvaluateElement(ElementExpr el, Scope scope, bool subst)
    {
        var instance = Evaluate(el.Instance, scope, subst);
        var idx = Evaluate(el.Index, scope, false);
        if (JsValue.IsInteger(idx)) return AccessIndex(instance, (double)idx!);
        if (idx is string s) return AccessProperty(instance, s);
        throw new ExprErrorException($"Could not coerce {el.Index} to an int or string.");
    }

    private static object? AccessIndex(object? instance, double index)
    {
        if (JsValue.IsNullish(instance)) return Undefined.Value;
        if (instance is List<object?> list)
        {
            if (index >= 0 && index < list.Count) return list[(int)index];
            throw new ExprErrorException($"{JsValue.NumberToString(index)} is out of range for {JsValue.ToJsString(list)}");
        }
        throw new ExprErrorException($"{SafeText(instance)} is not a collection.");
    }

    private static string SafeText(object? v) => JsValue.IsNullish(v) ? "null" : JsValue.ToJsString(v);

    /// <summary>Property access: falsy instances give undefined; object keys match case-insensitively.</summary>
    private static object? AccessProperty(object? instance, string property)
    {
        switch (instance)
        {
            case null or Undefined or false or "": return Undefined.Value;
            case double d when d == 0 || double.IsNaN(d): return Undefined.Value;
            case JsObject o: return o.TryGet(property, out var v) ? v : Undefined.Value;
            case List<object?> list:
                return IsCanonicalIndex(property, out var i) && i < list.Count ? list[i] : Undefined.Value;
            case string s:
                return IsCanonicalIndex(property, out var j) && j < s.Length ? s[j].ToString() : Undefined.Value;
            default: return Undefined.Value;
        }
    }

    private static bool IsCanonicalIndex(string s, out int i) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out i) && i.ToString(CultureInfo.InvariantCulture) == s;

    /// <summary>SimpleObjectMemory.getValue: split on '.', '[' and ']', strip quotes, walk; any error gives undefined.</summary>
    private static object? GetPath(object? root, string path)
    {
        if (root is Undefined || path.Length == 0) return Undefined.Value;
        return GetParts(root, SplitPath(path));
    }

    private static object? GetParts(object? root, IReadOnlyList<string> parts)
    {
        if (root is Undefined) return Undefined.Value;
        object? value = Undefined.Value;
        object? current = root;
        for (var p = 0; p < parts.Count; p++)
        {
            var part = parts[p];
            if (p == 0 && root is Scope scope)
            {
                value = scope.Reserved(part);
            }
            else if (JsValue.ParseIntPrefix(part) is { } idx && current is List<object?> list)
            {
                if (idx < 0 || idx >= list.Count) return Undefined.Value;
                value = list[idx];
            }
            else
            {
                value = AccessProperty(current, part);
            }
            current = value;
        }
        return value;
    }

    internal static List<string> SplitPath(string path)
    {
        var parts = new List<string>(4);
        var start = 0;
        for (var i = 0; i <= path.Length; i++)
        {
            if (i == path.Length || path[i] is '.' or '[' or ']')
            {
                if (i > start)
                {
                    var part = path[start..i];
                    if (part.Length >= 2 && ((part[0] == '"' && part[^1] == '"') || (part[0] == '\'' && part[^1] == '\'')))
                        part = part[1..^1];
                    if (part.Length > 0) parts.Add(part);
                }
                start = i + 1;
            }
        }
        return parts;
    }

    internal static object? ParseJson(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text.Trim());
            return JsValue.FromJson(doc.RootElement);
        }
        catch (JsonException ex)
        {
            throw new ExprErrorException(ex.Message);
        }
    }
}
