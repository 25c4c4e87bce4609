using System.Globalization;

namespace TeamsBot.Cards.Templating;

/// <summary>
/// The built-in functions the card templates use, each with the argument checks and null handling of
/// adaptive-expressions 4.23 (the official JS engine's expression library).
/// </summary>
internal static class Functions
{
    private static readonly CultureInfo EnUs = CultureInfo.GetCultureInfo("en-US");
    private const double JsNumberEpsilon = 2.220446049250313e-16; // Number.EPSILON

    private static readonly Dictionary<string, (int Min, int Max)> Arity = new(StringComparer.Ordinal)
    {
        ["if"] = (3, 3), ["and"] = (1, int.MaxValue), ["or"] = (1, int.MaxValue), ["not"] = (1, 1),
        ["equals"] = (2, 2), ["notEquals"] = (2, 2), ["less"] = (2, 2), ["lessOrEquals"] = (2, 2),
        ["greater"] = (2, 2), ["greaterOrEquals"] = (2, 2), ["empty"] = (1, 1), ["exists"] = (1, 1),
        ["add"] = (2, int.MaxValue), ["sub"] = (2, int.MaxValue), ["mul"] = (2, int.MaxValue),
        ["div"] = (2, int.MaxValue), ["mod"] = (2, 2), ["exp"] = (2, 2), ["round"] = (1, 2),
        ["concat"] = (1, int.MaxValue), ["count"] = (1, 1), ["length"] = (1, 1),
        ["toUpper"] = (1, 2), ["toLower"] = (1, 2), ["string"] = (1, 2), ["json"] = (1, 1),
        ["formatDateTime"] = (1, 3), ["join"] = (2, 3), ["createArray"] = (0, int.MaxValue), ["first"] = (1, 1), ["last"] = (1, 1),
    };

    public static bool IsKnown(string name) => Arity.ContainsKey(name);

    public static void ValidateArity(string name, int count)
    {
        var (min, max) = Arity[name];
        if (count < min || count > max)
            throw new CardTemplateException($"{name} expects {(min == max ? min.ToString(CultureInfo.InvariantCulture) : $"{min}..{(max == int.MaxValue ? "n" : max.ToString(CultureInfo.InvariantCulture))}")} arguments, got {count}.");
    }

    public static object? Invoke(CallExpr call, Scope scope, bool subst)
    {
        var a = call.Args;
        switch (call.Name)
        {
            case "if":
            {
                bool condition;
                try { condition = JsValue.IsLogicTrue(Evaluator.Evaluate(a[0], scope, false)); }
                catch (ExprErrorException) { condition = false; }
                return Evaluator.Evaluate(condition ? a[1] : a[2], scope, subst);
            }
            case "and":
                foreach (var child in a)
                {
                    try { if (!JsValue.IsLogicTrue(Evaluator.Evaluate(child, scope, false))) return false; }
                    catch (ExprErrorException) { return false; }
                }
                return true;
            case "or":
                foreach (var child in a)
                {
                    try { if (JsValue.IsLogicTrue(Evaluator.Evaluate(child, scope, false))) return true; }
                    catch (ExprErrorException) { }
                }
                return false;
            case "not":
                try { return !JsValue.IsLogicTrue(Evaluator.Evaluate(a[0], scope, false)); }
                catch (ExprErrorException) { return true; }
            case "equals": return Comparison(a, scope, null, args => CommonEquals(args[0], args[1]));
            case "notEquals": return Comparison(a, scope, null, args => !CommonEquals(args[0], args[1]));
            case "less": return Comparison(a, scope, VerifyNotNull, args => Compare(args) < 0);
            case "lessOrEquals": return Comparison(a, scope, VerifyNotNull, args => Compare(args) <= 0);
            case "greater": return Comparison(a, scope, VerifyNotNull, args => Compare(args) > 0);
            case "greaterOrEquals": return Comparison(a, scope, VerifyNotNull, args => Compare(args) >= 0);
            case "exists": return Comparison(a, scope, VerifyNotNull, args => !JsValue.IsNullish(args[0]));
            case "empty": return Comparison(a, scope, VerifyContainerOrNull, args => IsEmpty(args[0]));
            case "add": return Sequence(Args(a, scope, subst, VerifyNumberOrStringOrNull), Add);
            case "sub": return Sequence(Args(a, scope, subst, VerifyNumber), (x, y) => (double)x! - (double)y!);
            case "mul": return Sequence(Args(a, scope, subst, VerifyNumber), (x, y) => (double)x! * (double)y!);
            case "div":
            {
                var args = Args(a, scope, subst, VerifyNumber);
                for (var i = 1; i < args.Count; i++)
                    if ((double)args[i]! == 0) throw new ExprErrorException($"Cannot divide by 0 from {call}");
                return Sequence(args, (x, y) =>
                {
                    var r = (double)x! / (double)y!;
                    return JsValue.IsInteger(x) && JsValue.IsInteger(y) ? Math.Floor(r) : r;
                });
            }
            case "mod":
            {
                var args = Args(a, scope, subst, VerifyNumber);
                if ((double)args[1]! == 0) throw new ExprErrorException($"Cannot mod by 0 from {call}");
                return (double)args[0]! % (double)args[1]!;
            }
            case "exp":
            {
                var args = Args(a, scope, subst, VerifyNumber);
                return Math.Pow((double)args[0]!, (double)args[1]!);
            }
            case "round":
            {
                var args = Args(a, scope, subst, VerifyNumber);
                if (args.Count == 2 && !JsValue.IsInteger(args[1])) throw new ExprErrorException($"The second parameter {SafeText(args[1])} must be an integer.");
                var digits = args.Count == 2 ? (double)args[1]! : 0;
                if (digits is < 0 or > 15) throw new ExprErrorException($"The second parameter {SafeText(args[1])} must be an integer between 0 and 15;");
                var scale = Math.Pow(10, digits);
                return JsRound((double)args[0]! * scale) / scale;
            }
            case "concat": return ConcatValues(Args(a, scope, subst, null));
            case "count":
            {
                var v = Args(a, scope, subst, VerifyContainer)[0];
                return v switch
                {
                    string s => (double)s.Length,
                    List<object?> l => (double)l.Count,
                    JsObject o => (double)o.Count,
                    _ => Undefined.Value,
                };
            }
            case "length":
            {
                var v = Args(a, scope, subst, VerifyStringOrUndefined)[0];
                return (double)(v as string ?? "").Length;
            }
            case "toUpper": return UpperFull((Args(a, scope, subst, VerifyStringOrUndefined)[0] as string ?? "").ToUpper(EnUs));
            case "toLower": return (Args(a, scope, subst, VerifyStringOrUndefined)[0] as string ?? "").ToLower(EnUs);
            case "string": return StringOf(Args(a, scope, subst, null)[0]);
            case "json":
            {
                var v = Args(a, scope, subst, null)[0];
                if (v is not string s) throw new ExprErrorException($"{call} requires a string.");
                return Evaluator.ParseJson(s);
            }
            case "formatDateTime": return FormatDateTime(Args(a, scope, subst, null), call);
            case "join":
            {
                var args = Args(a, scope, subst, null);
                if (args[0] is not List<object?> list) throw new ExprErrorException($"{a[0]} evaluates to {SafeText(args[0])} which is not a list.");
                var sep = JsValue.ToJsString(args[1]);
                var items = list.Select(x => JsValue.IsNullish(x) ? "" : JsValue.ToJsString(x)).ToList();
                if (args.Count == 3 && items.Count > 1)
                    return string.Join(sep, items.Take(items.Count - 1)) + JsValue.ToJsString(args[2]) + items[^1];
                return string.Join(sep, items);
            }
            case "createArray": return Args(a, scope, subst, null);
            case "first":
            case "last":
            {
                var v = Args(a, scope, subst, null)[0];
                var first = call.Name == "first";
                return v switch
                {
                    string { Length: > 0 } s => (first ? s[0] : s[^1]).ToString(),
                    List<object?> { Count: > 0 } l => first ? l[0] : l[^1],
                    _ => Undefined.Value,
                };
            }
            default: throw new ExprErrorException("Unknown function " + call.Name);
        }
    }

    private delegate string? Verify(object? value, Expr expression);

    private static List<object?> Args(IReadOnlyList<Expr> exprs, Scope scope, bool subst, Verify? verify)
    {
        var list = new List<object?>(exprs.Count);
        foreach (var e in exprs)
        {
            var v = Evaluator.Evaluate(e, scope, subst);
            if (verify?.Invoke(v, e) is { } error) throw new ExprErrorException(error);
            list.Add(v);
        }
        return list;
    }

    /// <summary>ComparisonEvaluator: children evaluated without substitution; evaluation or check errors give false.</summary>
    private static bool Comparison(IReadOnlyList<Expr> exprs, Scope scope, Verify? verify, Func<List<object?>, bool> func)
    {
        List<object?> args;
        try { args = Args(exprs, scope, false, verify); }
        catch (ExprErrorException) { return false; }
        return func(args);
    }

    private static object? Sequence(List<object?> args, Func<object?, object?, object?> func)
    {
        var soFar = args[0];
        for (var i = 1; i < args.Count; i++) soFar = func(soFar, args[i]);
        return soFar;
    }

    /// <summary>JavaScript's Math.round: halves round up (towards +∞), unlike .NET's banker's rounding.</summary>
    private static double JsRound(double x)
    {
        if (!double.IsFinite(x)) return x;
        var floor = Math.Floor(x);
        return x - floor >= 0.5 ? floor + 1 : floor;
    }

    private static object? Add(object? x, object? y)
    {
        if ((JsValue.IsNullish(x) && JsValue.IsNumber(y)) || (JsValue.IsNullish(y) && JsValue.IsNumber(x)))
            throw new ExprErrorException("Operator '+' or add cannot be applied to operands of type 'number' and null object.");
        if (JsValue.IsNumber(x) && JsValue.IsNumber(y)) return (double)x! + (double)y!;
        if (JsValue.IsNullish(x) && JsValue.IsNullish(y)) return "";
        if (JsValue.IsNullish(x)) return JsValue.ToJsString(y);
        if (JsValue.IsNullish(y)) return JsValue.ToJsString(x);
        return JsValue.ToJsString(x) + JsValue.ToJsString(y);
    }

    internal static object? ConcatValues(List<object?> args) => Sequence(args, (x, y) =>
    {
        var xl = x as List<object?>;
        var yl = y as List<object?>;
        if (JsValue.IsNullish(x) && JsValue.IsNullish(y)) return Undefined.Value;
        if (JsValue.IsNullish(x) && yl is not null) return yl;
        if (JsValue.IsNullish(y) && xl is not null) return xl;
        if (xl is not null && yl is not null) return xl.Concat(yl).ToList();
        return CommonStringify(x) + CommonStringify(y);
    });

    private static string CommonStringify(object? v) => v switch
    {
        null or Undefined => "",
        List<object?> or JsObject => JsValue.Stringify(v).TrimStart('\'', '"').TrimEnd('\'', '"'),
        _ => JsValue.ToJsString(v),
    };

    private static string StringOf(object? v)
    {
        if (v is string s) return s;
        if (JsValue.IsNumber(v))
        {
            // d3-format ",.{n}f" in en-US: thousands separators, as many decimals as the number's JS text has.
            var d = (double)v!;
            var text = JsValue.NumberToString(d);
            var dot = text.IndexOf('.');
            var precision = dot < 0 ? 0 : text.Length - dot - 1;
            var formatted = Math.Abs(d).ToString("N" + precision.ToString(CultureInfo.InvariantCulture), EnUs);
            return d < 0 ? "\u2212" + formatted : formatted; // d3-format writes a true minus sign
        }
        return CommonStringify(v);
    }

    private static string FormatDateTime(List<object?> args, CallExpr call)
    {
        if (args[0] is not string text || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var ts) || !LooksIso(text))
            throw new ExprErrorException($"{SafeText(args[0])} is not a valid datetime string.");
        var format = args.Count > 1 && args[1] is string f ? f : "yyyy-MM-ddTHH:mm:ss.fffZ";
        return ts.UtcDateTime.ToString(format, EnUs);
    }

    // ISO 8601 dates only (the JS engine rejects free-form dates).
    private static bool LooksIso(string s) => s.Length >= 10 && char.IsAsciiDigit(s[0]) && s[4] == '-' && s[7] == '-';

    private static int Compare(List<object?> args)
    {
        var (x, y) = (args[0], args[1]);
        if (JsValue.IsNumber(x) && JsValue.IsNumber(y)) return ((double)x!).CompareTo((double)y!);
        if (x is string sx && y is string sy) return string.CompareOrdinal(sx, sy);
        throw new ExprErrorException($"{SafeText(x)} and {SafeText(y)} must be comparable.");
    }

    private static bool CommonEquals(object? x, object? y)
    {
        if (JsValue.IsNullish(x) || JsValue.IsNullish(y)) return JsValue.IsNullish(x) && JsValue.IsNullish(y);
        if (x is List<object?> xl && y is List<object?> yl)
            return xl.Count == yl.Count && xl.Zip(yl).All(p => CommonEquals(p.First, p.Second));
        if (x is JsObject || y is JsObject)
            return x is JsObject && y is JsObject && JsValue.Stringify(x) == JsValue.Stringify(y);
        if (x is double dx && y is double dy && Math.Abs(dx - dy) < JsNumberEpsilon) return true;
        return x switch
        {
            string s => y is string t && s == t,
            double d => y is double e && d == e,
            bool b => y is bool c && b == c,
            _ => false,
        };
    }

    private static bool IsEmpty(object? v) => v switch
    {
        null or Undefined => true,
        string s => s.Length == 0,
        List<object?> l => l.Count == 0,
        JsObject o => o.Count == 0,
        _ => false,
    };

    private static string SafeText(object? v) => v is null ? "null" : v is Undefined ? "undefined" : JsValue.ToJsString(v);

    private static string? VerifyNotNull(object? v, Expr e) => JsValue.IsNullish(v) ? $"{e} is null." : null;
    private static string? VerifyNumber(object? v, Expr e) => JsValue.IsNumber(v) ? null : $"{e} is not a number.";
    // Despite its name in adaptive-expressions, this check accepts undefined but not null.
    private static string? VerifyNumberOrStringOrNull(object? v, Expr e) =>
        v is Undefined or string || JsValue.IsNumber(v) ? null : $"{e} is neither a number nor string";

    /// <summary>JavaScript's toUpperCase applies full case mapping (ß → SS, ligatures), which .NET's ToUpper does not.</summary>
    private static string UpperFull(string s)
    {
        if (!s.Any(c => c is 'ß' or (>= '\uFB00' and <= '\uFB06'))) return s;
        return s.Replace("ß", "SS", StringComparison.Ordinal).Replace("\uFB00", "FF", StringComparison.Ordinal)
            .Replace("\uFB01", "FI", StringComparison.Ordinal).Replace("\uFB02", "FL", StringComparison.Ordinal)
            .Replace("\uFB03", "FFI", StringComparison.Ordinal).Replace("\uFB04", "FFL", StringComparison.Ordinal)
            .Replace("\uFB05", "ST", StringComparison.Ordinal).Replace("\uFB06", "ST", StringComparison.Ordinal);
    }
    private static string? VerifyStringOrUndefined(object? v, Expr e) =>
        v is string or Undefined ? null : $"{e} is neither a string nor a null object.";
    private static string? VerifyContainer(object? v, Expr e) =>
        v is string or List<object?> or JsObject ? null : $"{e} must be a string, list, dictionary or object.";
    private static string? VerifyContainerOrNull(object? v, Expr e) =>
        v is null or Undefined or string or List<object?> or JsObject ? null : $"{e} must be a string, list, dictionary or null.";
}
