using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace TeamsBot.Answers.Tests;

public class ContentGuardTests(ITestOutputHelper output)
{
    private static ContentGuard Guard(params string[] patterns) =>
        new(Options.Create(new AnswersOptions { BlockedPatterns = [.. patterns] }));

    [Theory]
    [InlineData("My SSN is 078-05-1120, can you fill the form?")]
    [InlineData("ssn 219 09 9999")]
    [InlineData("Employee: J. Doe 536221234 DOB 1/1/80")]
    [InlineData("SSN:536-22-1234")]
    // Phrasings and formats people actually use (review findings): the identifier exemption never follows "SSN".
    [InlineData("SSN number: 536221234")]
    [InlineData("social security number 536221234")]
    [InlineData("my SSN no. 536221234")]
    [InlineData("ssn#536-22-1234")]
    [InlineData("ssn/536-22-1234")]
    [InlineData("536.22.1234")]
    [InlineData("536-22 1234")]
    [InlineData("536\u201022\u20101234")] // Unicode hyphens
    [InlineData("536\u201322\u20131234")] // en dashes
    [InlineData("\uFF15\uFF13\uFF16-\uFF12\uFF12-\uFF11\uFF12\uFF13\uFF14")] // fullwidth digits
    public void Social_security_numbers_are_refused(string text) =>
        Assert.Equal([ProtectedKind.SocialSecurityNumber], Guard().Check(text).Findings);

    [Theory]
    [InlineData("FOUO", " REL TO FOUO", " x")]          // a country list that could also be the next control
    [InlineData("LES", " REL TO LES NOFORN", " today")]
    public void Inputs_built_to_backtrack_neither_time_out_nor_get_refused(string head, string repeated, string tail)
    {
        // A timeout refuses (fail closed): a pattern that backtracks exponentially would turn this text into a refusal.
        var text = head + string.Concat(Enumerable.Repeat(repeated, 60)) + tail;
        Assert.False(Guard().Check(text).Blocked);
    }

    [Theory]
    [InlineData("000-12-3456")] // area 000
    [InlineData("666-12-3456")] // area 666
    [InlineData("912-12-3456")] // area 900-999
    [InlineData("123-00-4567")] // group 00
    [InlineData("123-45-0000")] // serial 0000
    public void Numbers_breaking_the_SSA_rules_are_not_SSNs(string text) => Assert.False(Guard().Check(text).Blocked);

    [Theory]
    [InlineData("SECRET//NOFORN\nThe meeting moved to Tuesday.")]
    [InlineData("Please summarize: TOP SECRET//SCI//NOFORN report on the program")]
    [InlineData("CONFIDENTIAL//REL TO USA, FVEY")]
    [InlineData("(TS//SCI) The source reported movement near the border.")]
    [InlineData("(S//NF) Planning continues.")]
    [InlineData("(S) The convoy departs at 0600.")]
    [InlineData("Background follows. (C) The ambassador said the talks stalled.")]
    [InlineData("CONFIDENTIAL\nMemo for the record\nCONFIDENTIAL")]
    [InlineData("  SECRET  \nsubject: plans")]
    [InlineData("This is TOP SECRET so keep it quiet")]
    [InlineData("Classified By: J. Smith, Director\nDerived From: Multiple Sources")]
    [InlineData("secret//noforn summary please")] // caveat forms in any case
    [InlineData("top secret//sci")]
    [InlineData("(s//nf) the plan")]
    public void Classification_markings_are_refused(string text) =>
        Assert.Contains(ProtectedKind.Classified, Guard().Check(text).Findings);

    [Theory]
    [InlineData("CUI\nProposal budget details follow")]
    [InlineData("Header: CUI//SP-PRVCY")]
    [InlineData("CUI // PROPIN")]
    [InlineData("CONTROLLED UNCLASSIFIED INFORMATION - do not share")]
    [InlineData("(CUI) The contractor's rates are listed below.")]
    [InlineData("CONTROLLED\nExport plans for the quarter")]
    [InlineData("cui//sp-prvcy attached")]
    public void CUI_markings_are_refused(string text) =>
        Assert.Contains(ProtectedKind.ControlledUnclassified, Guard().Check(text).Findings);

    [Theory]
    [InlineData("card 4111 1111 1111 1111 exp 12/27")]
    [InlineData("card 4111.1111.1111.1111")]
    [InlineData("5500-0000-0000-0004")]
    [InlineData("amex 378282246310005")]
    [InlineData("6011111111111117")]
    [InlineData("2223003122003222")]
    public void Payment_cards_passing_Luhn_are_refused(string text) =>
        Assert.Contains(ProtectedKind.PaymentCard, Guard().Check(text).Findings);

    [Theory]
    [InlineData("4111 1111 1111 1112")] // Luhn fails
    [InlineData("1234 5678 9012 3452")] // no issuer prefix
    public void Card_like_numbers_that_are_not_cards_pass(string text) => Assert.False(Guard().Check(text).Blocked);

    [Theory]
    [InlineData("\u0660\u0667\u0668-\u0660\u0665-\u0661\u0661\u0662\u0660")] // Arabic-Indic digits
    [InlineData("\uff14\uff11\uff11\uff11 1111 1111 1111")] // full-width digits
    [InlineData("\ud835\udfd2\ud835\udfd3 123 456789012")]
    public void Non_ASCII_digits_never_crash_the_guard(string text) => _ = Guard().Check(text);

    [Fact]
    public void Admin_patterns_are_refused()
    {
        var guard = Guard(@"\bPROJECT\s+NIGHTHAWK\b", @"(?i)\bbadge\s+pin\b");
        Assert.Equal([ProtectedKind.AdminPattern], guard.Check("status of PROJECT NIGHTHAWK?").Findings);
        Assert.True(guard.Check("what's my Badge PIN").Blocked);
        Assert.False(guard.Check("project nighthawk").Blocked);
    }

    [Fact]
    public void Refusal_names_the_kind_but_never_echoes_the_content()
    {
        var result = Guard().Check("SSN 078-05-1120 and card 4111111111111111");
        var text = ContentGuard.Refusal(result);
        Assert.Contains("Social Security number", text);
        Assert.Contains("payment card", text);
        Assert.DoesNotContain("078", text);
        Assert.DoesNotContain("4111", text);
    }

    [Theory]
    [InlineData("UNCLASSIFIED//FOR OFFICIAL USE ONLY\nShift roster for the week")]
    [InlineData("(U//FOUO) The schedule changes next month.")]
    [InlineData("(u//les) the suspect list")]
    [InlineData("UNCLASSIFIED//SBU")]
    [InlineData("LIMITED OFFICIAL USE\nEmbassy staffing changes")]
    [InlineData("(LES) The suspect was released on bond.")]
    public void Legacy_dissemination_markings_are_refused_as_sensitive_but_unclassified(string text) =>
        Assert.Equal([ProtectedKind.SensitiveButUnclassified], Guard().Check(text).Findings);

    [Theory]
    [InlineData("Controlled by: Department of Defense\nCUI Category: PRVCY\nLimited Dissemination Control: FEDCON\nPOC: Jane Doe, 555-0100")]
    [InlineData("Controlled by: Department of Energy\nPOC: J. Doe")]
    [InlineData("CUI Category: PRVCY")]
    [InlineData("Limited Dissemination Control: FEDCON")]
    public void CUI_designation_indicators_are_refused_without_a_banner(string text) =>
        Assert.Equal([ProtectedKind.ControlledUnclassified], Guard().Check(text).Findings);

    [Theory]
    [InlineData("Classified By: John Smith, Director\nDerived From: Multiple Sources\nDeclassify On: 20451231")]
    [InlineData("Derived From: DHS SCG 2019\nDeclassify On: 25X1")]
    [InlineData("Declassify On: 20451231")]
    [InlineData("Declassify On: 25X1")]
    [InlineData("(C//REL TO USA, GBR) The delegation arrives Monday.")]
    [InlineData("TOP SECRET//SI-G/TK//ORCON/NOFORN")]
    [InlineData("SECRET // NOFORN")]
    [InlineData("SECRET\u2215\u2215NOFORN")] // division slashes
    [InlineData("SE\u200BCRET//NOFORN")] // zero-width space inside the word
    [InlineData("//GBR SECRET")]
    public void Authority_blocks_caveated_and_disguised_banners_are_classified(string text) =>
        Assert.Equal([ProtectedKind.Classified], Guard().Check(text).Findings);

    [Theory]
    [InlineData("What does FOUO mean?")]
    [InlineData("How do I mark CUI?")]
    [InlineData("Is LES the same as FOUO?")]
    [InlineData("Who is the POC for the hackathon?")]
    [InlineData("\"Classified by whom?\" asked the reporter.")]
    [InlineData("Derived from the 2023 budget, the figures show a 4% increase.")]
    [InlineData("Controlled by the thermostat, the room stays at 68 degrees.")]
    [InlineData("How do I fill in the Classified By: and Declassify On: lines?")]
    [InlineData("Which is best?\n(A) Keep the form\n(B) Move it online\n(C) Retire it")]
    [InlineData("(C) Example Corp 2025\nCan we reuse this footer?")]
    [InlineData("Do I need an active TS/SCI clearance for the analyst job?")]
    [InlineData("UNCLASSIFIED//FOR PUBLIC RELEASE\nAgency launches AI pilot")]
    [InlineData("Derived from: the 2023 budget. Is this footnote format okay?\n\nDeclassify on: what does that line mean?")]
    [InlineData("Limited dissemination control: what does FEDCON mean?\nCUI Category: where do I find the list?")]
    public void Questions_about_markings_pass(string text)
    {
        var result = Guard().Check(text);
        Assert.False(result.Blocked, string.Join(",", result.Findings));
    }

    [Theory]
    [InlineData(ProtectedKind.SensitiveButUnclassified, "FOUO, LES or SBU")]
    [InlineData(ProtectedKind.ControlledUnclassified, "Controlled Unclassified Information")]
    public void Legacy_markings_get_the_CUI_card_and_a_refusal_that_names_them(ProtectedKind kind, string named)
    {
        var result = new GuardResult([kind]);
        Assert.Equal(TeamsBot.Cards.RefusalReason.Cui, ContentGuard.RefusalReasonOf(result));
        Assert.Contains(named, ContentGuard.Refusal(result));
    }

    /// <summary>
    /// Every marking in the refused corpus (banners, portion marks, authority blocks, CUI indicators, legacy markings,
    /// in the spellings people paste) is refused with exactly its section's kinds. Prints the blocked figure.
    /// </summary>
    [Fact]
    public void Every_marking_in_the_protected_corpus_is_refused_with_its_kind()
    {
        var corpus = ProtectedCorpus();
        Assert.True(corpus.Count >= 150, $"corpus too small: {corpus.Count}");
        var guard = Guard();
        var wrong = new List<string>();
        foreach (var (text, expected) in corpus)
        {
            var found = guard.Check(text).Findings.Distinct().Order().ToList();
            if (!found.SequenceEqual(expected.Order())) wrong.Add($"{text.ReplaceLineEndings("\\n")} => [{string.Join(",", found)}], expected [{string.Join(",", expected)}]");
        }
        var blocked = corpus.Count(c => guard.Check(c.Text).Blocked);
        output.WriteLine($"protected corpus: {blocked}/{corpus.Count} blocked ({100.0 * blocked / corpus.Count:0.##}%), {corpus.Count - wrong.Count} with exactly the expected kinds");
        foreach (var group in corpus.GroupBy(c => string.Join("+", c.Kinds))) output.WriteLine($"  {group.Key}: {group.Count()}");
        Assert.True(wrong.Count == 0, $"missed or misclassified ({wrong.Count}/{corpus.Count}):\n" + string.Join("\n", wrong));
    }

    /// <summary>"[Kind, Kind]" sections, one case per line ("\n" = line break) or a "<<<" … ">>>" block; "\uXXXX" escapes.</summary>
    private static List<(string Text, ProtectedKind[] Kinds)> ProtectedCorpus()
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Corpus", "protected-markings.txt"));
        var cases = new List<(string, ProtectedKind[])>();
        ProtectedKind[]? kinds = null;
        List<string>? block = null;
        foreach (var line in lines)
        {
            if (block is not null)
            {
                if (line == ">>>") { cases.Add((Unescape(string.Join("\n", block)), kinds!)); block = null; }
                else block.Add(line);
                continue;
            }
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                kinds = line[1..^1].Split(',', StringSplitOptions.TrimEntries).Select(Enum.Parse<ProtectedKind>).ToArray();
                continue;
            }
            Assert.NotNull(kinds); // every case sits in a section
            if (line == "<<<") block = [];
            else cases.Add((Unescape(line.Replace("\\n", "\n")), kinds));
        }
        Assert.Null(block); // no unterminated block
        return cases;
    }

    private static string Unescape(string text) =>
        Regex.Replace(text, @"\\u([0-9A-Fa-f]{4})", m => ((char)int.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToString());

    /// <summary>
    /// False-positive rate on a corpus of ordinary work questions (secret santa, confidential informant policy, dates, phone
    /// numbers, ticket numbers, lists with (a)/(b)/(c), copyright (c), unclassified portion marks…): zero.
    /// </summary>
    [Fact]
    public void Ordinary_work_questions_pass_the_guard()
    {
        var corpus = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Corpus", "normal-questions.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Replace("\\n", "\n"))
            .ToList();
        Assert.True(corpus.Count >= 220, $"corpus too small: {corpus.Count}");
        var guard = Guard();
        var flagged = corpus.Where(q => guard.Check(q).Blocked).Select(q => $"{q} => {string.Join(",", guard.Check(q).Findings)}").ToList();
        output.WriteLine($"ordinary corpus: {flagged.Count}/{corpus.Count} refused ({100.0 * flagged.Count / corpus.Count:0.##}% false positives)");
        Assert.True(flagged.Count == 0, $"false positives ({flagged.Count}/{corpus.Count}):\n" + string.Join("\n", flagged));
    }
}
