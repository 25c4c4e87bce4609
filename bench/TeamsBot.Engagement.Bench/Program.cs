using Process = System.Diagnostics.Process;
using Stopwatch = System.Diagnostics.Stopwatch;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TeamsBot.Nudges;
using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;

// Usage: dotnet run -c Release --project bench/TeamsBot.Engagement.Bench -- plan [people]
//        TEAMSBOT_TEST_POSTGRES=… dotnet run -c Release --project bench/TeamsBot.Engagement.Bench -- rsvp [clicks] [rounds]
//        (BENCH_VERB=rsvp.refresh: the same invokes without the RSVP write, for the ratio)
//        [TEAMSBOT_TEST_POSTGRES=…] dotnet run -c Release --project bench/TeamsBot.Engagement.Bench -- insights [events]
//        dotnet run -c Release --project bench/TeamsBot.Engagement.Bench -- research [documents]
var mode = args.Length > 0 ? args[0] : "plan";
if (mode == "plan") Plan(args.Length > 1 ? int.Parse(args[1]) : 1_000_000);
else if (mode == "insights") await InsightsBench.RunAsync(args.Length > 1 ? long.Parse(args[1]) : 10_000_000);
else if (mode == "research") await ResearchBench.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 2_000);
else await RsvpAsync(args.Length > 1 ? int.Parse(args[1]) : 200, args.Length > 2 ? int.Parse(args[2]) : 5);

// The planner over a million people, one at a time as the planning job feeds it (pages of the database, here generated):
// mixed time zones (some unknown), past nudges of two kinds, agencies with a closing Deep Research window, stops and snoozes.
static void Plan(int people)
{
    var curriculum = CurriculumLoader.Load(Path.Combine(AppContext.BaseDirectory, "nudges", "curriculum.json"));
    var planner = new NudgePlanner(curriculum, new NudgesOptions());
    var zones = new[] { "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Pacific/Honolulu", "America/Anchorage", "Eastern Standard Time", "Europe/Berlin", null };
    var now = new DateTimeOffset(2027, 1, 13, 16, 0, 0, TimeSpan.Zero); // Wednesday 11:00 in New York
    var closing = new Dictionary<string, DateTimeOffset> { ["deep-research"] = now.AddDays(9) };
    var none = new Dictionary<string, DateTimeOffset>();
    var counts = new Dictionary<NudgeSkip, int>();
    var lessons = new Dictionary<string, int>();
    GC.Collect();
    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var stopwatch = Stopwatch.StartNew();
    for (var i = 0; i < people; i++)
    {
        var random = new Random(i);
        var pastCount = random.Next(0, 4);
        var past = new PastNudge[pastCount];
        for (var p = 0; p < pastCount; p++)
        {
            var sent = now.AddDays(-random.Next(1, 30)).AddHours(-random.Next(0, 24));
            past[p] = p == 0 && random.Next(4) == 0 ? new PastNudge("survey", "w", sent, null)
                : new PastNudge(NudgePlanner.LessonKind, curriculum.Lessons[p].Id, sent, random.Next(2) == 0 ? sent.AddHours(1) : null);
        }
        var learner = new Learner
        {
            ObjectId = i.ToString(), AgencyId = (i % 7) switch { 0 => "va", 1 => "gsa", _ => "dod" }, TimeZone = zones[i % zones.Length],
            InstalledAt = now.AddDays(-random.Next(0, 200)), LastActiveAt = now.AddDays(-random.Next(0, 40)),
            StoppedAt = i % 50 == 0 ? now.AddDays(-3) : null, SnoozedUntil = i % 40 == 1 ? now.AddDays(2) : null,
            Past = past, OpenWindowsEnd = i % 7 == 0 ? closing : none,
        };
        var decision = planner.Decide(learner, now);
        counts[decision.Skip] = counts.GetValueOrDefault(decision.Skip) + 1;
        if (decision.Lesson is { } lesson) lessons[lesson.Id] = lessons.GetValueOrDefault(lesson.Id) + 1;
    }
    stopwatch.Stop();
    var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
    using var process = Process.GetCurrentProcess();
    Console.WriteLine($"planned {people:N0} people in {stopwatch.Elapsed.TotalSeconds:F2} s = {people / stopwatch.Elapsed.TotalSeconds:N0} people/s; " +
                      $"allocated {allocated / (double)people:F0} B/person; peak working set {process.PeakWorkingSet64 / 1048576.0:F0} MB");
    Console.WriteLine("decisions: " + string.Join(", ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value:N0}")));
    Console.WriteLine("lessons: " + string.Join(", ", lessons.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value:N0}")));
}

// RSVP invoke latency: a real bot process with a real app id (every invoke carries a signed channel token), an event of 50
// seats, and N people clicking Register at the same moment; per round p50, p99 and max of the HTTP round trip, and a check
// that exactly the seats were given. The first round warms up (JIT, pools) and is not counted.
static async Task RsvpAsync(int clicks, int rounds)
{
    ThreadPool.SetMinThreads(Math.Max(64, clicks), 64);
    const string appId = "6a1f8a2e-3c4b-4d5e-8f90-123456789abc", tenant = "11111111-2222-3333-4444-555555555555";
    await using var issuer = await FakeChannelIssuer.StartAsync();
    await using var tokens = await FakeTokenEndpoint.StartAsync();
    await using var connector = await FakeConnector.StartAsync();
    await using var entra = await FakeEntraIssuer.StartAsync();
    foreach (var (label, postgres) in new[] { ("SQLite", (TestPostgres?)null), ("PostgreSQL", TestPostgres.TryCreate("teamsbot_rsvp_bench")) })
    {
        if (label == "PostgreSQL" && postgres is null) { Console.WriteLine("(set TEAMSBOT_TEST_POSTGRES for the PostgreSQL run)"); continue; }
        var environment = new Dictionary<string, string>
        {
            ["Bot__AppId"] = appId, ["Bot__AppPassword"] = "bench", ["Bot__OpenIdMetadataUrl"] = issuer.MetadataUrl, ["Bot__TokenEndpoint"] = tokens.TokenUrl,
            ["Api__Authority"] = entra.Authority, ["Api__Audience"] = FakeEntraIssuer.ApiAudience, ["Logging__LogLevel__Default"] = "Warning",
            ["Nudges__Enabled"] = "false",
        };
        if (postgres is not null)
        {
            environment["Storage__Provider"] = "Postgres";
            environment["ConnectionStrings__TeamsBot"] = postgres.ConnectionString;
        }
        await using var bot = await RunningBot.StartAsync(environment);
        var coach = entra.CreateToken(new EntraTokenSpec { Roles = ["Coach"] });
        var channelToken = issuer.CreateToken(new ChannelTokenSpec { Audience = appId, ServiceUrl = connector.ServiceUrl });
        var p50s = new List<double>();
        var p99s = new List<double>();
        for (var round = 0; round <= rounds; round++)
        {
            using var create = new HttpRequestMessage(HttpMethod.Post, "/api/events")
            {
                Content = JsonContent.Create(new
                {
                    kind = "hackathon", title = $"Round {round}", description = "Bench.", start = DateTime.UtcNow.AddDays(3).ToString("yyyy-MM-dd'T'HH:mm"),
                    end = DateTime.UtcNow.AddDays(3).AddHours(4).ToString("yyyy-MM-dd'T'HH:mm"), timeZone = "UTC", location = "HQ", capacity = 50,
                    audience = new { type = "users", users = new[] { "someone@example.gov" } },
                }),
            };
            create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", coach);
            var created = await bot.Http.SendAsync(create);
            var eventId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            var start = new TaskCompletionSource();
            var clicking = Enumerable.Range(0, clicks).Select(async i =>
            {
                var user = $"00000000-0000-4000-b{round:D3}-{i:D12}";
                var activity = new Activity
                {
                    Type = ActivityTypes.Invoke, Name = "adaptiveCard/action", Id = Guid.NewGuid().ToString("N"), ServiceUrl = connector.ServiceUrl, ChannelId = "msteams",
                    From = new ChannelAccount { Id = "29:" + user, AadObjectId = user, Name = "Person" }, Recipient = new ChannelAccount { Id = "28:" + appId },
                    Conversation = new ConversationAccount { Id = "a:chat-" + user, ConversationType = ConversationTypes.Personal, TenantId = tenant },
                    ChannelData = new TeamsChannelData { Tenant = new TenantInfo { Id = tenant } },
                    Value = JsonSerializer.SerializeToElement(new { action = new { type = "Action.Execute", verb = Environment.GetEnvironmentVariable("BENCH_VERB") ?? "rsvp.register", data = new { eventId } }, trigger = "manual" }),
                };
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = JsonContent.Create(activity, options: ProtocolJson.Options) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", channelToken);
                await start.Task;
                var clock = Stopwatch.StartNew();
                using var response = await bot.Http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{response.StatusCode}: {body}");
                return (clock.Elapsed.TotalMilliseconds, Registered: body.Contains("registered.", StringComparison.Ordinal));
            }).ToList(); // every request built and waiting
            start.SetResult();
            var latencies = await Task.WhenAll(clicking);
            var sorted = latencies.Select(l => l.TotalMilliseconds).Order().ToList();
            double P(double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
            var seats = latencies.Count(l => l.Registered);
            Console.WriteLine($"{label} round {round}{(round == 0 ? " (warm-up)" : "")}: {clicks} concurrent clicks, p50 {P(0.50):F0} ms, p99 {P(0.99):F0} ms, max {sorted[^1]:F0} ms; seats given {seats} of 50");
            if (round > 0) { p50s.Add(P(0.50)); p99s.Add(P(0.99)); }
        }
        Console.WriteLine($"{label}: median over {rounds} rounds p50 {p50s.Order().ElementAt(p50s.Count / 2):F0} ms, p99 {p99s.Order().ElementAt(p99s.Count / 2):F0} ms");
        if (postgres is not null) await postgres.DisposeAsync();
    }
}
