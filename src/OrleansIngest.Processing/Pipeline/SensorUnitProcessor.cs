using System.Diagnostics;
using System.Globalization;
using OrleansIngest.Processing.Diagnostics;
using OrleansIngest.Processing.Evaluation;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Processing.Sensors;

namespace OrleansIngest.Processing.Pipeline;

/// <summary>
/// Sensor unit: CSV or JSON Lines (plain or gzip, told apart by content, see <see cref="SensorFileReader"/>) → 10 s windows →
/// per-channel statistics → the pipeline's sensor model steps (batched over the unit's windows) → one
/// <see cref="SensorWindowRow"/> per window. Not thread-safe: one per worker lane.
/// </summary>
public sealed class SensorUnitProcessor(TimeProvider timeProvider, ModelSteps? models = null)
{
    private readonly ModelStepRunner _models = new(models ?? ModelSteps.None, RouteKind.Sensor);

    /// <summary>Processes one unit. The source is opened once per pass (twice when its rows are unsorted).</summary>
    public Task<UnitStats> ProcessAsync(
        LeasedUnit unit,
        Func<CancellationToken, ValueTask<Stream>> openSource,
        PipelineContext context,
        Func<SensorWindowRow, ValueTask> sink,
        CancellationToken cancellationToken = default) =>
        ProcessAsync(unit, openSource, context, sink, shadow: null, cancellationToken);

    /// <summary>
    /// Processes one unit; when <paramref name="shadow"/> is given, the candidates of its steps run on the same windows
    /// and each window's <c>eval_&lt;step&gt;</c> rows go to its sink before the window itself.
    /// </summary>
    public async Task<UnitStats> ProcessAsync(
        LeasedUnit unit,
        Func<CancellationToken, ValueTask<Stream>> openSource,
        PipelineContext context,
        Func<SensorWindowRow, ValueTask> sink,
        ModelShadowSink? shadow,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sink);
        var settings = SensorWindowSettings.Default with { WindowLength = TimeSpan.FromSeconds(context.Pipeline.Sensor.WindowSeconds) };
        var rows = 0L;
        DateTimeOffset? first = null;
        DateTimeOffset? last = null;

        // Parsing and windowing interleave with the sink, window by window: a span per window would swamp a trace, so
        // the unit records the two stages' sums once (write = time in the sink, decode = the rest).
        var started = Stopwatch.GetTimestamp();
        var writing = TimeSpan.Zero;
        var pending = new List<SensorWindowRow>();
        DateTimeOffset? origin = null;
        async ValueTask FlushAsync()
        {
            var batch = shadow is { Steps.Count: > 0 } ? shadow.Shadow.StartBatch(pending.Count, shadow.Steps) : null;
            var values = _models.RunSensor(pending, batch);
            var sinkStarted = Stopwatch.GetTimestamp();
            for (var i = 0; i < pending.Count; i++)
            {
                if (batch is not null)
                {
                    // Window bounds relative to the unit's first window, as the contract's start_s/end_s.
                    var window = pending[i];
                    var key = new EvalRowKey(
                        window.WindowId, unit.UnitId, unit.SourceUri, unit.ETag, (window.StartTs - origin!.Value).TotalSeconds,
                        (window.EndTs - origin.Value).TotalSeconds, (window.EndTs - window.StartTs).TotalSeconds, context.PipelineVersion);
                    foreach (var step in batch.Steps)
                    {
                        foreach (var evalRow in shadow!.Shadow.RowsFor(batch, step, i, key))
                        {
                            await shadow.Sink(step, evalRow);
                        }
                    }
                }

                await sink(pending[i] with { ModelColumns = values[i] });
            }

            writing += Stopwatch.GetElapsedTime(sinkStarted);
            pending.Clear();
        }

        await foreach (var window in SensorFileReader.ReadWindowsAsync(openSource, unit.SourceUri, settings, cancellationToken))
        {
            first = first is null || window.Start < first ? window.Start : first;
            origin ??= window.Start;
            last = last is null || window.End > last ? window.End : last;
            var sensor = window.SensorId is null ? "" : "-" + window.SensorId;
            var row = new SensorWindowRow
            {
                WindowId = string.Create(CultureInfo.InvariantCulture, $"{unit.UnitId}{sensor}-{window.WindowIndex:D6}"),
                SourceUri = unit.SourceUri,
                SourceEtag = unit.ETag,
                SensorId = window.SensorId,
                WindowIndex = window.WindowIndex,
                StartTs = window.Start,
                EndTs = window.End,
                SampleCount = window.SampleCount,
                ChannelNames = window.ChannelNames,
                Mean = window.Mean,
                Std = window.Std,
                Min = window.Min,
                Max = window.Max,
                Slope = window.Slope,
                NullCounts = window.NullCounts,
                PipelineVersion = context.PipelineVersion,
                IngestedAt = timeProvider.GetUtcNow(),
            };
            rows++;
            if (!_models.HasSteps)
            {
                var sinkStarted = Stopwatch.GetTimestamp();
                await sink(row);
                writing += Stopwatch.GetElapsedTime(sinkStarted);
                continue;
            }

            pending.Add(row);
            if (pending.Count >= _models.BatchRows)
            {
                await FlushAsync();
            }
        }

        if (pending.Count > 0)
        {
            await FlushAsync();
        }

        PipelineTelemetry.RecordStage(PipelineTelemetry.DecodeStage, Stopwatch.GetElapsedTime(started) - writing);
        PipelineTelemetry.RecordStage(PipelineTelemetry.WriteStage, writing);

        var seconds = first is null ? 0 : (last!.Value - first.Value).TotalSeconds;
        return new UnitStats(rows, seconds);
    }
}
