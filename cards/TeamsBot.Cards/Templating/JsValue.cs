using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TeamsBot.Cards.Templating;

/// <summary>JavaScript's <c>undefined</c>: a value that is absent (as opposed to JSON <c>null</c>).</summary>
internal sealed class Undefined
{
    public static readonly Undefined Value = new();
    private Undefined() { }
    public override string ToString() => "undefined";
}

/// <summary>
/// The data model the engine evaluates over, mirroring JavaScript values: <see cref="Undefined"/>, null, string,
/// double, bool, <see cref="JsObject"/> (ordered properties) and <see cref="List{T}"/> of values.
/// </summary>
internal sealed class JsObject : List<KeyValuePair<string, object?>>
{
    public JsObject() { }
    public JsObject(int capacity) : base(capacity) { }

    /// <summary>Case-insensitive property lookup, first match in key order (as Adaptive Expressions does).</summary>
    public bool TryGet(string name, out object? value)
    {
        foreach (var kv in this)
        {
            if (kv.Key.Equals(name, StringComparison.Ordinal)) { value = kv.Value; return true; }
        }
        foreach (var kv in this)
        {
            if (kv.Key.Equals(name, StringComparison.OrdinalIgnoreCase)) { value = kv.Value; return true; }
        }
        value = null;
        return false;
    }
}

internal static class JsValue
{
    public static bool IsUndefined(object? v) => v is Undefined;
    public static bool IsNullish(object? v) => v is null or Undefined;
    public static bool IsNumber(object? v) => v is double d && !double.IsNaN(d);
    public static bool IsInteger(object? v) => v is double d && double.IsFinite(d) && Math.Floor(d) == d;

    /// <summary>Converts parsed JSON into the engine's value model.</summary>
    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => FromObject(e),
        JsonValueKind.Array => FromArray(e),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => Undefined.Value,
    };

    private static JsObject FromObject(JsonElement e)
    {
        var o = new JsObject();
        foreach (var p in e.EnumerateObject())
        {
            // JSON.parse keeps the last duplicate; replace in place to keep the first key position.
            var idx = o.FindIndex(kv => kv.Key == p.Name);
            if (idx >= 0) o[idx] = new(p.Name, FromJson(p.Value));
            else o.Add(new(p.Name, FromJson(p.Value)));
        }
        return o;
    }

    private static List<object?> FromArray(JsonElement e)
    {
        var list = new List<object?>(e.GetArrayLength());
        foreach (var item in e.EnumerateArray()) list.Add(FromJson(item));
        return list;
    }

    /// <summary>JavaScript's <c>Number.prototype.toString()</c>.</summary>
    public static string NumberToString(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsPositiveInfinity(d)) return "Infinity";
        if (double.IsNegativeInfinity(d)) return "-Infinity";
        if (d == 0) return "0";
        var abs = Math.Abs(d);
        if (abs >= 1e21 || abs < 1e-6)
        {
            // Exponent form: 1e+21, 1.5e-7.
            var r = d.ToString("R", CultureInfo.InvariantCulture);
            var ePos = r.IndexOf('E');
            if (ePos < 0) return r;
            var mantissa = r[..ePos];
            var exp = int.Parse(r[(ePos + 1)..], CultureInfo.InvariantCulture);
            return mantissa + "e" + (exp >= 0 ? "+" : "-") + Math.Abs(exp).ToString(CultureInfo.InvariantCulture);
        }
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        if (s.Contains('E'))
        {
            // .NET switches to exponent form earlier than JS (e.g. 1E+16); expand it.
            s = decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var m)
                ? m.ToString(CultureInfo.InvariantCulture)
                : d.ToString("F0", CultureInfo.InvariantCulture);
        }
        return s;
    }

    /// <summary>JavaScript's <c>value.toString()</c>, used when interpolating into a string. Null/undefined throw, as in JS.</summary>
    public static string ToJsString(object? v) => v switch
    {
        string s => s,
        double d => NumberToString(d),
        bool b => b ? "true" : "false",
        List<object?> list => string.Join(",", list.Select(x => IsNullish(x) ? "" : ToJsString(x))),
        JsObject => "[object Object]",
        null => throw new CardTemplateException("Cannot read properties of null (reading 'toString')"),
        _ => throw new CardTemplateException("Cannot read properties of undefined (reading 'toString')"),
    };

    /// <summary>JavaScript's <c>JSON.stringify</c> (compact).</summary>
    public static string Stringify(object? v)
    {
        var sb = new StringBuilder();
        WriteStringified(sb, v);
        return sb.ToString();
    }

    private static void WriteStringified(StringBuilder sb, object? v)
    {
        switch (v)
        {
            case null or Undefined: sb.Append("null"); break;
            case string s: QuoteJs(sb, s); break;
            case double d: sb.Append(double.IsFinite(d) ? NumberToString(d) : "null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case List<object?> list:
                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    WriteStringified(sb, list[i]);
                }
                sb.Append(']');
                break;
            case JsObject o:
                sb.Append('{');
                var first = true;
                foreach (var kv in o)
                {
                    if (kv.Value is Undefined) continue;
                    if (!first) sb.Append(',');
                    first = false;
                    QuoteJs(sb, kv.Key);
                    sb.Append(':');
                    WriteStringified(sb, kv.Value);
                }
                sb.Append('}');
                break;
        }
    }

    private static void QuoteJs(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary>JavaScript <c>parseInt</c> for path parts: leading integer or null.</summary>
    public static int? ParseIntPrefix(string s)
    {
        var i = 0;
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        var neg = false;
        if (i < s.Length && s[i] is '+' or '-') { neg = s[i] == '-'; i++; }
        var start = i;
        long n = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]) && n < int.MaxValue) { n = n * 10 + (s[i] - '0'); i++; }
        if (i == start) return null;
        return (int)Math.Min(int.MaxValue, neg ? -n : n);
    }

    /// <summary>Adaptive Expressions' truthiness: booleans are themselves, null/undefined false, anything else true.</summary>
    public static bool IsLogicTrue(object? v) => v switch
    {
        bool b => b,
        null or Undefined => false,
        _ => true,
    };

    public static void WriteJson(Utf8JsonWriter w, object? v)
    {
        switch (v)
        {
            case null or Undefined: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case double d:
                if (!double.IsFinite(d)) w.WriteNullValue();
                else if (IsInteger(d) && Math.Abs(d) < 1e15) w.WriteNumberValue((long)d);
                else w.WriteNumberValue(d);
                break;
            case bool b: w.WriteBooleanValue(b); break;
            case List<object?> list:
                w.WriteStartArray();
                foreach (var item in list) WriteJson(w, item);
                w.WriteEndArray();
                break;
            case JsObject o:
                w.WriteStartObject();
                foreach (var kv in o)
                {
                    if (kv.Value is Undefined) continue;
                    w.WritePropertyName(kv.Key);
                    WriteJson(w, kv.Value);
                }
                w.WriteEndObject();
                break;
            default: throw new InvalidOperationException($"Unexpected value {v.GetType()}.");
        }
    }
}
