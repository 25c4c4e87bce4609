using System.Globalization;
using System.Text;

namespace TeamsBot.Cards.Templating;

/// <summary>Parses Adaptive Expressions and templating strings with the official grammar's precedence and literal rules.</summary>
internal static class ExpressionParser
{
    /// <summary>
    /// Parses a template string value. Returns null when it contains no <c>${</c> (a plain literal),
    /// the expression itself when the whole value is one non-constant expression (keeps its type),
    /// otherwise an <see cref="InterpolationExpr"/> (produces a string).
    /// </summary>
    public static Expr? ParseTemplateString(string text)
    {
        if (!text.Contains("${", StringComparison.Ordinal)) return null;

        var parts = new List<Expr>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\\')
            {
                // As the JS engine lexes the string wrapped in backticks: a backslash before another backslash is literal;
                // the last one escapes the next character (\$ and \` unescape, others stay as written); a final one
                // would escape the closing backtick, which is a syntax error there.
                if (i + 1 >= text.Length) throw new CardTemplateException($"A templated string cannot end with a backslash: \"{text}\".");
                var next = text[i + 1];
                if (next is '\\' or '\r' or '\n') { literal.Append(c); i++; continue; }
                if (next is '$' or '`') literal.Append(next);
                else literal.Append(c).Append(next);
                i += 2;
                continue;
            }
            if (c == '`') throw new CardTemplateException($"A backtick cannot appear in a templated string: \"{text}\".");
            if (c == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var end = FindTemplateEnd(text, i + 2);
                if (literal.Length > 0) { parts.Add(new ConstantExpr(literal.ToString())); literal.Clear(); }
                parts.Add(Parse(text[(i + 2)..end]));
                i = end + 1;
                continue;
            }
            literal.Append(c);
            i++;
        }
        if (literal.Length > 0) parts.Add(new ConstantExpr(literal.ToString()));

        if (parts.Count == 1 && parts[0] is not ConstantExpr) return parts[0];
        return new InterpolationExpr(parts);
    }

    private static int FindTemplateEnd(string text, int start)
    {
        var depth = 0;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\'' or '"')
            {
                i++;
                while (i < text.Length && text[i] != c) { if (text[i] == '\\') i++; i++; }
                if (i >= text.Length) break;
            }
            else if (c is '\r' or '\n' or '`') break;
            else if (c == '{') depth++;
            else if (c == '}') { if (depth == 0) return i; depth--; }
        }
        throw new CardTemplateException($"Unterminated expression in \"{text}\".");
    }

    public static Expr Parse(string expression)
    {
        var p = new Parser(expression);
        var e = p.ParseExpression(0);
        p.SkipSpace();
        if (!p.AtEnd) throw new CardTemplateException($"Invalid expression \"{expression}\" near position {p.Position}.");
        return e;
    }

    private sealed class Parser(string s)
    {
        private int _i;
        public int Position => _i;
        public bool AtEnd => _i >= s.Length;

        public void SkipSpace() { while (_i < s.Length && char.IsWhiteSpace(s[_i])) _i++; }

        // Binary operators by precedence level (higher binds tighter), as in the Adaptive Expressions grammar.
        private static readonly (string Op, int Level, string Function)[] Binary =
        [
            ("||", 1, "or"), ("&&", 2, "and"), ("&", 3, "concat"),
            ("<=", 4, "lessOrEquals"), (">=", 4, "greaterOrEquals"), ("<>", 5, "notEquals"),
            ("<", 4, "less"), (">", 4, "greater"),
            ("==", 5, "equals"), ("!=", 5, "notEquals"),
            ("+", 6, "add"), ("-", 6, "sub"),
            ("*", 7, "mul"), ("/", 7, "div"), ("%", 7, "mod"),
            ("^", 8, "exp"),
        ];

        public Expr ParseExpression(int minLevel)
        {
            var expr = ParseBinary(Math.Max(minLevel, 1));
            if (minLevel > 0) return expr;
            SkipSpace();
            if (!Peek('?')) return expr;
            // cond ? a : b (lowest precedence, right-associative) is if(cond, a, b).
            _i++;
            var whenTrue = ParseExpression(0);
            Expect(':');
            var whenFalse = ParseExpression(0);
            return new CallExpr("if", [expr, whenTrue, whenFalse]);
        }

        private Expr ParseBinary(int minLevel)
        {
            var left = ParseUnary();
            while (true)
            {
                SkipSpace();
                var match = MatchBinary();
                if (match is null || match.Value.Level < minLevel) return left;
                _i += match.Value.Op.Length;
                // '^' is right-associative; all others left-associative.
                var right = ParseBinary(match.Value.Op == "^" ? match.Value.Level : match.Value.Level + 1);
                left = new InfixCall(match.Value.Function, match.Value.Op, new CallExpr(match.Value.Function, [left, right]));
            }
        }

        private (string Op, int Level, string Function)? MatchBinary()
        {
            foreach (var b in Binary)
            {
                if (string.CompareOrdinal(s, _i, b.Op, 0, b.Op.Length) != 0) continue;
                // '&' must not be the first char of '&&' and so on: longer operators are listed first where they share a prefix.
                if (b.Op == "&" && _i + 1 < s.Length && s[_i + 1] == '&') continue;
                if (b.Op is "<" or ">" && _i + 1 < s.Length && s[_i + 1] is '=' or '>') continue;
                return b;
            }
            return null;
        }

        private Expr ParseUnary()
        {
            SkipSpace();
            if (_i < s.Length)
            {
                var c = s[_i];
                if (c == '!' && !(_i + 1 < s.Length && s[_i + 1] == '='))
                {
                    _i++;
                    return new InfixCall("not", "!", new CallExpr("not", [ParseUnary()]));
                }
                if (c is '-' or '+')
                {
                    _i++;
                    // Never folded into a constant: "${-5}" keeps its number type, like the JS engine's unary operator.
                    var operand = ParseUnary();
                    return c == '+'
                        ? new InfixCall("add", "+", new CallExpr("add", [new ConstantExpr(0d), operand]))
                        : new InfixCall("sub", "-", new CallExpr("sub", [new ConstantExpr(0d), operand]));
                }
            }
            return ParsePostfix(ParsePrimary());
        }

        private Expr ParsePrimary()
        {
            SkipSpace();
            if (AtEnd) throw Error("unexpected end");
            var c = s[_i];
            if (c == '(')
            {
                _i++;
                var e = ParseExpression(0);
                Expect(')');
                return e;
            }
            if (c is '\'' or '"') return new ConstantExpr(ReadString());
            if (char.IsAsciiDigit(c))
            {
                var start = _i;
                while (_i < s.Length && char.IsAsciiDigit(s[_i])) _i++;
                if (_i + 1 < s.Length && s[_i] == '.' && char.IsAsciiDigit(s[_i + 1]))
                {
                    _i++;
                    while (_i < s.Length && char.IsAsciiDigit(s[_i])) _i++;
                }
                return new ConstantExpr(double.Parse(s.AsSpan(start, _i - start), NumberStyles.Float, CultureInfo.InvariantCulture));
            }
            if (c == '[')
            {
                _i++;
                var items = new List<Expr>();
                SkipSpace();
                if (Peek(']')) { _i++; return new CallExpr("createArray", items); }
                while (true)
                {
                    items.Add(ParseExpression(0));
                    SkipSpace();
                    if (Peek(',')) { _i++; continue; }
                    Expect(']');
                    return new CallExpr("createArray", items);
                }
            }
            if (IsIdentifierStart(c))
            {
                var name = ReadIdentifier();
                return name switch
                {
                    "true" => new ConstantExpr(true),
                    "false" => new ConstantExpr(false),
                    "null" => new ConstantExpr(null),
                    _ => new AccessorExpr(name, null),
                };
            }
            throw Error($"unexpected '{c}'");
        }

        private Expr ParsePostfix(Expr e)
        {
            while (true)
            {
                SkipSpace();
                if (Peek('.'))
                {
                    _i++;
                    SkipSpace();
                    if (AtEnd || !IsIdentifierStart(s[_i])) throw Error("identifier expected after '.'");
                    e = new AccessorExpr(ReadIdentifier(), e);
                }
                else if (Peek('['))
                {
                    _i++;
                    var index = ParseExpression(0);
                    Expect(']');
                    e = new ElementExpr(e, index);
                }
                else if (Peek('('))
                {
                    if (e is not AccessorExpr) throw Error("only named functions can be called");
                    _i++;
                    var args = new List<Expr>();
                    SkipSpace();
                    if (!Peek(')'))
                    {
                        while (true)
                        {
                            args.Add(ParseExpression(0));
                            SkipSpace();
                            if (Peek(',')) { _i++; continue; }
                            break;
                        }
                    }
                    Expect(')');
                    var name = e.ToString();
                    if (!Functions.IsKnown(name)) e = new CallExpr(name, args); // fails at evaluation, like the JS engine
                    else
                    {
                        Functions.ValidateArity(name, args.Count);
                        e = new CallExpr(name, args);
                    }
                }
                else return e;
            }
        }

        private string ReadString()
        {
            var quote = s[_i++];
            var sb = new StringBuilder();
            while (true)
            {
                if (AtEnd) throw Error("unterminated string");
                var c = s[_i++];
                if (c == quote) break;
                if (c == '\\' && !AtEnd)
                {
                    var n = s[_i++];
                    sb.Append(n switch
                    {
                        'n' => "\n",
                        'r' => "\r",
                        't' => "\t",
                        '\\' => "\\",
                        _ when n == quote => n.ToString(),
                        _ => "\\" + n,
                    });
                    continue;
                }
                sb.Append(c);
            }
            return sb.ToString();
        }

        private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c is '_' or '#' or '@' or '$' or '%';

        private string ReadIdentifier()
        {
            var start = _i;
            _i++;
            if (s[start] == '@' && Peek('@')) _i++;
            while (_i < s.Length && (char.IsAsciiLetterOrDigit(s[_i]) || s[_i] is '_')) _i++;
            if (Peek('!')) _i++;
            return s[start.._i];
        }

        private bool Peek(char c) => _i < s.Length && s[_i] == c;

        private void Expect(char c)
        {
            SkipSpace();
            if (!Peek(c)) throw Error($"'{c}' expected");
            _i++;
        }

        private CardTemplateException Error(string what) => new($"Invalid expression \"{s}\": {what} at position {_i}.");
    }
}

/// <summary>A call written as an operator; prints like the JS engine does for substitution text.</summary>
internal sealed class InfixCall(string function, string op, CallExpr call) : Expr
{
    public string Function { get; } = function;
    public CallExpr Call { get; } = call;
    public override string ToString() => Call.Args.Count == 1 ? op + Call.Args[0] : "(" + string.Join(" " + op + " ", Call.Args) + ")";
}
