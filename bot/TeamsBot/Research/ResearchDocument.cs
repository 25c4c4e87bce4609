using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace TeamsBot.Research;

/// <summary>The full report as a Word document: title, the AI or extractive notice, summary, findings with their source numbers, numbered sources.</summary>
public static class ResearchDocument
{
    /// <param name="requestedAt">When the research was asked for: the report's date.</param>
    public static byte[] Create(ResearchReport report, DateTimeOffset requestedAt)
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            AddStyles(main);
            var body = new Body();
            body.Append(Paragraph("Deep Research report", "Title"));
            body.Append(Paragraph(report.Question, "Subtitle"));
            body.Append(Paragraph(report.Extractive
                ? $"Extractive report requested {requestedAt:yyyy-MM-dd HH:mm} UTC, from approved documents: passages are quoted, not written by a model."
                : $"AI-generated report requested {requestedAt:yyyy-MM-dd HH:mm} UTC. Check the sources before relying on it.", null, italic: true));
            body.Append(Paragraph("Summary", "Heading1"));
            body.Append(Paragraph(report.Summary));
            body.Append(Paragraph("Key findings", "Heading1"));
            foreach (var finding in report.Findings)
                body.Append(Paragraph("• " + finding.Text + string.Concat(finding.Sources.Select(n => $" [{n}]"))));
            body.Append(Paragraph("Sources", "Heading1"));
            for (var i = 0; i < report.Sources.Count; i++)
            {
                var source = report.Sources[i];
                body.Append(Paragraph($"{i + 1}. {source.Name}" + (source.Url is { } url ? $" — {url}" : $" ({source.FileName})")));
            }
            body.Append(new SectionProperties(new PageMargin { Top = 1134, Bottom = 1134, Left = 1134, Right = 1134 }));
            main.Document = new Document(body);
            main.Document.Save();
        }
        return stream.ToArray();
    }

    private static Paragraph Paragraph(string text, string? style = null, bool italic = false)
    {
        var run = new Run(new Text(text) { Space = SpaceProcessingModeValues.Preserve });
        if (italic) run.RunProperties = new RunProperties(new Italic());
        var paragraph = new Paragraph(run);
        if (style is not null) paragraph.ParagraphProperties = new ParagraphProperties(new ParagraphStyleId { Val = style });
        return paragraph;
    }

    private static void AddStyles(MainDocumentPart main)
    {
        var styles = main.AddNewPart<StyleDefinitionsPart>();
        Style Heading(string id, string name, int halfPoints, bool bold) => new(
            new StyleName { Val = name }, new BasedOn { Val = "Normal" }, new NextParagraphStyle { Val = "Normal" }, new PrimaryStyle(),
            new StyleParagraphProperties(new SpacingBetweenLines { Before = "240", After = "120" }, new KeepNext()),
            new StyleRunProperties(bold ? new Bold() : new Bold { Val = false }, new FontSize { Val = halfPoints.ToString(System.Globalization.CultureInfo.InvariantCulture) }))
        { Type = StyleValues.Paragraph, StyleId = id };
        styles.Styles = new Styles(
            new Style(new StyleName { Val = "Normal" }, new PrimaryStyle(), new StyleRunProperties(new FontSize { Val = "22" })) { Type = StyleValues.Paragraph, StyleId = "Normal", Default = true },
            Heading("Title", "Title", 40, true), Heading("Subtitle", "Subtitle", 28, false), Heading("Heading1", "heading 1", 30, true));
        styles.Styles.Save();
    }
}
