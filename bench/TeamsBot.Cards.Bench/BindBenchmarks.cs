using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace TeamsBot.Cards.Bench;

/// <summary>µs per bound card: typed data → card JSON, with templates already parsed (as in the running app).</summary>
[MemoryDiagnoser]
public class BindBenchmarks
{
    private readonly CardLibrary _library = new();
    private WelcomeCardData _welcome = null!;
    private EventInviteCardData _hackathon = null!;
    private AdoptionReportCardData _report = null!;

    [GlobalSetup]
    public void Setup()
    {
        var now = new DateTimeOffset(2026, 3, 5, 14, 30, 0, TimeSpan.Zero);
        _welcome = new WelcomeCardData("Maria Lopez", "General Services Administration", "AI for Government", 60,
            ["Deep Research", "Advanced Voice"], [new PromptSuggestion("Summarize a memo", "Summarize this memo."), new PromptSuggestion("Plain language", "Rewrite this in plain language.")],
            new Uri("https://learn.example.gov/ai"));
        _hackathon = new EventInviteCardData("ev-9", EventKind.Hackathon, "Benefits Navigator hackathon", "Two days to prototype assistants.", now, now.AddDays(1),
            "GSA headquarters", "Deloitte", 120, 0, RegistrationState.Waitlisted, 3, 5, [new AgendaItem("09:00", "Kickoff"), new AgendaItem("17:00", "Demos")],
            ["29:1", "29:2"], ImageUrl: new Uri("https://cdn.example.gov/h.png"), ImageAltText: "Hackathon banner");
        _report = new AdoptionReportCardData("All agencies", now.AddDays(-7), now.AddDays(-1), 24000, 18250, 76, 412800, 22.6, 85, 95, 97, 81, 9000, 41,
            3120, 1400, 1100, 52000, 39000, 310, 1, 10, 95, 85, now,
            Enumerable.Range(0, 10).Select(i => new AgencyAdoption($"Agency {i}", 2000 + i, 1000 + i, 60 + i, 20.5, 84, 90)).ToList(),
            Enumerable.Range(0, 8).Select(w => new WeeklyActive(now.AddDays(-7 * (8 - w)), 15000 + 400 * w)).ToList());
        // Warm the template cache: the app parses each template once per language.
        Welcome(); Hackathon(); Report();
    }

    [Benchmark] public JsonElement Welcome() => _library.Bind(_welcome, "en-US");
    [Benchmark] public JsonElement Hackathon() => _library.Bind(_hackathon, "es-US");
    [Benchmark] public JsonElement Report() => _library.Bind(_report, "en-US");
}
