using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Silo.Telemetry;

namespace OrleansIngest.Silo.Worker;

/// <summary>
/// Reports this silo's identity, capacity and work to the cluster's metrics grain every few seconds (dashboard: silos,
/// throughput), and exports its capacity as gauges (<see cref="SiloCapacityTelemetry"/>) while it runs.
/// </summary>
public sealed class SiloReporter(
    IGrainFactory grains,
    WorkerActivity activity,
    ILocalSiloDetails silo,
    SileroVadModel vadModel,
    VadBatcher vad,
    ModelCatalog models,
    IOptions<WorkerOptions> options,
    SiloCapacity capacity,
    TimeProvider timeProvider,
    ILogger<SiloReporter> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var metrics = grains.GetGrain<IClusterMetricsGrain>(0);
        var lanes = options.Value.EffectiveLanes(vad.Settings.MaxBatch, capacity);
        SiloCapacityTelemetry.Record(silo.Name, capacity, lanes, vad.Settings.MaxBatch, vadModel.ActualProvider);
        try
        {
            await ReportUntilStoppedAsync(metrics, lanes, stoppingToken);
        }
        finally
        {
            SiloCapacityTelemetry.Remove(silo.Name);
        }
    }

    private async Task ReportUntilStoppedAsync(IClusterMetricsGrain metrics, int lanes, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await metrics.ReportAsync(new SiloReport(
                    silo.Name, silo.SiloAddress.Endpoint.ToString(), capacity.Cores, lanes,
                    Providers(), activity.UnitsInFlight, activity.UnitsSettled, activity.BytesSettled, activity.AudioSecondsSettled,
                    activity.StartedAt, timeProvider.GetUtcNow(), capacity, vad.Settings.MaxBatch));
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                SiloReporterLog.ReportFailed(logger, ex);
            }

            try
            {
                await Task.Delay(Interval, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Where each model really runs, e.g. <c>silero_vad=cpu; sensor_anomaly=cpu</c>; a CUDA request that fell back shows
    /// as <c>cpu (cuda fallback)</c>.
    /// </summary>
    internal string Providers() =>
        string.Join("; ", new[] { Describe("silero_vad", vadModel.ActualProvider, vadModel.ProviderFallbackReason) }
            .Concat(models.Loaded.Select(s => s.Definition.Name).Distinct(StringComparer.Ordinal)
                .Select(name => models.Loaded.First(s => s.Definition.Name == name))
                .Select(s => Describe(s.Definition.Name, s.ActualProvider, s.ProviderFallbackReason))));

    private static string Describe(string model, string provider, string? fallbackReason) =>
        fallbackReason is null ? $"{model}={provider}" : $"{model}={provider} (cuda fallback)";
}

/// <summary>Silo reporter log messages (event ids 3050–3059).</summary>
internal static partial class SiloReporterLog
{
    [LoggerMessage(3050, LogLevel.Debug, "Reporting this silo's activity failed; the next report carries it")]
    public static partial void ReportFailed(ILogger logger, Exception exception);
}
