using System.Text;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.Util;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;
using Microsoft.Extensions.Options;

namespace TeamsBot.Answers;

/// <summary>A section of an approved document, as found for a question.</summary>
public sealed record Passage(string DocumentTitle, string Section, string Text, string FileName, string? Url, float Score)
{
    /// <summary>Citation name: "Document — Section" (Teams shows ≤ 80 characters).</summary>
    public string Name => Section.Length == 0 || Section == DocumentTitle ? DocumentTitle : $"{DocumentTitle} — {Section}";
}

/// <summary>
/// The approved knowledge (Markdown/text files in <c>Knowledge:Path</c>), split into sections and indexed in memory with
/// Lucene.Net (English analyzer, BM25). Built once on first use; the documents are small.
/// </summary>
public sealed class KnowledgeBase : IDisposable
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private static readonly string[] Fields = ["title", "section", "body"];
    // Lucene's English stop words plus the words every question shares ("how do I…", "what can you…"): otherwise a
    // section titled "How do I register?" outranks the passage about what was actually asked.
    private static readonly CharArraySet StopWords = BuildStopWords();

    private static CharArraySet BuildStopWords()
    {
        var words = new CharArraySet(Version, EnglishAnalyzer.DefaultStopSet, ignoreCase: true);
        foreach (var w in new[] { "how", "what", "when", "where", "why", "who", "which", "do", "does", "did", "i", "me", "my", "can", "could",
                     "should", "would", "you", "your", "we", "our", "us", "please", "tell", "about", "am", "have", "has" })
            words.Add(w);
        return words.AsReadOnly();
    }

    private static readonly Dictionary<string, float> Boosts = new() { ["title"] = 1.5f, ["section"] = 2f, ["body"] = 1f };
    private const int MaxPassageChars = 1200;
    private const int MaxQueryChars = 1000;

    private readonly Lazy<Index> _index;
    private readonly ILogger<KnowledgeBase> _logger;

    public KnowledgeBase(IOptions<KnowledgeOptions> options, IHostEnvironment environment, ILogger<KnowledgeBase> logger)
    {
        _logger = logger;
        var o = options.Value;
        FolderPath = Resolve(o.Path, environment.ContentRootPath);
        _index = new Lazy<Index>(() => Build(FolderPath, o.BaseUrl), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string FolderPath { get; }

    public int PassageCount => _index.Value.Count;

    /// <summary>Relative paths: the content root first (dotnet run), then the base directory (published app, tests).</summary>
    internal static string Resolve(string path, string contentRoot)
    {
        if (System.IO.Path.IsPathRooted(path)) return path;
        var fromRoot = System.IO.Path.GetFullPath(System.IO.Path.Combine(contentRoot, path));
        if (System.IO.Directory.Exists(fromRoot)) return fromRoot;
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(AppContext.BaseDirectory, path));
    }

    public void Warm() => _ = _index.Value;

    /// <summary>The best passages for a question, best first; matches scoring under <paramref name="minShareOfBest"/> of the best are dropped.</summary>
    public IReadOnlyList<Passage> Search(string question, int max, float minShareOfBest = 1f / 3)
    {
        var index = _index.Value;
        if (index.Count == 0 || string.IsNullOrWhiteSpace(question) || max <= 0) return [];
        // A pasted document is not a query: its start says enough, and stays under Lucene's clause limit (1024).
        if (question.Length > MaxQueryChars) question = question[..MaxQueryChars];
        TopDocs top;
        try
        {
            var parser = new MultiFieldQueryParser(Version, Fields, index.Analyzer, Boosts) { DefaultOperator = Operator.OR };
            top = index.Searcher.Search(parser.Parse(QueryParserBase.Escape(question.ToLowerInvariant())) /* lower case: AND / OR / NOT in a question are words, not operators */, max);
        }
        catch (Exception e) when (e is ParseException or BooleanQuery.TooManyClausesException)
        {
            return [];
        }
        if (top.ScoreDocs.Length == 0) return [];
        var best = top.ScoreDocs[0].Score;
        return top.ScoreDocs
            .Where(d => d.Score >= best * minShareOfBest)
            .Select(d => index.Passages[int.Parse(index.Searcher.Doc(d.Doc).Get("n"))] with { Score = d.Score })
            .ToList();
    }

    private Index Build(string folder, string? baseUrl)
    {
        var analyzer = new EnglishAnalyzer(Version, StopWords);
        var directory = new RAMDirectory();
        var passages = new List<Passage>();
        var config = new IndexWriterConfig(Version, analyzer) { Similarity = new BM25Similarity() };
        using (var writer = new IndexWriter(directory, config))
        {
            if (System.IO.Directory.Exists(folder))
            {
                var files = System.IO.Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
                    .Where(f => f.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal);
                foreach (var file in files)
                {
                    var name = System.IO.Path.GetRelativePath(folder, file).Replace('\\', '/');
                    var url = string.IsNullOrWhiteSpace(baseUrl) ? null : baseUrl.TrimEnd('/') + "/" + Uri.EscapeDataString(name).Replace("%2F", "/");
                    foreach (var p in Split(File.ReadAllText(file), name, url))
                    {
                        var doc = new Document
                        {
                            new StoredField("n", passages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                            new TextField("title", p.DocumentTitle, Field.Store.NO),
                            new TextField("section", p.Section, Field.Store.NO),
                            new TextField("body", p.Text, Field.Store.NO),
                        };
                        writer.AddDocument(doc);
                        passages.Add(p);
                    }
                }
            }
            else
            {
                _logger.LogWarning("Knowledge folder {Folder} does not exist: offline answers will find nothing", folder);
            }
            writer.Commit();
        }
        var reader = DirectoryReader.Open(directory);
        var searcher = new IndexSearcher(reader) { Similarity = new BM25Similarity() };
        _logger.LogInformation("Knowledge index: {Count} passages from {Folder}", passages.Count, folder);
        return new Index(analyzer, directory, reader, searcher, passages);
    }

    /// <summary>Splits a Markdown document into passages: one per heading section, long sections by paragraphs.</summary>
    internal static IEnumerable<Passage> Split(string markdown, string fileName, string? url)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        var title = lines.FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal))?[2..].Trim()
                    ?? System.IO.Path.GetFileNameWithoutExtension(fileName).Replace('-', ' ');
        var section = "";
        var body = new StringBuilder();
        var result = new List<Passage>();

        void Flush()
        {
            var text = body.ToString().Trim();
            body.Clear();
            if (text.Length == 0) return;
            foreach (var chunk in Chunk(text))
                result.Add(new Passage(title, section, chunk, fileName, url, 0));
        }

        foreach (var line in lines)
        {
            if (line.StartsWith('#'))
            {
                Flush();
                var heading = line.TrimStart('#').Trim();
                section = line.StartsWith("# ", StringComparison.Ordinal) ? "" : heading;
                continue;
            }
            body.Append(line).Append('\n');
        }
        Flush();
        return result;
    }

    private static IEnumerable<string> Chunk(string text)
    {
        if (text.Length <= MaxPassageChars) { yield return text; yield break; }
        var current = new StringBuilder();
        foreach (var paragraph in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (current.Length > 0 && current.Length + paragraph.Length > MaxPassageChars)
            {
                yield return current.ToString().Trim();
                current.Clear();
            }
            current.Append(paragraph).Append("\n\n");
        }
        if (current.Length > 0) yield return current.ToString().Trim();
    }

    public void Dispose()
    {
        if (_index.IsValueCreated) _index.Value.Dispose();
    }

    private sealed record Index(EnglishAnalyzer Analyzer, RAMDirectory Directory, DirectoryReader Reader, IndexSearcher Searcher, List<Passage> Passages) : IDisposable
    {
        public int Count => Passages.Count;

        public void Dispose()
        {
            Reader.Dispose();
            Directory.Dispose();
            Analyzer.Dispose();
        }
    }
}
