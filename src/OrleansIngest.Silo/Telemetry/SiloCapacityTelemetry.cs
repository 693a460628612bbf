using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Diagnostics;

namespace OrleansIngest.Silo.Telemetry;

/// <summary>
/// Gauges of what each silo in this process advertises and runs, on the pipeline meter (<see cref="PipelineTelemetry.Meter"/>):
/// cores, GPUs, GPU memory, capacity weight, lanes (after the weight) and the VAD batch, one series per silo (tag
/// <see cref="SiloTag"/>), so a metrics dashboard can set a GPU node's throughput beside what it was given.
/// </summary>
public static class SiloCapacityTelemetry
{
    /// <summary>Gauge: cores the silo advertises.</summary>
    public const string CoresMetric = "orleans_ingest.silo.cores";

    /// <summary>Gauge: GPUs the silo advertises (tag <see cref="GpuNameTag"/>).</summary>
    public const string GpusMetric = "orleans_ingest.silo.gpus";

    /// <summary>Gauge: GPU memory the silo advertises, all GPUs together, in bytes.</summary>
    public const string GpuMemoryMetric = "orleans_ingest.silo.gpu.memory";

    /// <summary>Gauge: the silo's capacity weight (its share of work).</summary>
    public const string WeightMetric = "orleans_ingest.silo.weight";

    /// <summary>Gauge: lanes the silo runs (configured or derived lanes × weight).</summary>
    public const string LanesMetric = "orleans_ingest.silo.lanes";

    /// <summary>Gauge: streams the silo's VAD advances per model call (tag <see cref="ProviderTag"/>).</summary>
    public const string VadMaxBatchMetric = "orleans_ingest.silo.vad.max_batch";

    /// <summary>Tag: silo name.</summary>
    public const string SiloTag = "silo";

    /// <summary>Tag: name of the silo's first GPU (empty without one, or when configured rather than detected).</summary>
    public const string GpuNameTag = "gpu_name";

    /// <summary>Tag: provider the silo's VAD session runs on.</summary>
    public const string ProviderTag = "provider";

    private const long BytesPerMiB = 1024 * 1024;

    private static readonly ConcurrentDictionary<string, SiloCapacityReading> Silos = new(StringComparer.Ordinal);

    private static readonly ObservableGauge<int> Cores = PipelineTelemetry.Meter.CreateObservableGauge(
        CoresMetric, static () => Observe(static r => r.Capacity.Cores), "{core}", "Cores the silo advertises.");

    private static readonly ObservableGauge<int> Gpus = PipelineTelemetry.Meter.CreateObservableGauge(
        GpusMetric,
        static () => Silos.Values.Select(static r => new Measurement<int>(r.Capacity.GpuCount, new TagList { { SiloTag, r.Silo }, { GpuNameTag, r.Capacity.GpuName } })),
        "{gpu}",
        "GPUs the silo advertises.");

    private static readonly ObservableGauge<long> GpuMemory = PipelineTelemetry.Meter.CreateObservableGauge(
        GpuMemoryMetric, static () => Observe(static r => r.Capacity.GpuMemoryMiB * BytesPerMiB), "By", "GPU memory the silo advertises, all GPUs together.");

    private static readonly ObservableGauge<double> Weight = PipelineTelemetry.Meter.CreateObservableGauge(
        WeightMetric, static () => Observe(static r => r.Capacity.Weight), null, "The silo's capacity weight: it runs lanes × weight units at once.");

    private static readonly ObservableGauge<int> Lanes = PipelineTelemetry.Meter.CreateObservableGauge(
        LanesMetric, static () => Observe(static r => r.Lanes), "{lane}", "Units the silo processes at once (lanes × weight).");

    private static readonly ObservableGauge<int> VadMaxBatch = PipelineTelemetry.Meter.CreateObservableGauge(
        VadMaxBatchMetric,
        static () => Silos.Values.Select(static r => new Measurement<int>(r.VadMaxBatch, new TagList { { SiloTag, r.Silo }, { ProviderTag, r.VadProvider } })),
        "{stream}",
        "Streams the silo's VAD advances per model call.");

    /// <summary>Records (or replaces) what <paramref name="silo"/> advertises and runs.</summary>
    public static void Record(string silo, SiloCapacity capacity, int lanes, int vadMaxBatch, string vadProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(silo);
        ArgumentNullException.ThrowIfNull(capacity);
        ArgumentNullException.ThrowIfNull(vadProvider);

        // Reading Silos runs the type's initializer, which creates every gauge on the meter before the first scrape.
        Silos[silo] = new SiloCapacityReading(silo, capacity, lanes, vadMaxBatch, vadProvider);
    }

    /// <summary>Drops <paramref name="silo"/>'s series (the silo stopped).</summary>
    public static void Remove(string silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        Silos.TryRemove(silo, out _);
    }

    /// <summary>What is recorded for <paramref name="silo"/>, or null.</summary>
    public static SiloCapacityReading? Find(string silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return Silos.TryGetValue(silo, out var reading) ? reading : null;
    }

    private static IEnumerable<Measurement<T>> Observe<T>(Func<SiloCapacityReading, T> value)
        where T : struct =>
        Silos.Values.Select(r => new Measurement<T>(value(r), new KeyValuePair<string, object?>(SiloTag, r.Silo)));
}

/// <summary>One silo's values behind the <see cref="SiloCapacityTelemetry"/> gauges.</summary>
/// <param name="Silo">Silo name.</param>
/// <param name="Capacity">What it advertises.</param>
/// <param name="Lanes">Lanes it runs (after the weight).</param>
/// <param name="VadMaxBatch">Streams per VAD call.</param>
/// <param name="VadProvider">Where its VAD session runs.</param>
public sealed record SiloCapacityReading(string Silo, SiloCapacity Capacity, int Lanes, int VadMaxBatch, string VadProvider);
