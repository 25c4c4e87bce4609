using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TeamsBot.Answers;
using TeamsBot.Protocol.Telemetry;
using TeamsBot.Storage.Jobs;

namespace TeamsBot;

public static class TelemetryExtensions
{
    /// <summary>The configuration key (environment variable) that turns export on, as the OpenTelemetry specification names it.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// OpenTelemetry metrics, traces and logs exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (protocol,
    /// headers and service name from the standard <c>OTEL_*</c> variables); off otherwise. What is exported: activities in
    /// by type and status, turn duration, connector calls by operation and status, 429s, retries, budget waits, model
    /// latency, job runs. Never message text: tags carry kinds, routes and status codes.
    /// </summary>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey])) return builder;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "teamsbot"))
            .WithMetrics(m => m.AddMeter(BotTelemetry.Name, AnswersTelemetry.Name, JobRunRecorder.MeterName).AddAspNetCoreInstrumentation())
            .WithTracing(t => t.AddSource(BotTelemetry.Name, AnswersTelemetry.Name, "Quartz").AddAspNetCoreInstrumentation())
            .WithLogging()
            .UseOtlpExporter();
        return builder;
    }
}
