using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace TeamsBot.Answers;

/// <summary>What kind of protected content a text contains (never the content itself).</summary>
public enum ProtectedKind
{
    SocialSecurityNumber,
    Classified,
    ControlledUnclassified,
    PaymentCard,
    AdminPattern,
}

public sealed record GuardResult(IReadOnlyList<ProtectedKind> Findings)
{
    public static readonly GuardResult Clean = new([]);
    public bool Blocked => Findings.Count > 0;
}

/// <summary>
/// Detects protected content before any text leaves for the model or is stored: SSNs, classification banners and
/// portion marks, CUI banners, payment card numbers and admin-configured patterns. Tuned for few false positives on
/// ordinary work text: markings must be upper case and in banner/portion-mark position, numbers must pass their
/// validity rules (SSN area/group/serial, card brand prefix + Luhn).
/// </summary>
public sealed partial class ContentGuard
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);
    private readonly IReadOnlyList<Regex> _adminPatterns;

    public ContentGuard(IOptions<AnswersOptions> options)
    {
        _adminPatterns = options.Value.BlockedPatterns
            .Where(p => !string.IsNullOrWhiteSpace(p))
            .Select(p => new Regex(p, RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout))
            .ToList();
    }

    public GuardResult Check(string? text)
    {
        if (string.IsNullOrEmpty(text)) return GuardResult.Clean;
        text = Normalize(text);
        List<ProtectedKind>? found = null;
        void Add(ProtectedKind kind) => (found ??= []).Add(kind);

        if (ContainsSsn(text)) Add(ProtectedKind.SocialSecurityNumber);
        if (ContainsClassificationMarking(text)) Add(ProtectedKind.Classified);
        if (ContainsCuiMarking(text)) Add(ProtectedKind.ControlledUnclassified);
        if (ContainsPaymentCard(text)) Add(ProtectedKind.PaymentCard);
        foreach (var pattern in _adminPatterns)
        {
            bool hit;
            try { hit = pattern.IsMatch(text); }
            catch (RegexMatchTimeoutException) { hit = true; } // fail closed
            if (hit) { Add(ProtectedKind.AdminPattern); break; }
        }
        return found is null ? GuardResult.Clean : new GuardResult(found);
    }

    /// <summary>
    /// Folds look-alikes that would slip past the patterns: fullwidth and other compatibility digits and letters (NFKC),
    /// Unicode dashes (‐ – — −) to '-', non-breaking and other spaces to ' '.
    /// </summary>
    internal static string Normalize(string text)
    {
        var folded = text.IsNormalized(System.Text.NormalizationForm.FormKC) ? text : text.Normalize(System.Text.NormalizationForm.FormKC);
        return UnicodeDashOrSpace().Replace(folded, m => char.IsWhiteSpace(m.Value[0]) ? " " : "-");
    }

    [GeneratedRegex(@"[\p{Pd}\u2212]|[^\S\r\n\t ]", RegexOptions.CultureInvariant)]
    private static partial Regex UnicodeDashOrSpace();

    // ---- Social Security numbers ----

    // 3-2-4 digits separated by dashes, dots or spaces (both or neither), or 9 digits run together; not part of a longer token.
    [GeneratedRegex(@"(?<![\w.-])(?<area>[0-9]{3})(?:(?<sep>[-. ])(?<group>[0-9]{2})[-. ]|(?<group>[0-9]{2}))(?<serial>[0-9]{4})(?![\w/-]|\.[0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex SsnRegex();

    // Words that say the number IS an SSN: the identifier exemption never applies after them.
    [GeneratedRegex(@"\bssn|social\s*security|soc\.?\s*sec|\bss\s*#|\btin\b|taxpayer", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SsnContext();

    // A bare 9-digit run right after these words is an identifier of a ticket, order, etc., not an SSN.
    [GeneratedRegex(@"(?:ticket|case|order|incident|request|req|ref|reference|tracking|invoice|po|contract|account|acct|confirmation|claim|routing)\W{0,3}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IdentifierContext();

    internal static bool ContainsSsn(string text)
    {
        foreach (Match m in SsnRegex().Matches(text))
        {
            if (!IsValidSsn(m.Groups["area"].Value, m.Groups["group"].Value, m.Groups["serial"].Value)) continue;
            if (m.Groups["sep"].Length == 0)
            {
                var before = text.AsSpan(0, m.Index);
                var window = before.Length > 24 ? before[^24..].ToString() : before.ToString();
                var context = before.Length > 40 ? before[^40..].ToString() : before.ToString();
                if (IdentifierContext().IsMatch(window) && !SsnContext().IsMatch(context)) continue;
            }
            return true;
        }
        return false;
    }

    /// <summary>SSA rules: area not 000, 666 or 900–999; group not 00; serial not 0000.</summary>
    internal static bool IsValidSsn(string area, string group, string serial)
    {
        var a = int.Parse(area);
        return a != 0 && a != 666 && a < 900 && group != "00" && serial != "0000";
    }

    // ---- Classification markings ----

    // Banner with caveats anywhere: SECRET//NOFORN, TOP SECRET//SCI//NOFORN, CONFIDENTIAL//REL TO USA, FVEY.
    // Case-insensitive: "secret//noforn" typed in lower case is still a marking ("//" caveats never occur in prose).
    [GeneratedRegex(@"\b(?:TOP\s+SECRET|SECRET|CONFIDENTIAL)\s*//\s*[A-Z]", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex BannerWithCaveats();

    // A line that is only a banner: "SECRET", "TOP SECRET", "CONFIDENTIAL" (upper case), optionally dashed or starred.
    [GeneratedRegex(@"^[\s*=_-]*(?:TOP\s+SECRET|SECRET|CONFIDENTIAL)[\s*=_-]*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex BannerLine();

    // "TOP SECRET" in capitals is a marking wherever it appears, except when it names a clearance level
    // ("Do I need a TOP SECRET clearance?" is an everyday question for federal staff).
    [GeneratedRegex(@"\bTOP\s+SECRET\b(?!(?:\s*/\s*SCI)?\s+(?i:clearances?|eligibility|investigations?|level|positions?|billets?)\b)", RegexOptions.CultureInvariant)]
    private static partial Regex TopSecretCaps();

    // Portion marks with caveats anywhere: (TS//SCI), (S//NF), (C//REL TO USA, FVEY).
    [GeneratedRegex(@"\((?:TS|S|C)//[A-Z][A-Z0-9 ,/-]*\)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex PortionWithCaveats();

    // Bare portion marks (TS), (S), (C) open a paragraph or sentence and are followed by words:
    // "(S) The convoy departs…". Not "(c) 2024", "option (C)." or "employee(s)".
    [GeneratedRegex(@"(?:^|(?<=[.:;!?]\s{1,3}))\s*\((?:TS|S|C)\)\s+[A-Za-z""']", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex PortionMarkOpening();

    // Classification authority block of a derivatively classified document.
    [GeneratedRegex(@"^\s*(?:Classified\s+By|Derived\s+From|Declassify\s+On)\s*:", RegexOptions.Multiline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AuthorityBlock();

    internal static bool ContainsClassificationMarking(string text) =>
        BannerWithCaveats().IsMatch(text) || BannerLine().IsMatch(text) || TopSecretCaps().IsMatch(text)
        || PortionWithCaveats().IsMatch(text) || PortionMarkOpening().IsMatch(text) || AuthorityBlock().IsMatch(text);

    // ---- CUI ----

    // CUI//SP-PRVCY, CUI//FEDCON in any case, or the full banner in capitals ("what is controlled unclassified
    // information?" is an ordinary question).
    [GeneratedRegex(@"\b(?i:CUI)\s*//\s*[A-Za-z]|\bCONTROLLED\s+UNCLASSIFIED\s+INFORMATION\b", RegexOptions.CultureInvariant)]
    private static partial Regex CuiBanner();

    // A line that is only "CUI" or "CONTROLLED" (banner), or a paragraph opening with the (CUI) portion mark.
    [GeneratedRegex(@"^[\s*=_-]*(?:CUI|CONTROLLED)[\s*=_-]*$|^\s*\(CUI(?://[A-Z-]+)*\)\s", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex CuiLine();

    internal static bool ContainsCuiMarking(string text) => CuiBanner().IsMatch(text) || CuiLine().IsMatch(text);

    // ---- Payment cards ----

    // 13–19 digits, optionally grouped by single spaces or dashes, not part of a longer number.
    [GeneratedRegex(@"(?<![0-9][ -]?|-)[0-9](?:[ -]?[0-9]){12,18}(?![ -]?[0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex CardCandidate();

    // 16 digits in dotted groups of four: 4111.1111.1111.1111.
    [GeneratedRegex(@"(?<![0-9.])[0-9]{4}(?:\.[0-9]{4}){3}(?![0-9]|\.[0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex DottedCardCandidate();

    internal static bool ContainsPaymentCard(string text)
    {
        Span<char> digits = stackalloc char[19];
        foreach (Match m in CardCandidate().Matches(text).Concat(DottedCardCandidate().Matches(text)))
        {
            var n = 0;
            foreach (var c in m.ValueSpan)
                if (char.IsAsciiDigit(c)) digits[n++] = c;
            var number = digits[..n];
            if (HasCardPrefix(number) && Luhn(number)) return true;
        }
        return false;
    }

    /// <summary>Issuer prefixes of the major networks (Visa, Mastercard, Amex, Discover, JCB, Diners).</summary>
    private static bool HasCardPrefix(ReadOnlySpan<char> d)
    {
        var len = d.Length;
        int p2 = int.Parse(d[..2]), p3 = int.Parse(d[..3]), p4 = int.Parse(d[..4]);
        if (d[0] == '4') return len is 13 or 16 or 19;
        if (len == 16 && (p2 is >= 51 and <= 55 || p4 is >= 2221 and <= 2720)) return true;
        if (len == 15 && p2 is 34 or 37) return true;
        if (len is >= 16 and <= 19 && (p4 == 6011 || p2 == 65 || p3 is >= 644 and <= 649 || p4 is >= 3528 and <= 3589)) return true;
        if (len == 14 && (p2 is 36 or 38 or 39 || p3 is >= 300 and <= 305)) return true;
        return false;
    }

    internal static bool Luhn(ReadOnlySpan<char> digits)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubleIt) { d *= 2; if (d > 9) d -= 9; }
            sum += d;
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }

    /// <summary>The polite refusal: says what was found, never echoes it.</summary>
    /// <summary>The refusal card's reason: the most serious finding wins.</summary>
    public static TeamsBot.Cards.RefusalReason RefusalReasonOf(GuardResult result) =>
        result.Findings.Contains(ProtectedKind.Classified) ? TeamsBot.Cards.RefusalReason.Classified
        : result.Findings.Contains(ProtectedKind.ControlledUnclassified) ? TeamsBot.Cards.RefusalReason.Cui
        : result.Findings.Any(k => k is ProtectedKind.SocialSecurityNumber or ProtectedKind.PaymentCard) ? TeamsBot.Cards.RefusalReason.PersonalData
        : TeamsBot.Cards.RefusalReason.Policy;

    public static string Refusal(GuardResult result)
    {
        var what = result.Findings.Distinct().Select(k => k switch
        {
            ProtectedKind.SocialSecurityNumber => "a Social Security number",
            ProtectedKind.Classified => "classification markings",
            ProtectedKind.ControlledUnclassified => "Controlled Unclassified Information (CUI) markings",
            ProtectedKind.PaymentCard => "a payment card number",
            _ => "content your agency has asked me not to process",
        }).ToList();
        var list = what.Count == 1 ? what[0] : string.Join(", ", what.Take(what.Count - 1)) + " and " + what[^1];
        return $"I can't help with this message because it appears to contain {list}. " +
               "To protect you and your agency, I did not send it to the AI model and I did not keep it. " +
               "Please remove that information and ask again. Classified information must never be entered here; " +
               "for CUI or personal data, follow your agency's handling rules.";
    }
}
