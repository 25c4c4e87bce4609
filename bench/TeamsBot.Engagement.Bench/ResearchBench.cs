using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Research;
using TeamsBot.Testing;

/// <summary>
/// Deep research cost: the Offline provider over the shipped knowledge and over 2,000 generated documents (time per report,
/// allocations, peak memory growth), and the Iterative provider with a fake model (requests per report).
/// </summary>
internal static class ResearchBench
{
    private static readonly string[] Questions =
    [
        "What is included in the advanced features window and when does the window start?",
        "What data can I enter into the assistant, and what must I never paste?",
        "How do I get access, and who is my coach?",
        "How are hackathons organised; what should teams prepare and how are projects judged?",
        "Which training is available for new users and how long does it take?",
    ];

    // Questions in the generated documents' vocabulary.
    private static readonly string[] GeneratedQuestions =
    [
        "What is the records retention policy for procurement contracts, and how does an audit check compliance?",
        "How does telework leave approval work, and which supervisor deadline applies?",
        "What cybersecurity incident report is required; who gives approval and by which deadline?",
        "Which travel reimbursement guidance applies to veterans benefits appointments?",
        "How are grant budget regulations and statute guidance applied during an inspection?",
    ];

    private static readonly string[] Words =
        ("agency records retention policy procurement contract security classification training coach workshop hackathon budget grant " +
         "compliance privacy accessibility veterans benefits travel reimbursement payroll leave telework cybersecurity incident report " +
         "approval supervisor deadline regulation statute guidance memo notice citizen service appointment license permit inspection audit").Split(' ');

    public static async Task RunAsync(int documents)
    {
        await OfflineAsync("shipped knowledge", null, Questions);
        var folder = Directory.CreateTempSubdirectory("teamsbot-research-bench-").FullName;
        try
        {
            var random = new Random(11);
            for (var d = 0; d < documents; d++)
            {
                using var writer = new StreamWriter(Path.Combine(folder, $"doc-{d:D4}.md"));
                writer.WriteLine($"# {Words[random.Next(Words.Length)]} {Words[random.Next(Words.Length)]} guidance {d}");
                for (var s = 0; s < 5; s++)
                {
                    writer.WriteLine($"\n## {Words[random.Next(Words.Length)]} and {Words[random.Next(Words.Length)]}");
                    writer.WriteLine(string.Join(' ', Enumerable.Range(0, 150).Select(_ => Words[random.Next(Words.Length)])) + ".");
                }
            }
            await OfflineAsync($"{documents:N0} generated documents", folder, GeneratedQuestions);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        await IterativeAsync();
    }

    private static async Task OfflineAsync(string label, string? knowledge, string[] questions)
    {
        var settings = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning", ["Nudges:Enabled"] = "false" };
        if (knowledge is not null) settings["Knowledge:Path"] = knowledge;
        await using var bot = await BotApp.StartAsync(settings);
        var provider = bot.Services.GetRequiredService<OfflineResearch>();
        var (first, firstSeconds, _, firstPeak) = await BenchMeasure.RunAsync(() => ReportAsync(provider, questions[0]));
        Console.WriteLine($"Offline, {label}: first report (index built at startup) {firstSeconds * 1000:F0} ms, peak RSS +{firstPeak / 1048576.0:F0} MB; {first.Findings.Count} findings, {first.Sources.Count} sources");
        var times = new List<double>();
        long allocated = 0, peak = 0;
        for (var round = 0; round < 4; round++)
            foreach (var question in questions)
            {
                var (_, seconds, bytes, growth) = await BenchMeasure.RunAsync(() => ReportAsync(provider, question));
                times.Add(seconds * 1000);
                allocated += bytes;
                peak = Math.Max(peak, growth);
            }
        times.Sort();
        Console.WriteLine($"Offline, {label}: {times.Count} reports, median {times[times.Count / 2]:F1} ms, max {times[^1]:F1} ms; " +
                          $"allocated {allocated / times.Count / 1024.0:F0} KB per report; peak RSS growth {peak / 1048576.0:F0} MB");
    }

    private static async Task<ResearchReport> ReportAsync(IResearchProvider provider, string question)
    {
        var state = new ResearchState();
        while (true)
        {
            var step = await provider.StepAsync(new ResearchRequest(question), state, default);
            if (step.Report is { } report) return report;
        }
    }

    private static async Task IterativeAsync()
    {
        await using var model = await FakeOpenAI.StartAsync();
        model.Default = ModelScript.Answer("SUMMARY: A summary [1].\nFINDINGS:\n- A finding [1]\n- Another [2]");
        await using var bot = await BotApp.StartAsync(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning", ["Nudges:Enabled"] = "false", ["Research:Provider"] = "Iterative",
            ["Model:Provider"] = "Compatible", ["Model:Endpoint"] = model.BaseUrl, ["Model:Name"] = "gpt-test",
        });
        var provider = bot.Services.GetRequiredService<IterativeResearch>();
        var clock = Stopwatch.StartNew();
        foreach (var question in Questions) await ReportAsync(provider, question);
        Console.WriteLine($"Iterative, fake model: {model.Requests.Count} requests for {Questions.Length} reports = {model.Requests.Count / (double)Questions.Length:F1} per report " +
                          $"({clock.Elapsed.TotalMilliseconds / Questions.Length:F0} ms per report against a local model)");
    }
}
