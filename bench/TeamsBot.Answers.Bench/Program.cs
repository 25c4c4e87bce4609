using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Answers;
using TeamsBot.Protocol.Activities;
using TeamsBot.Testing;

// Answers benchmark: the real bot on Kestrel, the fake connector, the fake OpenAI SSE model (all 127.0.0.1).
// 1. activity arrival -> informative update at the connector (target p50 < 150 ms)
// 2. model's last token -> final message at the connector: the bot's added latency (target p50 < 50 ms)
// 3. content guard throughput (MB/s)
var iterations = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 40;
const int warmup = 5;

await using var connector = await FakeConnector.StartAsync();
await using var model = await FakeOpenAI.StartAsync();
// Fixed schedule: 24 tokens, one every 25 ms (~0.6 s of generation).
model.Default = ModelScript.Answer(
    "To get access, ask your agency's AI program coordinator to confirm enrollment [1], then complete the responsible use module and open TeamsBot in Teams.",
    TimeSpan.FromMilliseconds(25));
await using var bot = await BotApp.StartAsync(new Dictionary<string, string?>
{
    ["Model:Provider"] = "Compatible",
    ["Model:Endpoint"] = model.BaseUrl,
    ["Model:Name"] = "bench-model",
    ["Answers:QuestionsPerWindow"] = "100000",
    ["Logging:LogLevel:Default"] = "Warning",
});

var informative = new List<double>();
var added = new List<double>();
var toModel = new List<double>();
for (var i = 0; i < iterations + warmup; i++)
{
    var conversation = $"a:bench-{i}";
    var activity = TestActivities.Message(connector.ServiceUrl, "How do I get access to the AI assistant?", conversationId: conversation);
    var sent = DateTimeOffset.UtcNow;
    var post = bot.SendAsync(activity);
    var requests = await connector.WaitForAsync(r => r.Any(x => x.ConversationId == conversation && x.IsSend && x.Activity?.Type == ActivityTypes.Message),
        TimeSpan.FromSeconds(30));
    (await post).Dispose();
    var mine = requests.Where(x => x.ConversationId == conversation && x.IsSend).ToList();
    var first = mine.First();
    var final = mine.Last();
    var lastToken = model.LastTokenTimes[i];
    if (i < warmup) continue;
    informative.Add((first.At - sent).TotalMilliseconds);
    added.Add((final.At - lastToken).TotalMilliseconds);
    toModel.Add((model.Requests[i].At - sent).TotalMilliseconds);
}

// Guard: realistic messages (the false-positive corpus) scanned one by one, ~20 MB in total.
var guard = bot.Services.GetRequiredService<ContentGuard>();
var corpus = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "normal-questions.txt")).Where(l => l.Length > 0 && !l.StartsWith('#'))
    .Select(l => l.Replace("\\n", "\n")).ToArray(); // "\n" in a corpus line stands for a line break
var longMessage = string.Join("\n\n", corpus); // a pasted ~9 KB document
long bytes = 0;
var blocked = 0;
for (var i = 0; i < 200; i++) blocked += guard.Check(corpus[i % corpus.Length]).Blocked ? 1 : 0; // warm
var clock = Stopwatch.StartNew();
while (bytes < 20_000_000)
{
    foreach (var q in corpus) { blocked += guard.Check(q).Blocked ? 1 : 0; bytes += q.Length; }
    blocked += guard.Check(longMessage).Blocked ? 1 : 0;
    bytes += longMessage.Length;
}
clock.Stop();
var mbPerSecond = bytes / 1_000_000.0 / clock.Elapsed.TotalSeconds;

Console.WriteLine($"iterations: {iterations} (after {warmup} warm-up), model: 24 tokens every 25 ms, 1:1 chat, real OpenAI SDK over SSE");
Console.WriteLine($"arrival -> informative update: p50 {P(informative, 50):0.0} ms  p90 {P(informative, 90):0.0} ms  max {informative.Max():0.0} ms  (target p50 < 150 ms)");
Console.WriteLine($"arrival -> request at the model: p50 {P(toModel, 50):0.0} ms  p90 {P(toModel, 90):0.0} ms  (search, memory, prompt, SDK)");
Console.WriteLine($"last token -> final message:   p50 {P(added, 50):0.0} ms  p90 {P(added, 90):0.0} ms  max {added.Max():0.0} ms  (target p50 < 50 ms)");
Console.WriteLine($"guard throughput: {mbPerSecond:0.0} MB/s ({bytes / 1_000_000.0:0.0} MB of text, {blocked} false positives)");
return 0;

static double P(List<double> values, int percentile)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
