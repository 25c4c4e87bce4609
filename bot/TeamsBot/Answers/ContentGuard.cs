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
    /// <summary>Legacy and agency markings of sensitive unclassified information (FOUO, LOU, LES, SBU, OUO, UNCLASSIFIED//…), now CUI.</summary>
    SensitiveButUnclassified,
}

public sealed record GuardResult(IReadOnlyList<ProtectedKind> Findings)
{
    public static readonly GuardResult Clean = new([]);
    public bool Blocked => Findings.Count > 0;
}

/// <summary>
/// Detects protected content before any text leaves for the model or is stored: SSNs, classification banners and
/// portion marks, classification authority blocks, CUI banners and designation indicators, legacy dissemination markings
/// (FOUO, LES, SBU, LOU), payment card numbers and admin-configured patterns. Tuned for no false positives on ordinary
/// questions about these words: markings must be in banner, portion-mark or block-label position, or combined with "//"
/// (which prose never uses); bare words count only in capitals on their own line; numbers must pass their validity rules
/// (SSN area/group/serial, card brand prefix + Luhn). A regex that times out counts as a finding (fail closed).
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

        if (FailClosed(ContainsSsn, text)) Add(ProtectedKind.SocialSecurityNumber);
        if (FailClosed(ContainsClassificationMarking, text)) Add(ProtectedKind.Classified);
        if (FailClosed(ContainsCuiMarking, text)) Add(ProtectedKind.ControlledUnclassified);
        if (FailClosed(ContainsLegacyMarking, text)) Add(ProtectedKind.SensitiveButUnclassified);
        if (FailClosed(ContainsPaymentCard, text)) Add(ProtectedKind.PaymentCard);
        if (_adminPatterns.Any(pattern => FailClosed(pattern.IsMatch, text))) Add(ProtectedKind.AdminPattern);
        return found is null ? GuardResult.Clean : new GuardResult(found);
    }

    private static bool FailClosed(Func<string, bool> contains, string text)
    {
        try { return contains(text); }
        catch (RegexMatchTimeoutException) { return true; }
    }

    /// <summary>
    /// Folds look-alikes that would slip past the patterns: fullwidth and other compatibility digits and letters (NFKC),
    /// Unicode dashes (‐ – — −) to '-', non-breaking and other spaces to ' ', Unicode slashes (⁄ ∕ ⧸ ╱) to '/', Cyrillic
    /// and Greek letters that look Latin (СЕСRЕТ) to Latin, and drops invisible format characters (zero-width space and
    /// joiners, soft hyphen, BOM, direction marks) pasted inside a word.
    /// </summary>
    internal static string Normalize(string text)
    {
        var folded = text.IsNormalized(System.Text.NormalizationForm.FormKC) ? text : text.Normalize(System.Text.NormalizationForm.FormKC);
        return LookAlike().Replace(folded, m => m.Value[0] switch
        {
            var c when char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format => "",
            var c when char.IsWhiteSpace(c) => " ",
            '\u2044' or '\u2215' or '\u29F8' or '\u2571' => "/",
            var c when LatinLookAlikes.IndexOf(c) is >= 0 and var i => Latin[i].ToString(),
            _ => "-",
        });
    }

    private const string LatinLookAlikes = "АВСЕНІЈКМОРЅТХУаеіјорсѕхуΑΒΕΖΗΙΚΜΝΟΡΤΥΧ";
    private const string Latin = "ABCEHIJKMOPSTXYaeijopcsxyABEZHIKMNOPTYX";

    [GeneratedRegex(@"[\p{Pd}\u2212-[\-]]|[^\S\r\n\t ]|[\u2044\u2215\u29F8\u2571]|\p{Cf}|[" + LatinLookAlikes + "]", RegexOptions.CultureInvariant)]
    private static partial Regex LookAlike();

    // ---- Social Security numbers ----

    // 3-2-4 digits separated by dashes, dots or spaces (both or neither), or 9 digits run together; not part of a longer token.
    [GeneratedRegex(@"(?<![\w.-])(?<area>[0-9]{3})(?:(?<sep>[-. ])(?<group>[0-9]{2})[-. ]|(?<group>[0-9]{2}))(?<serial>[0-9]{4})(?![\w/-]|\.[0-9])", RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex SsnRegex();

    // Words that say the number IS an SSN: the identifier exemption never applies after them.
    [GeneratedRegex(@"\bssn|social\s*security|soc\.?\s*sec|\bss\s*#|\btin\b|taxpayer", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex SsnContext();

    // A bare 9-digit run right after these words is an identifier of a ticket, order, etc., not an SSN.
    [GeneratedRegex(@"(?:ticket|case|order|incident|request|req|ref|reference|tracking|invoice|po|contract|account|acct|confirmation|claim|routing)\W{0,3}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeoutMs)]
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

    // ---- Markings: shared vocabulary ----

    // Decoration around a banner line: "** SECRET **", "=== CUI ===", "# SECRET", "> SECRET" (quoted), trailing \r.
    private const string Decor = @"[ \t\r*=_#>~-]*";

    // A level followed by these is a clearance, not a marking: "Do I need a TOP SECRET clearance?".
    private const string NotAClearance = @"(?!(?:\s*/\s*SCI)?\s+(?i:clearances?|eligibility|investigations?|level|positions?|billets?)\b)";

    // Dissemination controls and SCI/SAP/AEA markings long enough to be unambiguous in any case.
    private const string DistinctiveControls =
        @"NOFORN|ORCON(?:-USGOV)?|IMCON|RELIDO|REL\s+TO|PROPIN|FVEY|NOCONTRACT|WNINTEL|NODIS|EXDIS|LIMDIS|HCS(?:-[OP])?|SI-G|" +
        @"SPECIAL\s+ACCESS\s+REQUIRED|RESTRICTED\s+DATA|CNWDI";

    // Abbreviated controls, only in capitals and after a separator (SECRET/NF, TOP SECRET/SI/TK). Not SCI: "TOP SECRET/SCI" names a clearance.
    private const string ShortControls = @"NF|OC|IMC|PR|SI|TK|RD|FRD|FISA|DSEN|KDK|RSV|BUR|SAR-[A-Z]+";

    // Legacy and agency markings of sensitive unclassified information, as written in banners.
    private const string LegacyMarkings = LegacyPhrases + @"|DEA\s+SENSITIVE|FOUO|LOU|LES|SBU(?:-NF)?|OUO";

    // The spelled-out forms only: an acronym at the start of a line is as likely a question ("FOUO documents: where do they go?").
    private const string LegacyPhrases =
        @"FOR\s+OFFICIAL\s+USE\s+ONLY|OFFICIAL\s+USE\s+ONLY|LIMITED\s+OFFICIAL\s+USE|LAW\s+ENFORCEMENT\s+SENSITIVE|SENSITIVE\s+BUT\s+UNCLASSIFIED|" +
        @"SENSITIVE\s+SECURITY\s+INFORMATION";

    // The "//" between a level and its controls, also retyped as "/ /" or "||". (Backslashes only before a known control:
    // "C:\Secret\Notes" is a path.) Patterns start at the separator and look behind for the marking, so that the regex
    // engine can skip straight to the rare '/' and '|' characters.
    private const string DoubleSlash = @"\s*(?:/\s*/|\|\|)\s*";
    private const string SlashPair = @"(?:/\s*/|\|\|)\s*";

    // Where a portion mark opens a paragraph (a lookbehind, placed right before the "("): start of a line, after a
    // sentence, or after a bullet ("- (S) …", "• (S) …").
    private const string ParagraphOpening = @"(?<=(?:^|[.:;!?]\s|^[ \t]*[-•*·▪◦]\s)\s*)";

    // Built-in patterns are linear; the timeout only guards against a pathological input, and a timeout refuses (fail closed).
    // Generous, so that a busy machine never turns an ordinary question into a refusal.
    private const int MatchTimeoutMs = 1000;

    // Lines of one authority block or designation indicator follow each other: labels further apart belong to unrelated text.
    private const int BlockSpan = 200;

    /// <summary>Where a label or banner may start: the beginning of a line (after decoration) or right after a colon ("Summarize this: Classified By: …").</summary>
    private static bool StartsLine(string text, int index)
    {
        for (var i = index - 1; i >= 0; i--)
        {
            var c = text[i];
            if (c is '\n' or '\r' or ':') return true;
            if (c is not (' ' or '\t' or '*' or '>' or '#' or '-' or '_')) return false;
        }
        return true;
    }

    // ---- Classification markings ----

    // Banner with caveats anywhere: SECRET//NOFORN, TOP SECRET//SCI//NOFORN, CONFIDENTIAL//REL TO USA, FVEY.
    // Case-insensitive: "secret//noforn" typed in lower case is still a marking ("//" caveats never occur in prose).
    [GeneratedRegex(@"(?<=\b(?:TOP[\s-]*SECRET|SECRET|CONFIDENTIAL)\s*)" + SlashPair + @"[A-Z]", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, MatchTimeoutMs)]
    private static partial Regex BannerWithCaveats();

    // Older and hand-typed separators: SECRET/NOFORN, secret - noforn, SECRET NOFORN, SECRET\\NOFORN, TOP SECRET/SI/TK.
    [GeneratedRegex(@"\b(?i:TOP[\s-]*SECRET|SECRET|CONFIDENTIAL)(?:\s*(?:[/-]|\\{1,2})\s*|\s+)(?i:" + DistinctiveControls + @")\b" +
                    @"|\b(?:TOP[\s-]*SECRET|SECRET|CONFIDENTIAL)\s*(?:[/-]|\\{1,2})\s*(?:" + ShortControls + @")\b", RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex BannerWithControl();

    // A line that is only a banner: "SECRET", "TOP SECRET", "CONFIDENTIAL", "NATO SECRET" (upper case), optionally decorated;
    // or an e-mail classification line "Classification: SECRET".
    [GeneratedRegex(@"^" + Decor + @"(?:(?:NATO|COSMIC)\s+)?(?:TOP[\s-]*SECRET|SECRET|CONFIDENTIAL)" + Decor + @"$" +
                    @"|^" + Decor + @"NATO\s+RESTRICTED" + Decor + @"$" +
                    @"|^[ \t]*(?i:classification|classified)[ \t]*:[ \t]*(?:TOP\s+SECRET|SECRET|CONFIDENTIAL)\b", RegexOptions.Multiline | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex BannerLine();

    // "TOP SECRET" (and NATO levels) in capitals is a marking wherever it appears, except when it names a clearance level
    // ("Do I need a TOP SECRET clearance?" is an everyday question for federal staff).
    [GeneratedRegex(@"\b(?:TOP[\s-]*SECRET|(?:NATO|COSMIC)\s+(?:SECRET|CONFIDENTIAL|RESTRICTED))\b" + NotAClearance, RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex TopSecretCaps();

    // Foreign government and NATO banners: //GBR SECRET, //NATO SECRET, //COSMIC TOP SECRET, //JOINT SECRET CAN GBR USA.
    [GeneratedRegex(@"//\s*(?:[A-Z]{3}|NATO|COSMIC|JOINT)\s+(?:TOP\s+SECRET|SECRET|CONFIDENTIAL|RESTRICTED)\b", RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex ForeignBanner();

    // Portion marks with caveats anywhere, any case, spaces allowed: (TS//SCI), (S // NF), (C//REL TO USA, FVEY), (s//nf);
    // abbreviated caveats without parentheses (TS//SI//NF, s//nf); single-slash forms with a real control ((S/NF), (TS/SI/TK)),
    // never (c/o) or (TS/SCI), which people write for the clearance.
    [GeneratedRegex(@"\(\s*(?:TS|S|C)" + DoubleSlash + @"[A-Z][A-Z0-9 ,./-]*\)" +
                    @"|(?<=\b(?:TS|S|C)\s*)" + SlashPair + @"(?:SCI|SI|TK|HCS|NF|NOFORN|ORCON|OC|REL|RELIDO|IMC|FVEY|RD|FRD|SAR|FGI)\b" +
                    @"|\(\s*(?:TS|S|C)\s*(?:/|\\{1,2})\s*(?:NF|NOFORN|REL\s+TO\b|RELIDO|OC|ORCON|SI|TK|HCS|FRD|RD|IMC|FVEY)(?:[/ ,-][A-Z0-9 ,./-]*)?\)",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, MatchTimeoutMs)]
    private static partial Regex PortionWithCaveats();

    // Foreign government and NATO portion marks: (//GBR S), (//DEU C//REL TO USA, DEU), (//NS), (//CTS), (//JOINT S USA GBR).
    [GeneratedRegex(@"\(\s*//\s*(?:(?:[A-Z]{3}|JOINT)\s+(?:TS|S|C|R)\b[A-Z ,]*|CTS[A-Z-]*|N[SCR]|NSAT|NCA)(?:\s*//[^)\r\n]*)?\)", RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex ForeignPortion();

    // Bare portion marks (TS), (S), (C) open a paragraph or sentence and are followed by words:
    // "(S) The convoy departs…". Not "(c) 2024", "option (C)." or "employee(s)".
    [GeneratedRegex(ParagraphOpening + @"\(\s?(?<level>TS|S|C)\s?\)\s+(?<rest>[A-Za-z""'][^\r\n]*)", RegexOptions.Multiline | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex PortionMarkOpening();

    // An (A) or (B) item opening a line or sentence: a "(C)" after it is the third option of a list, not a portion mark.
    [GeneratedRegex(ParagraphOpening + @"\([AB]\)\s", RegexOptions.Multiline | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex ListItemOpening();

    // "(C) Example Corp 2025", "(C) Copyright…", "(C) All rights reserved": a copyright line, not a portion mark.
    [GeneratedRegex(@"(?i:all\s+rights\s+reserved|copyright)|^[A-Z][\w&.,' -]{0,50}\s(?:19|20)[0-9]{2}\s*$", RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex CopyrightLine();

    // Labels of a classification authority block, full or abbreviated as in messages (CL BY, DECL ON, DRV FROM); the value
    // is read ahead so that a block pasted on one line yields every label.
    [GeneratedRegex(@"(?<=\b(?<label>(?<by>Classified\s+By|CL\s+BY)|(?<from>Derived\s+From|DE?RV\s+FROM)|(?<on>Declassify\s+On|DECL\s+ON)|(?<to>Downgrade\s+To)|(?<reason>(?:CL\s+)?Reason))[ \t]*):(?=[ \t]*(?<value>[^\r\n]{0,80}))",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex AuthorityLabel();

    // "Classified By: J. Smith, Director": a name, a comma and a title.
    [GeneratedRegex(@"^[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,4}\s*,\s*[A-Z]", RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex ClassifierValue();

    // "Derived From: Multiple Sources", "…SCG…", "…Security Classification Guide, dated 20200115".
    [GeneratedRegex(@"^(?:Multiple\s+Sources|.*\b(?:SCG|Security\s+Classification\s+Guide|Classification\s+Guide)\b|.*\bdated\s+[0-9])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex SourceValue();

    // "Declassify On: 20451231", "2045-12-31", "12/31/2045", "December 31, 2045", "25X1", "50X1-HUM", "X3", "OADR", "MR", "Source marked…".
    [GeneratedRegex(@"^(?:[0-9]{8}\b|[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}|(?:25|50|75)X[1-9]|X[1-8]\b|OADR\b|MR\b|Source\s+marked|" +
                    @"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+[0-9]{1,2},?\s+[0-9]{4}|[0-9]{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+[0-9]{4})",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex DeclassificationValue();

    // "Downgrade To: SECRET on 20301231".
    [GeneratedRegex(@"^(?:TOP\s+SECRET|SECRET|CONFIDENTIAL)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex LevelValue();

    // "Reason: 1.4(c)" (E.O. 13526 classification categories).
    [GeneratedRegex(@"^1\.[45]\s*(?:\([a-h]\)|[a-h]\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex ReasonValue();

    /// <summary>
    /// A classification authority block: two different labels close together (the first opening a line), or one label whose value only a
    /// marking has (a declassification date or exemption, "Multiple Sources", an E.O. 13526 reason, a level to downgrade to).
    /// "Classified by whom?" and "Derived from the 2023 budget…" have no colon and never match.
    /// </summary>
    internal static bool ContainsAuthorityBlock(string text)
    {
        int seen = 0, last = 0;
        foreach (Match m in AuthorityLabel().Matches(text))
        {
            if (m.Index - last > BlockSpan) seen = 0; // too far from the previous label to be the same block
            last = m.Index;
            var value = m.Groups["value"].Value;
            var atStart = StartsLine(text, m.Groups["label"].Index);
            int label;
            if (m.Groups["by"].Success) { label = 1; if (atStart && ClassifierValue().IsMatch(value)) return true; }
            else if (m.Groups["from"].Success) { label = 2; if (SourceValue().IsMatch(value)) return true; }
            else if (m.Groups["on"].Success) { label = 4; if (DeclassificationValue().IsMatch(value)) return true; }
            else if (m.Groups["to"].Success) { label = 8; if (LevelValue().IsMatch(value)) return true; }
            else { if (ReasonValue().IsMatch(value)) return true; continue; } // "Reason:" alone is ordinary
            if ((seen == 0 && !atStart) || value.Contains('?')) continue; // "Declassify on: what does that mean?" asks
            if (seen != 0 && (seen & label) == 0) return true;
            seen |= label;
        }
        return false;
    }

    // A fast pre-check for the one pattern that can only start at a level word (its separators include plain spaces).
    private static bool MentionsLevel(string text) =>
        text.Contains("SECRET", StringComparison.OrdinalIgnoreCase) || text.Contains("CONFIDENTIAL", StringComparison.OrdinalIgnoreCase);

    internal static bool ContainsClassificationMarking(string text)
    {
        if (BannerWithCaveats().IsMatch(text) || (MentionsLevel(text) && BannerWithControl().IsMatch(text)) || BannerLine().IsMatch(text) || TopSecretCaps().IsMatch(text)
            || ForeignBanner().IsMatch(text) || PortionWithCaveats().IsMatch(text) || ForeignPortion().IsMatch(text) || ContainsAuthorityBlock(text))
            return true;
        bool? listItems = null; // "(A) … (B) … (C)": computed once, only when a "(C)" needs it
        foreach (Match m in PortionMarkOpening().Matches(text))
        {
            if (m.Groups["level"].ValueSpan is "C" && ((listItems ??= ListItemOpening().IsMatch(text)) || CopyrightLine().IsMatch(m.Groups["rest"].Value))) continue;
            return true;
        }
        return false;
    }

    // ---- CUI ----

    // CUI//SP-PRVCY, CUI//FEDCON in any case, CUI/SP-CTI, CONTROLLED//…, UNCLASSIFIED//CUI, or the full banner in capitals
    // ("what is controlled unclassified information?" is an ordinary question, and so is "CUI/PII training").
    [GeneratedRegex(@"(?<=\b(?i:CUI)\s*)" + SlashPair + @"[A-Za-z]|\bCONTROLLED\s+UNCLASSIFIED\s+INFORMATION\b|(?<=\bCONTROLLED\s*)" + SlashPair + @"[A-Z]" +
                    @"|(?<=\b(?i:CUI)\s*)/\s*(?i:SP-[A-Z]|NOFORN|FEDCON|NOCON|FED\s*ONLY|DL\s+ONLY|DISPLAY\s+ONLY)|(?<=\b(?i:UNCLASSIFIED|U)\s*)//\s*(?i:CUI)\b",
        RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex CuiBanner();

    // A line that is only "CUI" or "CONTROLLED" (banner), a paragraph or sentence opening with the (CUI) portion mark,
    // or an e-mail classification line "Classification: CUI".
    [GeneratedRegex(@"^" + Decor + @"(?:CUI|CONTROLLED)" + Decor + @"$|^[ \t]*(?i:classification)[ \t]*:[ \t]*CUI\b",
        RegexOptions.Multiline | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex CuiLine();

    [GeneratedRegex(ParagraphOpening + @"\(CUI(?://[A-Z-]+)*\)\s", RegexOptions.Multiline | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex CuiPortionOpening();

    // Lines of the CUI designation indicator (32 CFR 2002.20): Controlled by, CUI Category, Limited Dissemination Control, POC.
    [GeneratedRegex(@"(?<=\b(?<label>(?<by>Controlled\s+by)|(?<category>CUI\s+Categor(?:y|ies))|(?<ldc>Limited\s+Dissemination\s+Controls?|LDC)|(?<poc>POC))[ \t]*):(?=[ \t]*(?<value>[^\r\n]{0,80}))",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex IndicatorLabel();

    // A CUI Registry abbreviation: PRVCY, SP-CTI, PROPIN, LEI…
    [GeneratedRegex(@"^[A-Z][A-Z0-9-]+\b", RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex RegistryValue();

    // Limited dissemination controls of the CUI Registry.
    [GeneratedRegex(@"^(?:NOFORN|FED\s*CON|NOCON|DL\s+ONLY|REL\s+TO|DISPLAY\s+ONLY|FED\s*ONLY|ATTORNEY-(?:CLIENT|WP)|DISSEMINATION\s+LIST)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex DisseminationControlValue();

    /// <summary>
    /// A CUI designation indicator without a banner: two of its lines close together (the first opening a line; "Controlled by" is often
    /// there twice, for the agency and the office), a category line with a registry value or opening a line (not a question),
    /// or a dissemination control line with a registry control. "Controlled by the thermostat" and "Who is the POC?" have no
    /// colon; "POC: Jane" alone is an ordinary contact line.
    /// </summary>
    internal static bool ContainsDesignationIndicator(string text)
    {
        int seen = 0, last = 0;
        foreach (Match m in IndicatorLabel().Matches(text))
        {
            if (m.Index - last > BlockSpan) seen = 0;
            last = m.Index;
            var value = m.Groups["value"].Value;
            var atStart = StartsLine(text, m.Groups["label"].Index);
            int label;
            if (m.Groups["by"].Success) label = (seen & 1) == 0 ? 1 : 16; // a second "Controlled by" line counts as another line
            else if (m.Groups["category"].Success) { label = 2; if (RegistryValue().IsMatch(value) || (atStart && value.Trim().Length > 0 && !value.Contains('?'))) return true; }
            else if (m.Groups["ldc"].Success) { label = 4; if (DisseminationControlValue().IsMatch(value)) return true; }
            else label = 8;
            if ((seen == 0 && !atStart) || value.Contains('?')) continue; // "Declassify on: what does that mean?" asks
            if (seen != 0 && (seen & label) == 0) return true;
            seen |= label;
        }
        return false;
    }

    internal static bool ContainsCuiMarking(string text) => CuiBanner().IsMatch(text) || CuiLine().IsMatch(text) || CuiPortionOpening().IsMatch(text) || ContainsDesignationIndicator(text);

    // ---- Legacy and agency dissemination markings (FOUO, LOU, LES, SBU, OUO) ----

    // Unclassified or legacy marking with a control after "//" in any case: UNCLASSIFIED//FOUO, (U//LES), u//fouo, FOUO//LES,
    // UNCLASSIFIED//REL TO USA, FVEY. Not UNCLASSIFIED//FOR PUBLIC RELEASE, and UNCLASSIFIED//CUI is CUI.
    [GeneratedRegex(@"(?<=\b(?:UNCLASSIFIED|U|FOUO|SBU|LES|LOU)\s*)" + SlashPair + @"(?!(?:APPROVED\s+)?(?:FOR\s+)?PUBLIC\s+RELEASE\b|CUI\b)[A-Z]",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex UnclassifiedWithControls();

    // Single-slash and dash forms: (U/FOUO), (u-les) anywhere; UNCLASSIFIED/FOUO, UNCLASSIFIED FOUO in capitals opening a line
    // ("can I use Teams for unclassified/FOUO work?" is a question).
    [GeneratedRegex(@"\(\s*(?i:U\s*[/-]\s*(?:FOUO|LES|SBU|LOU|OUO|SSI|NF|NOFORN))\s*\)", RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex UnclassifiedSlashLegacyPortion();

    [GeneratedRegex(@"^" + Decor + @"UNCLASSIFIED(?:\s*[/-]\s*|\s+)(?:" + LegacyMarkings + @")\b", RegexOptions.Multiline | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex UnclassifiedSlashLegacyBanner();

    // A line that is only legacy markings in capitals: "FOR OFFICIAL USE ONLY", "FOUO", "LES NOFORN", "SBU-NF",
    // "LIMITED OFFICIAL USE - LAW ENFORCEMENT SENSITIVE".
    // The spelled-out phrases count on their own line in any case ("For Official Use Only" footers pasted from e-mail).
    [GeneratedRegex(@"^" + Decor + @"(?:" + LegacyMarkings + @")(?:(?:[ \t]*(?://|/|-)[ \t]*|[ \t]+)(?:" + LegacyMarkings + @"|NOFORN|NF|REL\s+TO\b(?>[A-Z ,]*)))*" + Decor + @"$" +
                    @"|^" + Decor + @"(?i:" + LegacyPhrases + @")" + Decor + @"$",
        RegexOptions.Multiline | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex LegacyBannerLine();

    // A spelled-out legacy marking in capitals opening a line, followed by the document: "FOR OFFICIAL USE ONLY MEMORANDUM FOR…",
    // "LAW ENFORCEMENT SENSITIVE - DO NOT…", "FOR OFFICIAL USE ONLY (FOUO)".
    [GeneratedRegex(@"^" + Decor + @"(?:" + LegacyPhrases + @")(?=[ \t]*(?:\r?$|/|-{1,2}[ \t]*[A-Z]|\(|[A-Z]{2,}\b(?![a-z])))",
        RegexOptions.Multiline | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex LegacyBannerOpening();

    // Handling statements printed on such documents: "This document is FOR OFFICIAL USE ONLY", "EXEMPT FROM MANDATORY DISCLOSURE",
    // "may be exempt from public release under the Freedom of Information Act", the TSA SSI warning.
    [GeneratedRegex(@"\b(?i:this\s+(?:document|report|product|information|material|memo|memorandum|e-?mail|message|briefing|attachment|enclosure|record|page|slide|presentation)s?\s+(?:is|are|contains?)\s+(?:marked\s+(?:as\s+)?)?)(?:" + LegacyPhrases + @")" +
                    @"|\bEXEMPT\s+FROM\s+MANDATORY\s+DISCLOSURE\b" +
                    @"|(?i:\bmay\s+be\s+exempt\s+from\s+public\s+release\s+under\s+the\s+Freedom\s+of\s+Information\s+Act)" +
                    @"|(?i:\bcontains\s+Sensitive\s+Security\s+Information\s+that\s+is\s+controlled\s+under\s+49\s+CFR)",
        RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex HandlingStatement();

    // Bare legacy portion marks opening a paragraph or sentence: "(FOUO) The schedule…", "(SBU-NF) Post…", "(LES) The suspect…".
    [GeneratedRegex(ParagraphOpening + @"\((?:FOUO|LOU|LES(?:[-/ ]NF)?|SBU(?:[-/ ](?:NF|NOFORN))?|OUO)\)\s+[A-Za-z""']",
        RegexOptions.Multiline | RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex LegacyPortionOpening();

    internal static bool ContainsLegacyMarking(string text) =>
        UnclassifiedWithControls().IsMatch(text) || UnclassifiedSlashLegacyPortion().IsMatch(text) || UnclassifiedSlashLegacyBanner().IsMatch(text) || LegacyBannerLine().IsMatch(text)
        || LegacyBannerOpening().IsMatch(text) || HandlingStatement().IsMatch(text) || LegacyPortionOpening().IsMatch(text);

    // ---- Payment cards ----

    // 13–19 digits, optionally grouped by single spaces or dashes, not part of a longer number.
    [GeneratedRegex(@"(?<![0-9][ -]?|-)[0-9](?:[ -]?[0-9]){12,18}(?![ -]?[0-9])", RegexOptions.CultureInvariant, MatchTimeoutMs)]
    private static partial Regex CardCandidate();

    // 16 digits in dotted groups of four: 4111.1111.1111.1111.
    [GeneratedRegex(@"(?<![0-9.])[0-9]{4}(?:\.[0-9]{4}){3}(?![0-9]|\.[0-9])", RegexOptions.CultureInvariant, MatchTimeoutMs)]
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

    /// <summary>The refusal card's reason: the most serious finding wins; legacy markings (FOUO, LES, SBU) are what CUI replaced.</summary>
    public static TeamsBot.Cards.RefusalReason RefusalReasonOf(GuardResult result) =>
        result.Findings.Contains(ProtectedKind.Classified) ? TeamsBot.Cards.RefusalReason.Classified
        : result.Findings.Any(k => k is ProtectedKind.ControlledUnclassified or ProtectedKind.SensitiveButUnclassified) ? TeamsBot.Cards.RefusalReason.Cui
        : result.Findings.Any(k => k is ProtectedKind.SocialSecurityNumber or ProtectedKind.PaymentCard) ? TeamsBot.Cards.RefusalReason.PersonalData
        : TeamsBot.Cards.RefusalReason.Policy;

    /// <summary>The polite refusal: says what was found, never echoes it.</summary>
    public static string Refusal(GuardResult result)
    {
        var what = result.Findings.Distinct().Select(k => k switch
        {
            ProtectedKind.SocialSecurityNumber => "a Social Security number",
            ProtectedKind.Classified => "classification markings",
            ProtectedKind.ControlledUnclassified => "Controlled Unclassified Information (CUI) markings",
            ProtectedKind.SensitiveButUnclassified => "sensitive unclassified markings (such as FOUO, LES or SBU)",
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
