using TeamsBot.Insights;

namespace TeamsBot.Tests.Insights;

/// <summary>The figures and the privacy rule, on hand-made tallies with known answers.</summary>
public sealed class AdoptionMathTests
{
    private static WeekTally Group(int enrolled, int active, int[]? minutes = null, int raters = 0, int liked = 0, int rated = 0)
    {
        var t = new WeekTally { Enrolled = enrolled, ActivePeople = active, Questions = active * 3L, Raters = raters, Liked = liked, Rated = rated };
        foreach (var m in minutes ?? []) t.Minutes[m] = t.Minutes.GetValueOrDefault(m) + 1;
        t.Respondents = minutes?.Length ?? 0;
        t.AgreementAnswers = t.Respondents * 3;
        t.Agreed = t.Respondents * 2;
        return t;
    }

    [Fact]
    public void Figures_of_one_group_have_their_known_values()
    {
        // 12 answers: median of 30 and 60 is 45; mean 630 / 12 = 52.5 → 53.
        var t = Group(40, 20, [0, 15, 15, 30, 30, 30, 60, 60, 60, 90, 120, 120], raters: 12, liked: 17, rated: 20);
        var f = AdoptionMath.Figures(t, 10);
        Assert.Equal(40, f.Enrolled);
        Assert.Equal(50, f.ActivePercent);
        Assert.Equal(3.0, f.QuestionsPerActive);
        Assert.Equal(85, f.SatisfactionPercent); // 17 of 20 likes
        Assert.Equal(12, f.Respondents);
        Assert.Equal(45, f.MedianMinutes);
        Assert.Equal(53, f.MeanMinutes);
        Assert.Equal(67, f.AgreePercent); // 24 of 36
    }

    [Theory]
    [InlineData(new[] { 30 }, 30)]
    [InlineData(new[] { 15, 90, 30 }, 30)]
    [InlineData(new[] { 0, 0, 120, 120 }, 60)]
    [InlineData(new[] { 15, 30, 60, 90 }, 45)]
    [InlineData(new[] { 90, 90, 90, 0, 0 }, 90)]
    public void The_median_is_the_middle_answer_or_the_mean_of_the_two_middle_ones(int[] answers, int median)
    {
        var histogram = new SortedDictionary<int, int>();
        foreach (var a in answers) histogram[a] = histogram.GetValueOrDefault(a) + 1;
        Assert.Equal(median, AdoptionMath.Median(histogram));
    }

    [Fact]
    public void A_group_of_nine_is_hidden_and_no_total_minus_the_rows_shown_gives_it_away()
    {
        var groups = new Dictionary<string, WeekTally>
        {
            ["big"] = Group(30, 12, [30, 30, 60, 60, 60, 90, 90, 15, 15, 30], raters: 10, liked: 8, rated: 10),
            ["ten"] = Group(10, 10, [60, 60, 60, 60, 60, 60, 60, 60, 60, 60], raters: 10, liked: 10, rated: 10),
            ["nine"] = Group(9, 9, [120, 120, 120, 120, 120, 120, 120, 120, 120], raters: 9, liked: 0, rated: 9),
        };
        groups["nine"].NudgesDelivered = 9;
        groups["nine"].EventSignups = 4;
        var (totals, shown, hidden) = AdoptionMath.Week(groups, 10);

        Assert.Equal(["big", "ten"], shown.Select(s => s.AgencyId));
        Assert.Equal(1, hidden);
        // Every count in the total is the sum of the rows shown: subtracting them leaves nothing of the hidden group.
        Assert.Equal(shown.Sum(s => s.Figures.Enrolled), totals.Enrolled);
        Assert.Equal(shown.Sum(s => s.Figures.ActiveUsers), totals.ActiveUsers);
        Assert.Equal(shown.Sum(s => s.Figures.Questions), totals.Questions);
        Assert.Equal(shown.Sum(s => s.Figures.Rated), totals.Rated);
        Assert.Equal(0, totals.NudgesDelivered);
        Assert.Equal(0, totals.EventSignups);
        // The hidden group's 120-minute answers and dislikes are nowhere: 20 answers between 15 and 90, 18 likes of 20.
        Assert.Equal(60, totals.MedianMinutes);
        Assert.Equal(90, totals.SatisfactionPercent);
        Assert.Equal(20, totals.Respondents);
    }

    [Fact]
    public void A_figure_resting_on_fewer_than_the_minimum_is_withheld_and_left_out_of_its_total()
    {
        var groups = new Dictionary<string, WeekTally>
        {
            // Large groups, but one has only three survey answers and four raters.
            ["a"] = Group(50, 40, [30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30], raters: 12, liked: 12, rated: 12),
            ["b"] = Group(50, 40, [120, 120, 120], raters: 4, liked: 0, rated: 4),
        };
        var (totals, shown, _) = AdoptionMath.Week(groups, 10);
        var b = shown.Single(s => s.AgencyId == "b").Figures;
        Assert.Null(b.MedianMinutes);
        Assert.Null(b.MeanMinutes);
        Assert.Null(b.Respondents);
        Assert.Null(b.SatisfactionPercent);
        Assert.Null(b.AgreePercent);
        // Totals of those figures come from group a only, or b's three answers could be worked out from them.
        Assert.Equal(30, totals.MedianMinutes);
        Assert.Equal(30, totals.MeanMinutes);
        Assert.Equal(11, totals.Respondents);
        Assert.Equal(100, totals.SatisfactionPercent);
        // Counts stand: 80 active of 100.
        Assert.Equal(80, totals.ActivePercent);
    }

    [Fact]
    public void A_coach_and_an_admin_see_the_same_numbers_for_the_same_agency()
    {
        var all = new Dictionary<string, WeekTally>
        {
            ["a"] = Group(20, 11, [15, 30, 30, 30, 60, 60, 60, 90, 90, 120]),
            ["b"] = Group(40, 30),
            ["c"] = Group(6, 6, [120, 120, 120, 120, 120, 120]),
        };
        var admin = AdoptionMath.Week(all, 10);
        var coach = AdoptionMath.Week(all.Where(kv => kv.Key is "a" or "c").ToDictionary(), 10);
        Assert.Equal(admin.Shown.Single(s => s.AgencyId == "a").Figures, coach.Shown.Single().Figures);
        Assert.Equal(coach.Shown.Single().Figures.MedianMinutes, coach.Totals.MedianMinutes);
        Assert.Equal(coach.Shown.Single().Figures.Enrolled, coach.Totals.Enrolled);
    }

    [Fact]
    public void Enrolment_is_at_least_everyone_active_that_week()
    {
        // People active before the app's install events were recorded (an upgrade) still make the group.
        var f = AdoptionMath.Figures(new WeekTally { Enrolled = 3, ActivePeople = 12, Questions = 30 }, 10);
        Assert.Equal(12, f.Enrolled);
        Assert.Equal(100, f.ActivePercent);
    }
}
