using System.Globalization;
using System.Text.Json;

namespace TeamsBot.Cards.Tests.Infrastructure;

/// <summary>Compares JSON ignoring property order (arrays keep their order; numbers compare by value).</summary>
public static class JsonAssert
{
    public static string? Difference(JsonElement expected, JsonElement actual, string path = "$")
    {
        if (expected.ValueKind != actual.ValueKind)
            return $"{path}: expected {Describe(expected)}, got {Describe(actual)}";
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
            {
                var e = expected.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
                var a = actual.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
                foreach (var key in e.Keys.Union(a.Keys).Order(StringComparer.Ordinal))
                {
                    if (!a.TryGetValue(key, out var av)) return $"{path}.{key}: missing (expected {Describe(e[key])})";
                    if (!e.TryGetValue(key, out var ev)) return $"{path}.{key}: unexpected {Describe(av)}";
                    if (Difference(ev, av, path + "." + key) is { } d) return d;
                }
                return null;
            }
            case JsonValueKind.Array:
            {
                if (expected.GetArrayLength() != actual.GetArrayLength())
                    return $"{path}: expected {expected.GetArrayLength()} items, got {actual.GetArrayLength()} ({Describe(actual)})";
                var i = 0;
                foreach (var (ev, av) in expected.EnumerateArray().Zip(actual.EnumerateArray()))
                {
                    if (Difference(ev, av, $"{path}[{i++}]") is { } d) return d;
                }
                return null;
            }
            case JsonValueKind.Number:
                return expected.GetDouble().Equals(actual.GetDouble()) ? null : $"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}";
            case JsonValueKind.String:
                return expected.GetString() == actual.GetString() ? null : $"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}";
            default:
                return null;
        }
    }


    private static string Describe(JsonElement e)
    {
        var text = e.GetRawText();
        return e.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture) + " " + (text.Length > 120 ? text[..120] + "…" : text);
    }
}
