using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansIngest.Silo.Telemetry;

// Event ids 3600–3699.
internal static partial class TelemetryLog
{
    [LoggerMessage(3600, LogLevel.Information, "Telemetry: service {ServiceName}, OTLP {Otlp}, trace sample ratio {SampleRatio}, Prometheus /metrics {Prometheus}, Orleans dashboard /orleans {OrleansDashboard}")]
    public static partial void Effective(ILogger logger, string serviceName, string otlp, double sampleRatio, bool prometheus, bool orleansDashboard);
}

/// <summary>Logs the effective telemetry options once at start.</summary>
internal sealed class TelemetryStartupLog(IOptions<TelemetryOptions> options, ILogger<TelemetryStartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var value = options.Value;
        var otlp = value.OtlpEnabled ? $"{value.OtlpEndpoint} ({value.OtlpProtocol})" : "(none)";
        TelemetryLog.Effective(logger, value.ServiceName, otlp, value.TraceSampleRatio, value.PrometheusEnabled, value.OrleansDashboardEnabled);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
