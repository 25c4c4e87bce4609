namespace TeamsBot.Cards.Templating;

/// <summary>Parsed Adaptive Expression (the subset the templating language uses).</summary>
internal abstract class Expr
{
    /// <summary>Text form used when the JS engine substitutes a failed expression as <c>${text}</c>.</summary>
    public abstract override string ToString();
}

internal sealed class ConstantExpr(object? value) : Expr
{
    public object? Value { get; } = value;
    public override string ToString() => Value switch
    {
        string s => "'" + s + "'",
        null => "null",
        _ => JsValue.ToJsString(Value),
    };
}

/// <summary><c>name</c> or <c>instance.name</c>.</summary>
internal sealed class AccessorExpr(string name, Expr? instance) : Expr
{
    public string Name { get; } = name;
    public Expr? Instance { get; } = instance;

    /// <summary>For a chain of plain names (a.b.c): its path and memory path, computed once. Null when the chain indexes or calls.</summary>
    public (string Path, string MemoryPath)? StaticPath { get; } = ComputeStaticPath(name, instance);

    public IReadOnlyList<string>? StaticParts => _staticParts ??= StaticPath is { } p ? Evaluator.SplitPath(p.MemoryPath) : null;
    private IReadOnlyList<string>? _staticParts;

    private static (string, string)? ComputeStaticPath(string name, Expr? instance)
    {
        if (instance is null) return (name, name[0] == '$' ? name : "$data." + name);
        if (instance is AccessorExpr { StaticPath: { } parent }) return (parent.Path + "." + name, parent.MemoryPath + "." + name);
        return null;
    }
    public override string ToString() => Instance is null ? Name : Instance + "." + Name;
}

/// <summary><c>instance[index]</c>.</summary>
internal sealed class ElementExpr(Expr instance, Expr index) : Expr
{
    public Expr Instance { get; } = instance;
    public Expr Index { get; } = index;
    public override string ToString() => Instance + "[" + Index + "]";
}

/// <summary>A function call; operators are parsed into calls of the equivalent function (<c>a + b</c> is <c>add(a, b)</c>).</summary>
internal sealed class CallExpr(string name, IReadOnlyList<Expr> args) : Expr
{
    public string Name { get; } = name;
    public IReadOnlyList<Expr> Args { get; } = args;
    public override string ToString() => Name + "(" + string.Join(", ", Args) + ")";
}

/// <summary>An interpolated string: constants and expressions (the JS engine's top-level <c>concat</c>).</summary>
internal sealed class InterpolationExpr(IReadOnlyList<Expr> parts) : Expr
{
    public IReadOnlyList<Expr> Parts { get; } = parts;
    public override string ToString() => string.Concat(Parts.Select(p => p is ConstantExpr { Value: string s } ? s : "${" + p + "}"));
}

/// <summary>Raised when a template or expression is invalid, or when the official engine would throw while expanding.</summary>
public sealed class CardTemplateException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An expression evaluation error; the caller decides whether it is swallowed (as the JS engine does) or surfaces.</summary>
internal sealed class ExprErrorException(string message) : Exception(message);
