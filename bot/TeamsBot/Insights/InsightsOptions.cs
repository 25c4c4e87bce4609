namespace TeamsBot.Insights;

/// <summary><c>Insights:*</c>: adoption reporting.</summary>
public sealed class InsightsOptions
{
    public const string Section = "Insights";

    /// <summary>Groups of fewer people are never shown, alone or by subtraction (10, as Microsoft's Copilot Dashboard; never below 5).</summary>
    public int MinGroupSize { get; set; } = 10;
    /// <summary>The pilots' reference figures shown beside the program's own: minutes saved a day and share of positive experiences.</summary>
    public int ReferenceMinutesPerDay { get; set; } = 95;
    public int ReferencePositivePercent { get; set; } = 85;
    /// <summary>Weeks of the weekly-active trend in the report (the report's week and those before it).</summary>
    public int TrendWeeks { get; set; } = 8;
    /// <summary>Events waiting to be written before new ones are dropped (and counted) rather than slowing a turn down.</summary>
    public int QueueCapacity { get; set; } = 100_000;
    /// <summary>Events written in one batch.</summary>
    public int BatchSize { get; set; } = 2_000;
}
