using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TeamsBot.Answers;

/// <summary>Model latency (meter and activity source <see cref="Name"/>): outcome and provider tags only, never text.</summary>
public sealed class AnswersTelemetry : IDisposable
{
    public const string Name = "TeamsBot.Answers";
    public static readonly ActivitySource Source = new(Name);
    private readonly Meter _meter;

    public AnswersTelemetry(IMeterFactory meters)
    {
        _meter = meters.Create(Name);
        FirstToken = _meter.CreateHistogram<double>("teamsbot.model.time_to_first_token", "s", "Time from the request to the model's first streamed text");
        Duration = _meter.CreateHistogram<double>("teamsbot.model.duration", "s", "Time of a model answer, by outcome");
    }

    public Histogram<double> FirstToken { get; }
    public Histogram<double> Duration { get; }

    public void Dispose() => _meter.Dispose();
}
