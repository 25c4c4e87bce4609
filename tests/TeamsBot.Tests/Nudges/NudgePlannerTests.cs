using TeamsBot.Nudges;

namespace TeamsBot.Tests.Nudges;

/// <summary>The planner's decisions for one person at one instant: respect first, then the right lesson.</summary>
public sealed class NudgePlannerTests
{
    private static readonly Curriculum Program = new()
    {
        Id = "p", Name = "AI at work",
        Lessons =
        [
            L("one"), L("two"), L("three"),
            L("va-only") with { Agencies = ["va"] },
            L("window") with { When = new LessonRule { WindowFeature = "deep-research", WindowEndsWithinDays = 14, NeverTried = "research" } },
            L("welcome-back") with { When = new LessonRule { InactiveDays = 21 } },
        ],
    };

    private static Lesson L(string id) => new() { Id = id, Title = id, Body = "Body of " + id, TryIt = "Question " + id };

    private static NudgePlanner Planner(Action<NudgesOptions>? change = null)
    {
        // Lessons here; the weekly survey has its own tests below.
        var options = new NudgesOptions { QuietHours = "12:00-13:00", Survey = false };
        change?.Invoke(options);
        return new NudgePlanner(Program, options);
    }

    // Wednesday 13 January 2027.
    private static readonly DateTimeOffset Wednesday1730Utc = new(2027, 1, 13, 17, 30, 0, TimeSpan.Zero);

    private static Learner Person(string? zone = "America/New_York", DateTimeOffset? installed = null, params PastNudge[] past) => new()
    {
        ObjectId = "u1", AgencyId = "gsa", TimeZone = zone, InstalledAt = installed ?? Wednesday1730Utc.AddDays(-30),
        LastActiveAt = Wednesday1730Utc.AddDays(-1), Past = past,
    };

    private static PastNudge Lesson(string id, DateTimeOffset sent, DateTimeOffset? tried = null) => new(NudgePlanner.LessonKind, id, sent, tried);

    [Theory]
    [InlineData("America/New_York", NudgeSkip.QuietHours)]           // 12:30, lunch
    [InlineData("America/Los_Angeles", NudgeSkip.None)]              // 09:30
    [InlineData("Pacific Standard Time", NudgeSkip.None)]            // the same zone by its Windows id
    [InlineData("Europe/London", NudgeSkip.OutsideWorkingHours)]     // 17:30
    [InlineData("Asia/Tokyo", NudgeSkip.OutsideWorkingHours)]        // 02:30 on Thursday
    [InlineData("Pacific/Honolulu", NudgeSkip.OutsideWorkingHours)]  // 07:30
    [InlineData(null, NudgeSkip.QuietHours)]                         // unknown: the default zone, New York
    [InlineData("Not/A_Zone", NudgeSkip.QuietHours)]                 // invalid: the default zone too
    public void The_same_instant_is_lunch_in_one_zone_work_in_another_and_night_in_a_third(string? zone, NudgeSkip expected)
    {
        var decision = Planner().Decide(Person(zone), Wednesday1730Utc);
        Assert.Equal(expected, decision.Skip);
        if (expected == NudgeSkip.None) Assert.Equal("one", decision.Lesson!.Id);
    }

    [Fact]
    public void Working_hours_follow_the_persons_clock_across_a_daylight_saving_change()
    {
        var planner = Planner();
        // 13:30 UTC is 08:30 in New York on Friday 12 March 2027 (EST) and 09:30 on Monday 15 March (EDT, from Sunday 14).
        var beforeChange = new DateTimeOffset(2027, 3, 12, 13, 30, 0, TimeSpan.Zero);
        var afterChange = new DateTimeOffset(2027, 3, 15, 13, 30, 0, TimeSpan.Zero);
        Assert.Equal(NudgeSkip.OutsideWorkingHours, planner.Decide(Person(installed: beforeChange.AddDays(-9)), beforeChange).Skip);
        Assert.Equal(NudgeSkip.None, planner.Decide(Person(installed: beforeChange.AddDays(-9)), afterChange).Skip);
        // Paris changes two weeks later (Sunday 28 March): 07:30 UTC is 08:30 before it and 09:30 after it.
        Assert.Equal(NudgeSkip.OutsideWorkingHours, planner.Decide(Person("Europe/Paris", beforeChange.AddDays(-9)), new DateTimeOffset(2027, 3, 26, 7, 30, 0, TimeSpan.Zero)).Skip);
        Assert.Equal(NudgeSkip.None, planner.Decide(Person("Europe/Paris", beforeChange.AddDays(-9)), new DateTimeOffset(2027, 3, 29, 7, 30, 0, TimeSpan.Zero)).Skip);
        // Quiet hours move with the clocks too: 16:30 UTC is 11:30 EST (fine) but 12:30 EDT (lunch).
        Assert.Equal(NudgeSkip.None, planner.Decide(Person(installed: beforeChange.AddDays(-9)), new DateTimeOffset(2027, 3, 12, 16, 30, 0, TimeSpan.Zero)).Skip);
        Assert.Equal(NudgeSkip.QuietHours, planner.Decide(Person(installed: beforeChange.AddDays(-9)), new DateTimeOffset(2027, 3, 15, 16, 30, 0, TimeSpan.Zero)).Skip);
    }

    [Fact]
    public void Weekends_and_configured_days_off_get_nothing()
    {
        var saturday = new DateTimeOffset(2027, 1, 16, 15, 0, 0, TimeSpan.Zero); // 10:00 in New York
        Assert.Equal(NudgeSkip.OffDay, Planner().Decide(Person(), saturday).Skip);
        Assert.Equal(NudgeSkip.None, Planner(o => o.WorkingDays = "Saturday,Sunday").Decide(Person(), saturday).Skip);
        Assert.Equal(NudgeSkip.OffDay, Planner(o => o.WorkingDays = "Saturday").Decide(Person(), Wednesday1730Utc.AddHours(-3)).Skip);
    }

    [Fact]
    public void The_weekly_cap_counts_every_kind_of_nudge_and_there_is_never_a_second_one_the_same_day()
    {
        var now = Wednesday1730Utc.AddHours(-3); // 09:30 in New York
        var planner = Planner();
        var survey = new PastNudge("survey", "week-2", now.AddDays(-2), null);
        Assert.Equal(NudgeSkip.WeeklyCap, planner.Decide(Person(past: [Lesson("one", now.AddDays(-5), now.AddDays(-5)), survey]), now).Skip);
        Assert.Equal("two", planner.Decide(Person(past: [Lesson("one", now.AddDays(-8), now.AddDays(-8)), survey]), now).Lesson!.Id); // a week is 7 days, rolling
        Assert.Equal(NudgeSkip.None, Planner(o => o.MaxPerWeek = 3).Decide(Person(past: [Lesson("one", now.AddDays(-5), now.AddDays(-5)), survey]), now).Skip);
        // Earlier the same local day (08:00 UTC is 03:00 in New York: still "today" there).
        Assert.Equal(NudgeSkip.AlreadyToday, planner.Decide(Person(past: [new PastNudge("survey", "w", new DateTimeOffset(2027, 1, 13, 8, 0, 0, TimeSpan.Zero), null)]), now).Skip);
        Assert.Equal(NudgeSkip.None, planner.Decide(Person(past: [new PastNudge("survey", "w", new DateTimeOffset(2027, 1, 13, 4, 0, 0, TimeSpan.Zero), null)]), now).Skip); // 23:00 the day before
    }

    [Fact]
    public void New_people_get_their_first_lesson_the_day_after_they_install_the_app()
    {
        var now = Wednesday1730Utc.AddHours(-3);
        var planner = Planner();
        Assert.Equal(NudgeSkip.NewUser, planner.Decide(Person(installed: now.AddHours(-2)), now).Skip);
        Assert.Equal(NudgeSkip.NewUser, planner.Decide(Person(installed: new DateTimeOffset(2027, 1, 13, 5, 30, 0, TimeSpan.Zero)), now).Skip); // 00:30 local today
        Assert.Equal("one", planner.Decide(Person(installed: new DateTimeOffset(2027, 1, 13, 4, 30, 0, TimeSpan.Zero)), now).Lesson!.Id); // 23:30 local yesterday
    }

    [Fact]
    public void The_next_lesson_follows_a_tried_one_or_after_a_long_pause_and_agency_lessons_stay_in_their_agency()
    {
        var now = Wednesday1730Utc.AddHours(-3);
        var planner = Planner();
        Assert.Equal(NudgeSkip.NothingDue, planner.Decide(Person(past: [Lesson("one", now.AddDays(-3))]), now).Skip);
        Assert.Equal("two", planner.Decide(Person(past: [Lesson("one", now.AddDays(-3), now.AddDays(-2))]), now).Lesson!.Id);
        Assert.Equal("two", planner.Decide(Person(past: [Lesson("one", now.AddDays(-15))]), now).Lesson!.Id);
        var done = new[] { Lesson("one", now.AddDays(-30), now.AddDays(-30)), Lesson("two", now.AddDays(-20), now.AddDays(-20)), Lesson("three", now.AddDays(-10), now.AddDays(-10)) };
        Assert.Equal(NudgeSkip.NothingDue, planner.Decide(Person(past: done), now).Skip); // va-only is not for gsa
        Assert.Equal("va-only", planner.Decide(Person(past: done) with { AgencyId = "va" }, now).Lesson!.Id);
    }

    [Fact]
    public void Targeted_lessons_go_first_when_their_rule_holds()
    {
        var now = Wednesday1730Utc.AddHours(-3);
        var planner = Planner();
        var closing = new Dictionary<string, DateTimeOffset> { ["deep-research"] = now.AddDays(10) };
        Assert.Equal("window", planner.Decide(Person() with { OpenWindowsEnd = closing }, now).Lesson!.Id);
        Assert.Equal("one", planner.Decide(Person() with { OpenWindowsEnd = closing, FeaturesUsed = new HashSet<string> { "research" } }, now).Lesson!.Id);
        Assert.Equal("one", planner.Decide(Person() with { OpenWindowsEnd = new Dictionary<string, DateTimeOffset> { ["deep-research"] = now.AddDays(30) } }, now).Lesson!.Id);
        Assert.Equal("window", planner.Decide(Person() with { OpenWindowsEnd = new Dictionary<string, DateTimeOffset> { ["Deep-Research"] = now.AddDays(1) } }, now).Lesson!.Id);
        Assert.Equal("welcome-back", planner.Decide(Person() with { LastActiveAt = now.AddDays(-22) }, now).Lesson!.Id);
        Assert.Equal("one", planner.Decide(Person() with { LastActiveAt = now.AddDays(-20) }, now).Lesson!.Id);
        // Sent once, never again.
        Assert.Equal("one", planner.Decide(Person(past: [Lesson("welcome-back", now.AddDays(-9))]) with { LastActiveAt = now.AddDays(-30) }, now).Lesson!.Id);
    }

    [Fact]
    public void Stop_and_snooze_win_over_everything()
    {
        var now = Wednesday1730Utc.AddHours(-3);
        var planner = Planner();
        Assert.Equal(NudgeSkip.Stopped, planner.Decide(Person() with { StoppedAt = now.AddDays(-100) }, now).Skip);
        Assert.Equal(NudgeSkip.Snoozed, planner.Decide(Person() with { SnoozedUntil = now.AddMinutes(1) }, now).Skip);
        Assert.Equal(NudgeSkip.None, planner.Decide(Person() with { SnoozedUntil = now.AddMinutes(-1) }, now).Skip);
    }

    [Fact]
    public void A_lessons_question_and_a_features_command_are_recognised_in_a_message()
    {
        var planner = Planner();
        Assert.Equal("two", planner.LessonAsked("  question   TWO? ")!.Id); // spacing, case and the final mark aside
        Assert.Null(planner.LessonAsked("question two, please"));
        Assert.Equal("research", planner.FeatureUsed("Research the telework rules of five agencies"));
        Assert.Null(planner.FeatureUsed("Can you do research?"));  // the command word starts the message
    }

    [Fact]
    public void The_shipped_curriculum_loads_and_covers_the_government_basics()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "nudges", "curriculum.json");
        var curriculum = CurriculumLoader.Load(path);
        Assert.InRange(curriculum.Lessons.Count, 8, 10);
        var titles = string.Join(" | ", curriculum.Lessons.Select(l => l.Title)).ToLowerInvariant();
        foreach (var topic in new[] { "summarise", "plain-language", "compare", "meeting", "never paste", "sources", "deep research" })
            Assert.Contains(topic, titles);
        Assert.Contains(curriculum.Lessons, l => l.When?.WindowFeature == "deep-research");
    }

    [Fact]
    public void A_broken_curriculum_is_refused_with_every_reason()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{ "id": "x", "name": "X", "lessons": [ { "id": "a", "title": "", "body": "b", "tryIt": "q", "link": "http://x" }, { "id": "a", "title": "t", "body": "b", "tryIt": "q" } ] }""");
            var e = Assert.Throws<InvalidDataException>(() => CurriculumLoader.Load(path));
            Assert.Contains("lessons[0].title", e.Message);
            Assert.Contains("lessons[0].link", e.Message);
            Assert.Contains("'a' is used twice", e.Message);
            File.WriteAllText(path, """{ "id": "x", "name": "X", "lessons": [ { "id": "a", "title": "t", "body": "b", "tryIt": "q", "colour": "red" } ] }""");
            Assert.Contains("not a valid curriculum", Assert.Throws<InvalidDataException>(() => CurriculumLoader.Load(path)).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_weekly_survey_goes_late_in_the_week_to_people_active_that_week_once_and_before_lessons()
    {
        var planner = Planner(o => { o.Survey = true; o.SurveyDay = DayOfWeek.Thursday; });
        // Thursday 14 January 2027, 10:30 in New York; their week began on Monday the 11th.
        var thursday = new DateTimeOffset(2027, 1, 14, 15, 30, 0, TimeSpan.Zero);
        var active = Person() with { LastActiveAt = thursday.AddDays(-2) };
        var decision = planner.Decide(active, thursday);
        Assert.Equal(new DateOnly(2027, 1, 11), decision.SurveyWeek);
        Assert.Null(decision.Lesson);
        Assert.Equal("2027-01-11", NudgePlanner.SurveyId(decision.SurveyWeek!.Value));

        // Wednesday is before the survey day: a lesson instead.
        Assert.Equal("one", planner.Decide(active with { LastActiveAt = thursday.AddDays(-3) }, thursday.AddDays(-1)).Lesson!.Id);
        // Not active since last week: no survey (the lesson instead).
        var idle = planner.Decide(active with { LastActiveAt = new DateTimeOffset(2027, 1, 10, 20, 0, 0, TimeSpan.Zero) }, thursday);
        Assert.Null(idle.SurveyWeek);
        Assert.Equal("one", idle.Lesson!.Id);
        // Already sent this week: the lesson (the cap and one-a-day still apply, as to any nudge).
        var surveyed = active with { Past = [new PastNudge(NudgePlanner.SurveyKind, "2027-01-11", thursday.AddDays(-1), null)] };
        Assert.Equal(NudgeSkip.None, planner.Decide(surveyed, thursday.AddDays(1)).Skip);
        Assert.Null(planner.Decide(surveyed, thursday.AddDays(1)).SurveyWeek);
        Assert.Equal(NudgeSkip.AlreadyToday, planner.Decide(surveyed, thursday.AddDays(-1).AddHours(3)).Skip);
        // Stop and Snooze hold for surveys too.
        Assert.Equal(NudgeSkip.Stopped, planner.Decide(active with { StoppedAt = thursday.AddDays(-10) }, thursday).Skip);
        Assert.Equal(NudgeSkip.Snoozed, planner.Decide(active with { SnoozedUntil = thursday.AddDays(1) }, thursday).Skip);
        // Last week's survey does not stand for this week's.
        var lastWeek = active with { Past = [new PastNudge(NudgePlanner.SurveyKind, "2027-01-04", thursday.AddDays(-7), null)] };
        Assert.Equal(new DateOnly(2027, 1, 11), planner.Decide(lastWeek, thursday).SurveyWeek);
    }

    [Fact]
    public void The_survey_week_is_the_persons_own_week()
    {
        var planner = Planner(o => { o.Survey = true; o.SurveyDay = DayOfWeek.Friday; o.WorkingDays = "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday"; });
        // Monday 18 January 2027 00:30 UTC is Monday 09:30 in Tokyo, a new week there (before Friday: no survey),
        // while it is still Sunday the 17th, the end of the week of the 11th, in New York.
        var instant = new DateTimeOffset(2027, 1, 18, 0, 30, 0, TimeSpan.Zero);
        var tokyo = Person("Asia/Tokyo") with { LastActiveAt = instant.AddHours(-1) };
        Assert.Null(planner.Decide(tokyo, instant).SurveyWeek);
        Assert.Equal("one", planner.Decide(tokyo, instant).Lesson!.Id);
        var newYork = Person() with { LastActiveAt = instant.AddDays(-2), TimeZone = "America/New_York" };
        Assert.Equal(new DateOnly(2027, 1, 11), planner.Decide(newYork, new DateTimeOffset(2027, 1, 16, 15, 30, 0, TimeSpan.Zero)).SurveyWeek);
    }
}
