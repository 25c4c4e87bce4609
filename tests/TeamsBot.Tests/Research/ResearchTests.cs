using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DocumentFormat.OpenXml.Packaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TeamsBot.Agencies;
using TeamsBot.Insights;
using TeamsBot.Protocol.Activities;
using TeamsBot.Research;
using TeamsBot.Storage;
using TeamsBot.Testing;
using TeamsBot.Tests.Broadcasts;
using static TeamsBot.Tests.Broadcasts.BroadcastHarness;
using static TeamsBot.Tests.Events.EventHarness;

namespace TeamsBot.Tests.Research;

/// <summary>
/// Deep research in Teams with the Offline provider over the shipped knowledge: the window and the caps at the start, the
/// acknowledgement updated in place, one delivery with citations, the Word document through file consent (accept: uploaded
/// and shown; decline: Markdown), Cancel, the guard, and a bot process killed mid-research that delivers once after restart.
/// </summary>
public sealed class ResearchTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    internal const string Question = "What is included in the advanced features window and when does the window start?";
    private BroadcastHarness _h = null!;
    private BotApp _bot = null!;

    public async Task InitializeAsync()
    {
        _h = await BroadcastHarness.StartAsync(gsaUsers: 6, nasaUsers: 1);
        _bot = await BotApp.StartAsync(Settings(_h, stepDelay: "00:00:00.2"));
        await OpenWindowAsync(_bot.Services.GetRequiredService<IAgencyRegistry>(), DateTimeOffset.UtcNow.AddDays(-5), DateTimeOffset.UtcNow.AddDays(55));
    }

    internal static Dictionary<string, string?> Settings(BroadcastHarness h, string stepDelay)
    {
        var settings = h.Settings();
        settings["Research:StepDelay"] = stepDelay;
        settings["Research:PerUserPerDay"] = "3";
        settings["Nudges:Enabled"] = "false";
        return settings;
    }

    internal static Task OpenWindowAsync(IAgencyRegistry registry, DateTimeOffset start, DateTimeOffset end) =>
        registry.SetEntitlementAsync("gsa", new EntitlementWindow("deep-research", start, end), default);

    /// <summary>Settings as the environment of a bot process.</summary>
    internal static Dictionary<string, string> Environment(IDictionary<string, string?> settings) =>
        settings.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value!);

    /// <summary>Opens GSA's window in a bot process, as an admin does through the API; then asks <paramref name="user"/>'s research.</summary>
    internal static async Task OpenWindowAndAskAsync(RunningBot bot, BroadcastHarness h, int user)
    {
        using var window = new HttpRequestMessage(HttpMethod.Put, "/api/agencies/gsa/entitlements/deep-research")
        {
            Content = JsonContent.Create(new { start = DateTimeOffset.UtcNow.AddDays(-1), end = DateTimeOffset.UtcNow.AddDays(59) }),
        };
        window.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", h.Entra.CreateToken(new EntraTokenSpec { Roles = [TeamsBot.Security.Roles.Admin] }));
        Assert.True((await bot.Http.SendAsync(window)).IsSuccessStatusCode);
        var ask = Person(TestActivities.Message(h.Connector.ServiceUrl, "research " + Question, conversationId: ChatOf(UserId(user))), UserId(user), TenantA);
        Assert.Equal(HttpStatusCode.OK, (await bot.Http.PostAsync("/api/messages", JsonContent.Create(ask, options: ProtocolJson.Options))).StatusCode);
    }

    public async Task DisposeAsync()
    {
        foreach (var line in TestLogs.All.Where(l => l.Contains("Research", StringComparison.Ordinal) || l.StartsWith("Warn", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal)).TakeLast(40))
            output.WriteLine(line);
        await _bot.DisposeAsync();
        await _h.DisposeAsync();
    }

    private Task<HttpResponseMessage> SayAsync(int user, string text) =>
        _bot.SendAsync(Person(TestActivities.Message(_h.Connector.ServiceUrl, text, conversationId: ChatOf(UserId(user))), UserId(user), TenantA));

    private Task<HttpResponseMessage> ConsentAsync(int user, string researchId, string action, string name) =>
        _bot.SendAsync(Person(TestActivities.Invoke(_h.Connector.ServiceUrl, FileConsent.InvokeName, new
        {
            type = "fileUpload", action, context = new { researchId },
            uploadInfo = new { name, uploadUrl = _h.Connector.UploadUrl(name), contentUrl = $"https://contoso-my.sharepoint.com/personal/u/Documents/{name}", uniqueId = "4C3D2B1A", fileType = "docx" },
        }, conversationId: ChatOf(UserId(user))), UserId(user), TenantA));

    private IEnumerable<ConnectorRequest> SentTo(int user, IEnumerable<ConnectorRequest> requests) =>
        requests.Where(r => r.IsSend && r.ConversationId == ChatOf(UserId(user)));

    internal static bool IsConsentCard(ConnectorRequest r) => r.IsSend && r.Body.Contains(FileConsent.ConsentContentType, StringComparison.Ordinal);
    internal static bool IsReport(ConnectorRequest r) => r.IsSend && r.Body.Contains("Deep Research:", StringComparison.Ordinal);

    private async Task<(string ResearchId, string FileName, long Size)> ResearchUntilOfferedAsync(int user, string question = Question)
    {
        Assert.Equal(HttpStatusCode.OK, (await SayAsync(user, "research " + question)).StatusCode);
        var requests = await _h.Connector.WaitForAsync(r => SentTo(user, r).Any(IsConsentCard)
            && r.Any(x => x.Method == "PUT" && x.ConversationId == ChatOf(UserId(user)) && x.Body.Contains("the report is in this chat", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        var consent = JsonDocument.Parse(SentTo(user, requests).Single(IsConsentCard).Body).RootElement.GetProperty("attachments")[0];
        return (consent.GetProperty("content").GetProperty("acceptContext").GetProperty("researchId").GetString()!, consent.GetProperty("name").GetString()!,
            consent.GetProperty("content").GetProperty("sizeInBytes").GetInt64());
    }

    [Fact]
    public async Task Inside_the_window_the_research_is_acknowledged_updated_in_place_and_delivered_once_with_citations_and_the_Word_document()
    {
        var (researchId, name, size) = await ResearchUntilOfferedAsync(1);
        var requests = _h.Connector.Requests;
        // The acknowledgement: Researching… with Cancel, then updated in place through the milestones to Done.
        var ack = SentTo(1, requests).First();
        Assert.Contains("research.cancel", ack.Body);
        Assert.Contains("Researching", ack.Body);
        var updates = requests.Where(r => r.Method == "PUT" && r.ConversationId == ChatOf(UserId(1))).Select(r => r.Body).ToList();
        Assert.Contains(updates, b => b.Contains("Planning the questions", StringComparison.Ordinal));
        Assert.Contains(updates, b => b.Contains("Reading sources", StringComparison.Ordinal));
        Assert.Contains(updates, b => b.Contains("Writing the report", StringComparison.Ordinal));
        Assert.Contains("the report is in this chat", updates[^1]);
        Assert.DoesNotContain("research.cancel", updates[^1]);

        // The report: summary, cited findings (Teams citations), feedback, said to be extractive (no AI label: no model wrote it).
        var report = Assert.Single(SentTo(1, requests), IsReport);
        var activity = JsonDocument.Parse(report.Body).RootElement;
        Assert.Contains("[1]", activity.GetProperty("text").GetString());
        Assert.Contains("extractive", activity.GetProperty("text").GetString());
        var entity = activity.GetProperty("entities")[0];
        Assert.True(entity.GetProperty("citation").GetArrayLength() >= 1);
        Assert.Contains("advanced", entity.GetProperty("citation")[0].GetProperty("appearance").GetProperty("name").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.True(activity.GetProperty("channelData").GetProperty("feedbackLoopEnabled").GetBoolean());
        Assert.EndsWith(".docx", name);

        // A second run of the same research (a duplicate job) delivers nothing more.
        await _bot.Services.GetRequiredService<ResearchService>().RunAsync(researchId, default);
        Assert.Single(SentTo(1, _h.Connector.Requests), IsReport);

        // Accept: the document is uploaded where Teams said, whole, and shown as a file card; a second accept does nothing.
        Assert.Equal(HttpStatusCode.OK, (await ConsentAsync(1, researchId, "accept", name)).StatusCode);
        var upload = _h.Connector.Uploads[name];
        // Whole: the range covers every byte sent. (The package's part ids are random, so the size offered can differ by a few bytes.)
        Assert.Equal($"bytes 0-{upload.Bytes.Length - 1}/{upload.Bytes.Length}", upload.ContentRange);
        Assert.InRange(upload.Bytes.Length, size - 64, size + 64);
        var text = WordText(upload.Bytes);
        foreach (var part in new[] { "Deep Research report", Question, "Summary", "Key findings", "Sources", "[1]", "1. " }) Assert.Contains(part, text);
        var shown = await _h.Connector.WaitForAsync(r => SentTo(1, r).Any(x => x.Body.Contains(FileConsent.InfoContentType, StringComparison.Ordinal)));
        var info = JsonDocument.Parse(SentTo(1, shown).Single(x => x.Body.Contains(FileConsent.InfoContentType, StringComparison.Ordinal)).Body).RootElement.GetProperty("attachments")[0];
        Assert.Equal(name, info.GetProperty("name").GetString());
        Assert.Equal("4C3D2B1A", info.GetProperty("content").GetProperty("uniqueId").GetString());
        Assert.Equal(HttpStatusCode.OK, (await ConsentAsync(1, researchId, "accept", name + "2")).StatusCode);
        Assert.False(_h.Connector.Uploads.ContainsKey(name + "2"));

        // Adoption counts the delivered report.
        await _bot.Services.GetRequiredService<IInsightRecorder>().FlushAsync(default);
        await using var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.Set<InsightEvent>().CountAsync(e => e.Kind == InsightKind.ResearchDelivered && e.AgencyId == "gsa"));
    }

    internal static string WordText(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        using var document = WordprocessingDocument.Open(stream, false);
        var body = document.MainDocumentPart!.Document.Body!;
        Assert.Contains(body.Descendants<DocumentFormat.OpenXml.Wordprocessing.ParagraphStyleId>(), s => s.Val == "Heading1");
        return string.Join("\n", body.Descendants<DocumentFormat.OpenXml.Wordprocessing.Paragraph>().Select(p => p.InnerText));
    }

    [Fact]
    public async Task Declining_the_document_brings_the_whole_report_as_Markdown_and_a_failed_upload_can_be_retried()
    {
        var (researchId, name, _) = await ResearchUntilOfferedAsync(2);
        Assert.Equal(HttpStatusCode.OK, (await ConsentAsync(2, researchId, "decline", name)).StatusCode);
        var requests = await _h.Connector.WaitForAsync(r => SentTo(2, r).Any(x => x.Body.Contains("Sources", StringComparison.Ordinal) && IsReport(x) && x.Body.Contains("1. ", StringComparison.Ordinal)));
        Assert.Equal(2, SentTo(2, requests).Count(IsReport));
        Assert.Empty(_h.Connector.Uploads);

        var (second, secondName, _) = await ResearchUntilOfferedAsync(3);
        _h.Connector.UploadStatus = 500;
        await ConsentAsync(3, second, "accept", secondName);
        await _h.Connector.WaitForAsync(r => SentTo(3, r).Any(x => x.Body.Contains("could not be saved", StringComparison.Ordinal)), TimeSpan.FromSeconds(60));
        _h.Connector.UploadStatus = 201;
        await ConsentAsync(3, second, "accept", secondName);
        Assert.True(_h.Connector.Uploads.ContainsKey(secondName));
    }

    [Fact]
    public async Task Outside_the_window_people_are_told_when_it_opens_or_closed_or_that_their_agency_has_none()
    {
        var registry = _bot.Services.GetRequiredService<IAgencyRegistry>();
        async Task<string> AskAsync(int user)
        {
            var before = _h.Connector.Requests.Count;
            await SayAsync(user, "research " + Question);
            var requests = await _h.Connector.WaitForAsync(r => r.Count > before && SentTo(user, r.Skip(before)).Any());
            return SentTo(user, requests.Skip(before)).Last().Body;
        }
        await OpenWindowAsync(registry, DateTimeOffset.UtcNow.AddDays(3), DateTimeOffset.UtcNow.AddDays(63));
        Assert.Contains("opens for your agency on", await AskAsync(4));
        await OpenWindowAsync(registry, DateTimeOffset.UtcNow.AddDays(-70), DateTimeOffset.UtcNow.AddDays(-10));
        Assert.Contains("window closed on", await AskAsync(4));
        await registry.UpsertAsync((await registry.FindAsync("gsa", default))! with { Entitlements = [] }, default);
        var none = await AskAsync(4);
        Assert.Contains("not available for", none);
        Assert.Contains("General Services Administration", none);
        Assert.Contains("AI program coach", none);
        await using var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync();
        Assert.Equal(0, await db.Set<ResearchJob>().CountAsync());
    }

    [Fact]
    public async Task Protected_content_is_refused_before_anything_is_stored_and_caps_hold()
    {
        await SayAsync(5, "research the case of employee SSN 123-45-6789 and their benefits");
        var refused = await _h.Connector.WaitForAsync(r => SentTo(5, r).Any());
        Assert.Contains("Social Security number", SentTo(5, refused).Last().Body);
        await using (var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
            Assert.Equal(0, await db.Set<ResearchJob>().CountAsync());

        // One at a time: a second request while the first runs is refused; Cancel stops the first, which never delivers.
        await SayAsync(6, "research " + Question);
        await SayAsync(6, "research How do I get access to the assistant?");
        var busy = await _h.Connector.WaitForAsync(r => SentTo(6, r).Count(x => x.Body.Contains("adaptive", StringComparison.Ordinal)) >= 2);
        Assert.Contains("already have a research running", SentTo(6, busy).Last().Body);
        await using (var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
        {
            var running = await db.Set<ResearchJob>().SingleAsync(j => j.ObjectId == UserId(6));
            var cancel = await _bot.SendAsync(Person(TestActivities.Invoke(_h.Connector.ServiceUrl, "adaptiveCard/action",
                new { action = new { type = "Action.Execute", verb = "research.cancel", data = new { researchId = running.Id } }, trigger = "manual" },
                conversationId: ChatOf(UserId(6))), UserId(6), TenantA));
            Assert.Contains("Nothing more will be sent", await CardOfAsync(cancel));
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.DoesNotContain(SentTo(6, _h.Connector.Requests), IsReport);
        Assert.DoesNotContain(SentTo(6, _h.Connector.Requests), IsConsentCard);

        // The daily cap (3 here): two more today, then a refusal that names the limit.
        await using (var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
        {
            foreach (var i in new[] { 1, 2 })
                db.Add(new ResearchJob
                {
                    Id = $"earlier{i}", ObjectId = UserId(6), TenantId = TenantA, AgencyId = "gsa", ServiceUrl = _h.Connector.ServiceUrl, ConversationId = ChatOf(UserId(6)),
                    Question = "q", Status = ResearchStatus.Delivered, CreatedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow,
                });
            await db.SaveChangesAsync();
        }
        var before = _h.Connector.Requests.Count;
        await SayAsync(6, "research " + Question);
        var limited = await _h.Connector.WaitForAsync(r => SentTo(6, r.Skip(before)).Any());
        Assert.Contains("limit of 3 research requests", SentTo(6, limited.Skip(before)).Last().Body);
    }

    [Fact]
    public async Task A_research_past_its_time_limit_is_stopped_with_a_message_and_old_ones_are_deleted_after_retention()
    {
        var service = _bot.Services.GetRequiredService<ResearchService>();
        await using (var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
        {
            ResearchJob Job(string id, string status, DateTimeOffset created, DateTimeOffset? finished) => new()
            {
                Id = id, ObjectId = UserId(id.Length), TenantId = TenantA, AgencyId = "gsa", ServiceUrl = _h.Connector.ServiceUrl, ConversationId = ChatOf(UserId(4)),
                Question = "q", Status = status, CreatedAt = created, FinishedAt = finished,
            };
            db.AddRange(Job("stale", ResearchStatus.Running, DateTimeOffset.UtcNow.AddMinutes(-31), null),
                Job("expired-one", ResearchStatus.Delivered, DateTimeOffset.UtcNow.AddDays(-32), DateTimeOffset.UtcNow.AddDays(-31)),
                Job("recent-one", ResearchStatus.Delivered, DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(-2)));
            await db.SaveChangesAsync();
        }
        await service.ResumeStrandedAsync(default);
        var told = await _h.Connector.WaitForAsync(r => SentTo(4, r).Any());
        Assert.Contains("ran past 30 minutes", SentTo(4, told).Last().Body);
        await service.ExpireAsync(default); // (the recurring cleanup job may have been first)
        await using (var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
        {
            Assert.Equal(ResearchStatus.TimedOut, (await db.Set<ResearchJob>().SingleAsync(j => j.Id == "stale")).Status);
            Assert.Equal(["recent-one", "stale"], await db.Set<ResearchJob>().Select(j => j.Id).OrderBy(i => i).ToListAsync());
        }
    }

    [Fact]
    public async Task Ordinary_answers_offer_Research_this_deeper_only_while_the_window_is_open()
    {
        await SayAsync(4, "What data can I enter into the assistant?");
        var answered = await _h.Connector.WaitForAsync(r => SentTo(4, r).Any(x => x.Body.Contains("\"final\"", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        var final = JsonDocument.Parse(SentTo(4, answered).Last(x => x.Body.Contains("\"final\"", StringComparison.Ordinal)).Body).RootElement;
        var action = final.GetProperty("suggestedActions").GetProperty("actions")[0];
        Assert.Equal("imBack", action.GetProperty("type").GetString());
        Assert.Equal("Research this deeper", action.GetProperty("title").GetString());
        Assert.Equal("research What data can I enter into the assistant?", action.GetProperty("value").GetString());

        await OpenWindowAsync(_bot.Services.GetRequiredService<IAgencyRegistry>(), DateTimeOffset.UtcNow.AddDays(-70), DateTimeOffset.UtcNow.AddDays(-10));
        var before = _h.Connector.Requests.Count;
        await SayAsync(5, "What data can I enter into the assistant?");
        var later = await _h.Connector.WaitForAsync(r => SentTo(5, r.Skip(before)).Any(x => x.Body.Contains("\"final\"", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("suggestedActions", SentTo(5, later.Skip(before)).Last(x => x.Body.Contains("\"final\"", StringComparison.Ordinal)).Body);
    }

    [Fact]
    public async Task A_delivery_interrupted_after_the_report_sends_only_the_document_offer()
    {
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var report = new ResearchReport(Question, "Summary.", [new ResearchFinding("A finding.", [1])],
            [new TeamsBot.Answers.Passage("Window", "", "Text.", "advanced-features-window.md", null, 1)], Extractive: true);
        await using (var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
        {
            db.Add(new ResearchJob
            {
                Id = "halfdelivered", ObjectId = UserId(5), TenantId = TenantA, AgencyId = "gsa", ServiceUrl = _h.Connector.ServiceUrl, ConversationId = ChatOf(UserId(5)),
                Question = Question, Status = ResearchStatus.Delivering, CreatedAt = DateTimeOffset.UtcNow, Report = JsonSerializer.Serialize(report, web),
                State = JsonSerializer.Serialize(new ResearchState { Step = 9, ReportSent = true }, web),
            });
            await db.SaveChangesAsync();
        }
        // Picked up as a run after a crash would be (one schedule per research).
        await _bot.Services.GetRequiredService<ResearchService>().ResumeStrandedAsync(default);
        await _h.Connector.WaitForAsync(r => SentTo(5, r).Any(IsConsentCard), TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(1));
        var sent = SentTo(5, _h.Connector.Requests).ToList();
        Assert.Single(sent, IsConsentCard);
        Assert.DoesNotContain(sent, IsReport);
    }

    [Fact]
    public async Task A_research_whose_run_was_never_scheduled_is_picked_up_and_delivered()
    {
        // What a card that could not be sent, or a run that ended on an error, leaves: a live research with no run.
        await using (var db = await _bot.Services.GetRequiredService<IDbContextFactory<TeamsBotDbContext>>().CreateDbContextAsync())
        {
            db.Add(new ResearchJob
            {
                Id = "stranded", ObjectId = UserId(4), TenantId = TenantA, AgencyId = "gsa", ServiceUrl = _h.Connector.ServiceUrl, ConversationId = ChatOf(UserId(4)),
                Question = Question, Status = ResearchStatus.Queued, CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        await _bot.Services.GetRequiredService<ResearchService>().ResumeStrandedAsync(default);
        var delivered = await _h.Connector.WaitForAsync(r => SentTo(4, r).Any(IsConsentCard), TimeSpan.FromSeconds(30));
        Assert.Single(SentTo(4, delivered), IsReport);
    }
}
