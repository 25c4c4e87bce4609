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

    /// <summary>
    /// The secret people's pseudonymous keys are made with (HMAC-SHA256 of their Entra object id): without it, anyone who can
    /// read the database and knows an object id could find that person's events. Required in Production (at least 32
    /// characters, from Key Vault or an environment variable; changing it starts everyone's key afresh); elsewhere a fixed
    /// development key stands in.
    /// </summary>
    public string? UserKeySecret { get; set; }

    /// <summary>The stand-in outside Production: known to everyone, so it protects nothing.</summary>
    public const string DevelopmentUserKeySecret = "teamsbot-development-insights-key-not-secret";
}
