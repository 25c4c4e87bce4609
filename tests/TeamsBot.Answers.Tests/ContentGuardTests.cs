using Microsoft.Extensions.Options;

namespace TeamsBot.Answers.Tests;

public class ContentGuardTests
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
        Assert.True(corpus.Count >= 100, $"corpus too small: {corpus.Count}");
        var guard = Guard();
        var flagged = corpus.Where(q => guard.Check(q).Blocked).Select(q => $"{q} => {string.Join(",", guard.Check(q).Findings)}").ToList();
        Assert.True(flagged.Count == 0, $"false positives ({flagged.Count}/{corpus.Count}):\n" + string.Join("\n", flagged));
    }
}
