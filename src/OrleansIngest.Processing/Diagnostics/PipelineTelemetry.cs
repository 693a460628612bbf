using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Processing.Diagnostics;

/// <summary>
/// Spans and metrics of the pipeline, on an <see cref="System.Diagnostics.ActivitySource"/> and a
/// <see cref="System.Diagnostics.Metrics.Meter"/> both named <see cref="Name"/>. Plain BCL types, so the pure core needs no
/// telemetry package: any listener in the process (OpenTelemetry in the silo, a test's listener) observes them, and with
/// none attached a span is never created and a measurement costs a flag check.
/// </summary>
/// <remarks>
/// Spans: <see cref="UnitSpan"/> per unit with children <see cref="DecodeStage"/> and <see cref="FeaturesStage"/> per
/// audio segment and <see cref="WriteStage"/> per appended audio row; <see cref="InferenceStage"/> per VAD batch (a root
/// span: a batch serves segments of many units); <see cref="WriteStage"/> per file flush and <see cref="CommitStage"/>
/// per commit, linked to the spans of the units in the file.
/// </remarks>
public static class PipelineTelemetry
{
    /// <summary>Name of the activity source and of the meter.</summary>
    public const string Name = "OrleansIngest.Pipeline";

    /// <summary>The span of one unit, from its lease to its rows in the open file.</summary>
    public const string UnitSpan = "unit";

    /// <summary>Reading and decoding the source (audio: to mono 16 kHz, per segment; sensor: parsing and windowing, per unit).</summary>
    public const string DecodeStage = "decode";

    /// <summary>Whisper log-mel of one audio segment.</summary>
    public const string FeaturesStage = "features";

    /// <summary>One batched Silero VAD model run.</summary>
    public const string InferenceStage = "inference";

    /// <summary>Appending rows to the table file, and flushing and sealing a finished file.</summary>
    public const string WriteStage = "write";

    /// <summary>The commit call of one file (with its retries).</summary>
    public const string CommitStage = "commit";

    /// <summary>Histogram of stage durations in seconds, tagged <see cref="StageTag"/>.</summary>
    public const string StageDurationMetric = "orleansingest.stage.duration";

    /// <summary>
    /// Counter of CPU seconds in the compute stages (<see cref="FeaturesStage"/>, <see cref="InferenceStage"/>): the
    /// calling thread's CPU time around each synchronous run, so what a silo spends around them is the rest of its CPU.
    /// </summary>
    public const string StageCpuMetric = "orleansingest.stage.cpu";

    /// <summary>Counter of unit results, tagged <see cref="OutcomeTag"/> (committed, quarantined, failed, released).</summary>
    public const string UnitsMetric = "orleansingest.units";

    /// <summary>Counter of committed rows, tagged <see cref="TableTag"/>.</summary>
    public const string RowsMetric = "orleansingest.rows";

    /// <summary>Counter of committed source bytes, tagged <see cref="TableTag"/>.</summary>
    public const string SourceBytesMetric = "orleansingest.source.bytes";

    /// <summary>Counter of committed audio seconds, tagged <see cref="TableTag"/>.</summary>
    public const string AudioSecondsMetric = "orleansingest.audio.seconds";

    /// <summary>Histogram of VAD batch sizes (streams per model run), tagged <see cref="ProviderTag"/>.</summary>
    public const string VadBatchSizeMetric = "orleansingest.vad.batch.size";

    /// <summary>Metric tag: the stage.</summary>
    public const string StageTag = "stage";

    /// <summary>Metric tag: how a unit ended.</summary>
    public const string OutcomeTag = "outcome";

    /// <summary>Metric tag: the output table.</summary>
    public const string TableTag = "table";

    /// <summary>Metric tag and span attribute: the execution provider of the VAD model.</summary>
    public const string ProviderTag = "provider";

    /// <summary>Span attribute: the unit id.</summary>
    public const string UnitIdAttribute = "orleansingest.unit.id";

    /// <summary>Span attribute: the output table.</summary>
    public const string TableAttribute = "orleansingest.table";

    /// <summary>Span attribute: the unit's kind (audio, sensor).</summary>
    public const string KindAttribute = "orleansingest.unit.kind";

    /// <summary>Span attribute: the source URI without its query (which may hold a SAS token).</summary>
    public const string SourceUriAttribute = "orleansingest.source.uri";

    /// <summary>Span attribute: how the unit ended on this lane (processed, quarantined, failed).</summary>
    public const string OutcomeAttribute = "orleansingest.unit.outcome";

    /// <summary>Span attribute: the streams in one VAD batch.</summary>
    public const string BatchSizeAttribute = "orleansingest.vad.batch_size";

    /// <summary>Span attribute: the VAD model's execution provider.</summary>
    public const string ProviderAttribute = "orleansingest.vad.provider";

    /// <summary>Span attribute: the table file's name.</summary>
    public const string FileAttribute = "orleansingest.file";

    /// <summary>Span attribute: whether a commit call logged the file.</summary>
    public const string CommittedAttribute = "orleansingest.commit.committed";

    /// <summary>Span attribute: rows of a unit or a file.</summary>
    public const string RowsAttribute = "orleansingest.rows";

    // Declared before the instruments: static initialisers run in text order.
    /// <summary>The source of the pipeline's spans.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name, typeof(PipelineTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>The meter of the pipeline's instruments.</summary>
    public static Meter Meter { get; } = new(Name, typeof(PipelineTelemetry).Assembly.GetName().Version?.ToString());

    private static readonly double[] StageBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
    private static readonly int[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256];

    private static readonly Histogram<double> StageDuration = Meter.CreateHistogram(
        StageDurationMetric, "s", "Time spent in a pipeline stage.", tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = StageBuckets });

    // CPU nanoseconds of the compute stages, indexed by ComputeStageIndex; read by ComputeCpu and the observable counter.
    private static readonly long[] ComputeCpuNanoseconds = new long[2];

    private static readonly ObservableCounter<double> StageCpu = Meter.CreateObservableCounter(
        StageCpuMetric,
        static () => new[]
        {
            new Measurement<double>(Volatile.Read(ref ComputeCpuNanoseconds[0]) / 1e9, new KeyValuePair<string, object?>(StageTag, FeaturesStage)),
            new Measurement<double>(Volatile.Read(ref ComputeCpuNanoseconds[1]) / 1e9, new KeyValuePair<string, object?>(StageTag, InferenceStage)),
        },
        "s",
        "CPU time of the calling thread in the compute stages (features, inference).");

    private static readonly Counter<long> Units = Meter.CreateCounter<long>(UnitsMetric, "{unit}", "Unit results reported to the job, by outcome.");
    private static readonly Counter<long> Rows = Meter.CreateCounter<long>(RowsMetric, "{row}", "Rows in committed files.");
    private static readonly Counter<long> SourceBytes = Meter.CreateCounter<long>(SourceBytesMetric, "By", "Source bytes of committed units.");
    private static readonly Counter<double> AudioSeconds = Meter.CreateCounter<double>(AudioSecondsMetric, "s", "Audio of committed units.");

    private static readonly Histogram<int> VadBatchSize = Meter.CreateHistogram(
        VadBatchSizeMetric, "{stream}", "Streams advanced together by one VAD model run.", tags: null, new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchBuckets });

    /// <summary><paramref name="uri"/> without query or fragment: a SAS token must not reach a trace backend.</summary>
    public static string SourceUriWithoutQuery(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var end = uri.AsSpan().IndexOfAny('?', '#');
        return end < 0 ? uri : uri[..end];
    }

    /// <summary>Starts the span of <paramref name="unit"/> (null when nobody listens).</summary>
    internal static Activity? StartUnit(LeasedUnit unit)
    {
        var activity = ActivitySource.StartActivity(UnitSpan);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(UnitIdAttribute, unit.UnitId);
            activity.SetTag(TableAttribute, unit.Table);
            activity.SetTag(KindAttribute, unit.Kind == Pipeline.RouteKind.Audio ? "audio" : "sensor");
            activity.SetTag(SourceUriAttribute, SourceUriWithoutQuery(unit.SourceUri));
        }

        return activity;
    }

    /// <summary>Starts a stage: a child span of the current one and, on dispose, one duration measurement.</summary>
    internal static StageTimer StartStage(string stage, IEnumerable<ActivityLink>? links = null) =>
        new(stage, ActivitySource.StartActivity(stage, ActivityKind.Internal, parentContext: default, tags: null, links), Stopwatch.GetTimestamp(), -1, -1);

    /// <summary>
    /// Starts a compute stage (<see cref="FeaturesStage"/> or <see cref="InferenceStage"/>) that runs synchronously on the
    /// calling thread: as <see cref="StartStage"/>, and dispose on the same thread also adds the thread's CPU time to
    /// <see cref="ComputeCpu"/>.
    /// </summary>
    internal static StageTimer StartComputeStage(string stage)
    {
        var index = ComputeStageIndex(stage);
        return new(stage, ActivitySource.StartActivity(stage), Stopwatch.GetTimestamp(), index, ThreadCpuTime.Nanoseconds());
    }

    /// <summary>CPU time spent in the compute stages since the process started (zero where the clock is unsupported).</summary>
    public static ComputeStageCpu ComputeCpu() =>
        new(TimeSpan.FromTicks(Volatile.Read(ref ComputeCpuNanoseconds[0]) / 100), TimeSpan.FromTicks(Volatile.Read(ref ComputeCpuNanoseconds[1]) / 100));

    /// <summary>Adds a compute stage's CPU time; called by <see cref="StageTimer"/>.</summary>
    internal static void AddComputeCpu(int index, long nanoseconds)
    {
        if (nanoseconds > 0)
        {
            Interlocked.Add(ref ComputeCpuNanoseconds[index], nanoseconds);
        }
    }

    private static int ComputeStageIndex(string stage) => stage switch
    {
        FeaturesStage => 0,
        InferenceStage => 1,
        _ => throw new ArgumentException($"'{stage}' is not a compute stage; use {FeaturesStage} or {InferenceStage}.", nameof(stage)),
    };

    /// <summary>Records <paramref name="duration"/> of <paramref name="stage"/> measured by the caller (work summed over a unit).</summary>
    internal static void RecordStage(string stage, TimeSpan duration) =>
        StageDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(StageTag, stage));

    /// <summary>Counts reported unit results by outcome.</summary>
    internal static void RecordResults(IReadOnlyList<UnitResult> results)
    {
        if (!Units.Enabled)
        {
            return;
        }

        foreach (var result in results)
        {
            Units.Add(1, new KeyValuePair<string, object?>(OutcomeTag, OutcomeName(result.Kind)));
        }
    }

    /// <summary>Counts what a committed file brought to <paramref name="table"/>.</summary>
    internal static void RecordCommitted(string table, long rows, long sourceBytes, double audioSeconds)
    {
        var tag = new KeyValuePair<string, object?>(TableTag, table);
        Rows.Add(rows, tag);
        SourceBytes.Add(sourceBytes, tag);
        if (audioSeconds > 0)
        {
            AudioSeconds.Add(audioSeconds, tag);
        }
    }

    /// <summary>Records the size of one VAD batch.</summary>
    internal static void RecordVadBatch(int batchSize, string provider) =>
        VadBatchSize.Record(batchSize, new KeyValuePair<string, object?>(ProviderTag, provider));

    /// <summary>The <see cref="OutcomeTag"/> value of <paramref name="kind"/>.</summary>
    internal static string OutcomeName(UnitResultKind kind) => kind switch
    {
        UnitResultKind.Committed => "committed",
        UnitResultKind.Quarantined => "quarantined",
        UnitResultKind.Released => "released",
        UnitResultKind.Failed => "failed",
        _ => "unknown",
    };
}

/// <summary>CPU time of the calling threads in the compute stages.</summary>
/// <param name="Features">Log-mel (managed or ONNX) and the other built-in features.</param>
/// <param name="Inference">ONNX Runtime runs: Silero VAD batches and model steps, shadow candidates included.</param>
public readonly record struct ComputeStageCpu(TimeSpan Features, TimeSpan Inference)
{
    /// <summary>Both stages together.</summary>
    public TimeSpan Total => Features + Inference;

    /// <summary>What was spent between <paramref name="start"/> and <paramref name="end"/>.</summary>
    public static ComputeStageCpu operator -(ComputeStageCpu end, ComputeStageCpu start) =>
        new(end.Features - start.Features, end.Inference - start.Inference);
}

/// <summary>
/// One timed stage: its span (null when nobody samples it) and its start. Dispose records the duration while the span is
/// still current, then ends the span; a compute stage (<paramref name="computeIndex"/> ≥ 0) also adds the calling
/// thread's CPU time since <paramref name="cpuStarted"/>.
/// </summary>
internal readonly struct StageTimer(string stage, Activity? activity, long started, int computeIndex, long cpuStarted) : IDisposable
{
    /// <summary>The stage's span, or null.</summary>
    public Activity? Activity { get; } = activity;

    /// <summary>Marks the span failed with <paramref name="exception"/>'s type (the message may name a file or hold data).</summary>
    public void Fail(Exception exception) => Activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);

    /// <inheritdoc />
    public void Dispose()
    {
        if (computeIndex >= 0 && cpuStarted >= 0)
        {
            PipelineTelemetry.AddComputeCpu(computeIndex, ThreadCpuTime.Nanoseconds() - cpuStarted);
        }

        PipelineTelemetry.RecordStage(stage, Stopwatch.GetElapsedTime(started));
        Activity?.Dispose();
    }
}
