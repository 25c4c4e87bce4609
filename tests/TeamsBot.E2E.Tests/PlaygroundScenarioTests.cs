using TeamsBot.Testing;

namespace TeamsBot.E2E.Tests;

/// <summary>
/// Issue [11 of 11]: every role end to end through Microsoft 365 Agents Playground, driven in Chromium like a person would.
/// Each scenario starts its own bot and Playground (fresh database), signed in as one of the sample directory's people:
/// Alex Rivera (GSA employee), Casey Morgan (GSA coach), Avery Quinn (GSA admin).
/// </summary>
[Collection(PlaygroundCollection.Name)]
public sealed class PlaygroundScenarioTests
{
    private const string Employee = "Alex Rivera";
    private const string Coach = "Casey Morgan";
    private const string Admin = "Avery Quinn";
    private const string AlexId = "00000000-0000-4000-8000-000000000001";
    private const string CaseyId = "00000000-0000-4000-8000-00000000000c";
    private const string AveryId = "00000000-0000-4000-8000-00000000000d";

    [Fact]
    public async Task Installing_shows_the_welcome_card_and_help_shows_the_commands_of_the_users_role()
    {
        await using (var coach = await PlaygroundSession.StartAsync(Coach))
        {
            var result = await coach.RunAsync("welcome", new { expectSections = new[] { "For everyone", "For coaches" }, hiddenSections = new[] { "For admins" } });
            Assert.Equal(200, result.GetProperty("installStatus").GetInt32());
        }
        await using var employee = await PlaygroundSession.StartAsync(Employee);
        await employee.RunAsync("welcome", new { expectSections = new[] { "For everyone" }, hiddenSections = new[] { "For coaches", "For admins" } });
        // The install was stored: the bot can reach the employee later (broadcasts, nudges, research reports).
        Assert.Equal(1, employee.Scalar("SELECT COUNT(*) FROM conversations WHERE \"AadObjectId\" = '00000000-0000-4000-8000-000000000001' AND \"Installed\" = 1"));
    }

    [Fact]
    public async Task An_employee_asks_and_the_answer_streams_with_citations_and_the_AI_label_and_a_thumbs_up_is_stored()
    {
        await using var session = await PlaygroundSession.StartAsync(Employee);
        const string answer = "Request access through your agency's IT service desk, then sign in with your agency account [1]. Your coach can help with the first steps [1].";
        session.Model.Default = ModelScript.Answer(answer, every: TimeSpan.FromMilliseconds(150));
        var result = await session.RunAsync("ask", new { question = "How do I get access to the assistant?", answer });

        Assert.True(result.GetProperty("streamed").GetInt32() >= 2, "the answer arrived in one piece instead of streaming");
        Assert.NotEmpty(result.GetProperty("citations").EnumerateArray());
        Assert.Equal(200, result.GetProperty("feedbackStatus").GetInt32());
        Assert.Equal(1, session.Scalar("SELECT COUNT(*) FROM answer_feedback WHERE \"Reaction\" = 'like'"));
        // The question reached the model (and only once).
        Assert.Single(session.Model.Requests, r => r.AllText.Contains("How do I get access to the assistant?", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Protected_content_is_refused_and_never_reaches_the_model()
    {
        await using var session = await PlaygroundSession.StartAsync(Employee);
        var result = await session.RunAsync("protected", new
        {
            messages = new[]
            {
                new { text = "Please check this form for me: SSN 123-45-6789, born 1980", refusal = "contains personal information" },
                new { text = "SECRET//NOFORN Summarise the attached briefing", refusal = "contains classified information" },
            },
        });
        Assert.Equal(2, result.GetProperty("nothingSent").GetInt32());
        Assert.Empty(session.Model.Requests);
    }

    [Fact]
    public async Task A_coach_broadcasts_to_one_agency_and_the_status_card_counts_to_done()
    {
        await using var session = await PlaygroundSession.StartAsync(Coach);
        var result = await session.RunAsync("broadcast", new { title = "AI hackathon: teams are forming", body = "Join a team for the **December AI hackathon**.", agency = "General Services Administration" });

        // The sample directory's GSA people, and only them: Alex (employee), Casey (the coach) and Avery (admin).
        string[] gsa = [AlexId, CaseyId, AveryId];
        Assert.Equal(3, result.GetProperty("recipients").GetInt32());
        Assert.Equal(gsa, session.Strings("SELECT object_id FROM broadcast_deliveries WHERE state = 2 ORDER BY object_id"));
        Assert.Equal(0, session.Scalar("SELECT COUNT(*) FROM broadcast_deliveries WHERE state <> 2"));
        // Teams (the Playground) opened a chat with each GSA person who had none, and with nobody else.
        Assert.Equal([AlexId, AveryId], result.GetProperty("opened").EnumerateArray().Select(e => e.GetString()!).Order());
    }

    [Fact]
    public async Task A_hackathon_invite_takes_a_seat_on_Register_and_gives_it_back_on_Cancel()
    {
        await using var session = await PlaygroundSession.StartAsync(Coach);
        var date = DateTime.UtcNow.AddDays(14).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await session.RunAsync("hackathon", new { title = "GSA AI hackathon", date, seats = 20, agency = "General Services Administration" });

        // Casey's registration was stored, then cancelled: no seat is held.
        Assert.Equal(["cancelled"], session.Strings($"SELECT state FROM event_registrations WHERE object_id = '{CaseyId}'"));
    }

    [Fact]
    public async Task A_training_tip_arrives_and_Stop_tips_turns_them_off()
    {
        // Tips never come on the day of install: Alex's install (the Playground's, on opening) is dated yesterday. Every day
        // and hour is a working one here.
        await using var session = await PlaygroundSession.StartAsync(Employee, new Dictionary<string, string>
        {
            ["Nudges:Enabled"] = "true", ["Nudges:PlanInterval"] = "00:01:00", ["Nudges:Survey"] = "false", ["Nudges:QuietHours"] = "",
            ["Nudges:WorkingDays"] = "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday",
            ["Nudges:WorkingHoursStart"] = "00:00", ["Nudges:WorkingHoursEnd"] = "23:59:59", ["Nudges:DefaultTimeZone"] = "UTC",
        });
        using (var scenarioOver = new CancellationTokenSource())
        {
            var backdate = session.BackdateInstallAsync(days: 1, scenarioOver.Token);
            try
            {
                await session.RunAsync("nudge");
            }
            finally
            {
                await scenarioOver.CancelAsync();
                try { await backdate; } catch (OperationCanceledException) { }
            }
        }
        Assert.Equal(1, session.Scalar($"SELECT COUNT(*) FROM nudge_preferences WHERE object_id = '{AlexId}' AND stopped_at IS NOT NULL"));

        // No further tips: a fortnight later lesson 2 would be due (untried lessons advance after 14 days), yet the next
        // planning pass skips Alex because of Stop, and nothing more is delivered.
        session.Execute($"UPDATE nudge_deliveries SET planned_at = $at WHERE object_id = '{AlexId}'", ("$at", PlaygroundSession.Stamp(DateTimeOffset.UtcNow.AddDays(-15))));
        var seen = session.Bot.Output.Count;
        var until = DateTime.UtcNow.AddSeconds(90);
        while (!session.Bot.Output.Skip(seen).Any(l => l.Contains("Nudge plan: 1 people, 0 nudges due", StringComparison.Ordinal) && l.Contains("Stopped 1", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < until, "no planning pass skipped Alex as stopped: " + string.Join("\n", session.Bot.Output.Skip(seen)));
            await Task.Delay(500);
        }
        Assert.Equal(1, session.Scalar($"SELECT COUNT(*) FROM nudge_deliveries WHERE object_id = '{AlexId}'"));
    }

    [Fact]
    public async Task An_admin_gets_the_adoption_report_card_with_its_charts()
    {
        // Twelve GSA colleagues used the assistant this week: enough people (10) for GSA to be shown.
        await using var session = await PlaygroundSession.StartAsync(Admin, gsaColleagues: 12);
        await session.ColleaguesAskAsync(12, "What data can I enter?");
        var result = await session.RunAsync("report", new { command = "report this week", agency = "General Services Administration" });

        Assert.Equal(["Chart.HorizontalBar", "Chart.Line", "Chart.VerticalBar"], result.GetProperty("charts").EnumerateArray().Select(c => c.GetString()!).Order());
        Assert.Equal(12, result.GetProperty("active").GetInt32());
    }

    [Fact]
    public async Task Deep_research_inside_the_window_acknowledges_then_delivers_one_cited_report()
    {
        // A short pause between steps, so the acknowledgement card is on screen before the run updates it.
        await using var session = await PlaygroundSession.StartAsync(Employee, new Dictionary<string, string> { ["Research:StepDelay"] = "00:00:02" });
        var result = await session.RunAsync("research", new { question = "how do I get access to the assistant, and what data may I enter?" });
        Assert.Equal(1, result.GetProperty("reports").GetInt32());
        Assert.True(result.GetProperty("citations").GetInt32() > 0, "the report cites no sources");
        Assert.Equal(["delivered"], session.Strings($"SELECT status FROM research_jobs WHERE object_id = '{AlexId}'"));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PlaygroundCollection
{
    public const string Name = "playground";
}
