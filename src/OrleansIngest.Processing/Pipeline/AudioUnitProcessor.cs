using System.Buffers;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Diagnostics;
using OrleansIngest.Processing.Evaluation;
using OrleansIngest.Processing.Features;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Memory;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Processing.Pipeline;

/// <summary>
/// Audio unit: decode (streaming; the format is detected by content, see <see cref="AudioDecoder"/>) → mono 16 kHz → fixed-length segments → Whisper log-mel and Silero VAD →
/// one <see cref="AudioSegmentRow"/> per segment. Several segments are in flight at once so the shared
/// <see cref="VadBatcher"/> batches them with segments of other units (and, when given, the
/// <see cref="OnnxLogMelBatcher"/> their log-mels). Not thread-safe: one per worker lane.
/// </summary>
/// <remarks>
/// With audio model steps (<paramref name="models"/>), rows are collected up to the steps' batch size, run through the
/// steps together and then handed on; <c>model_versions</c> then also lists the steps.
/// </remarks>
public sealed class AudioUnitProcessor(
    VadBatcher vad,
    string modelVersions,
    TimeProvider timeProvider,
    int maxSegmentsInFlight = 8,
    AudioDecoderOptions? decoderOptions = null,
    ModelSteps? models = null,
    OnnxLogMelBatcher? onnxLogMel = null)
{
    /// <summary>Sample rate of every segment.</summary>
    public const int SampleRate = 16_000;

    private readonly WhisperLogMel _logMel = new();
    private readonly ModelStepRunner _models = new(models ?? ModelSteps.None, RouteKind.Audio);
    private readonly List<(AudioSegmentRow Row, ModelStepRunner.AudioRowInputs Inputs)> _pending = [];
    private readonly string _modelVersions = models is { Audio.Count: > 0 } ? $"{modelVersions};{models.LineageFor(RouteKind.Audio)}" : modelVersions;
    private ModelShadowSink? _modelShadow;
    private string _unitId = "";

    /// <summary>Processes one unit, handing rows to <paramref name="sink"/> in segment order.</summary>
    public Task<UnitStats> ProcessAsync(
        LeasedUnit unit,
        Stream stream,
        PipelineContext context,
        Func<AudioSegmentRow, ValueTask> sink,
        CancellationToken cancellationToken = default) =>
        ProcessAsync(unit, stream, context, sink, shadow: null, cancellationToken);

    /// <summary>
    /// Processes one unit; when <paramref name="shadow"/> is given, the shadow VAD models run on the same segments
    /// and their <c>eval_vad</c> rows go to its sink right after each production row.
    /// </summary>
    public Task<UnitStats> ProcessAsync(
        LeasedUnit unit,
        Stream stream,
        PipelineContext context,
        Func<AudioSegmentRow, ValueTask> sink,
        VadShadowSink? shadow,
        CancellationToken cancellationToken = default) =>
        ProcessAsync(unit, stream, context, sink, shadow, modelShadow: null, cancellationToken);

    /// <summary>
    /// Processes one unit with the shadow VAD models (<paramref name="shadow"/>) and/or the candidates of audio model
    /// steps (<paramref name="modelShadow"/>, run on the same segments when the steps run; their
    /// <c>eval_&lt;step&gt;</c> rows go to its sink before each production row).
    /// </summary>
    public async Task<UnitStats> ProcessAsync(
        LeasedUnit unit,
        Stream stream,
        PipelineContext context,
        Func<AudioSegmentRow, ValueTask> sink,
        VadShadowSink? shadow,
        ModelShadowSink? modelShadow,
        CancellationToken cancellationToken = default)
    {
        _modelShadow = modelShadow is { Steps.Count: > 0 } ? modelShadow : null;
        _unitId = unit.UnitId;
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sink);
        using var decoded = await AudioDecoder.OpenAsync(stream, unit.Size, unit.SourceUri, decoderOptions, cancellationToken);
        using var audio = new ResamplingAudioSource(decoded, SampleRate);
        var segmentSamples = checked((int)Math.Round(context.Pipeline.Audio.SegmentSeconds * SampleRate));
        var inFlight = new Queue<PendingSegment>();
        long samplesBefore = 0;
        var rows = 0L;
        try
        {
            for (var index = 0; ; index++)
            {
                var buffer = LargeArrayPool.Segments.Rent(segmentSamples);
                int count;
                using (PipelineTelemetry.StartStage(PipelineTelemetry.DecodeStage))
                {
                    count = await FillAsync(audio, buffer.AsMemory(0, segmentSamples), cancellationToken);
                }

                if (count == 0)
                {
                    LargeArrayPool.Segments.Return(buffer);
                    break;
                }

                var segment = buffer.AsMemory(0, count);
                var frames = WhisperLogMel.FrameCount(count);
                var logMel = LogMelBufferPool.Shared.Rent(WhisperLogMel.MelBands * frames);
                var logMelDone = Task.CompletedTask;
                if (onnxLogMel is null)
                {
                    using (PipelineTelemetry.StartComputeStage(PipelineTelemetry.FeaturesStage))
                    {
                        _logMel.Compute(segment.Span, logMel);
                    }
                }
                else
                {
                    logMelDone = onnxLogMel.ComputeAsync(segment, logMel, cancellationToken);
                }

                inFlight.Enqueue(new PendingSegment(index, samplesBefore, count, buffer, logMel, frames, logMelDone, vad.AnalyzeAsync(segment, cancellationToken), shadow?.Shadow.AnalyzeAsync(segment, cancellationToken)));
                samplesBefore += count;
                if (inFlight.Count >= maxSegmentsInFlight)
                {
                    await EmitAsync(inFlight.Dequeue(), unit, decoded.Format, context, sink, shadow);
                    rows++;
                }

                if (count < segmentSamples)
                {
                    break;
                }
            }

            while (inFlight.Count > 0)
            {
                await EmitAsync(inFlight.Dequeue(), unit, decoded.Format, context, sink, shadow);
                rows++;
            }

            await FlushModelsAsync(sink);
        }
        finally
        {
            _pending.Clear();
            // On failure, let in-flight VAD work finish before its buffers go back to the pool.
            while (inFlight.TryDequeue(out var pending))
            {
                foreach (var work in new Task?[] { pending.LogMelDone, pending.Vad, pending.Shadow })
                {
                    try
                    {
                        if (work is not null)
                        {
                            await work;
                        }
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or ObjectDisposedException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
                    {
                        // The unit already failed; this result is not needed.
                    }
                }

                LargeArrayPool.Segments.Return(pending.Buffer);
            }
        }

        return new UnitStats(rows, samplesBefore / (double)SampleRate);
    }

    private async Task EmitAsync(PendingSegment pending, LeasedUnit unit, AudioFormatInfo format, PipelineContext context, Func<AudioSegmentRow, ValueTask> sink, VadShadowSink? shadow)
    {
        VadResult vadResult;
        float[]? pcm = null;
        VadShadowResult? shadowResult = null;
        try
        {
            try
            {
                await pending.LogMelDone;
                vadResult = await pending.Vad;
                if (_models.NeedsPcm || _modelShadow is { Shadow.NeedsPcm: true })
                {
                    pcm = pending.Buffer.AsSpan(0, pending.Samples).ToArray();
                }
            }
            finally
            {
                // Both runs read the buffer: it goes back to the pool only when neither does any more.
                if (pending.Shadow is not null)
                {
                    shadowResult = await pending.Shadow;
                }
            }
        }
        finally
        {
            LargeArrayPool.Segments.Return(pending.Buffer);
        }

        var start = pending.StartSample / (double)SampleRate;
        var row = new AudioSegmentRow
        {
            SegmentId = $"{unit.UnitId}-{pending.Index:D6}",
            SourceUri = unit.SourceUri,
            SourceEtag = unit.ETag,
            SourceBytes = unit.Size,
            SegmentIndex = pending.Index,
            StartS = start,
            EndS = start + (pending.Samples / (double)SampleRate),
            SampleRate = SampleRate,
            ChannelsIn = format.Channels,
            CodecIn = format.Codec,
            LogMel = pending.LogMel,
            LogMelFrames = pending.Frames,
            LogMelPooled = true,
            SpeechProbMean = vadResult.SpeechProbMean,
            SpeechRatio = vadResult.SpeechRatio,
            PipelineVersion = context.PipelineVersion,
            ModelVersions = _modelVersions,
            IngestedAt = timeProvider.GetUtcNow(),
        };
        if (shadow is not null && shadowResult is not null)
        {
            // Eval rows carry the production row's keys, not its model columns: they need not wait for the model batch.
            foreach (var evalRow in shadow.Shadow.RowsFor(row, unit.UnitId, vadResult, shadowResult))
            {
                await shadow.Sink(evalRow);
            }
        }

        if (!_models.HasSteps)
        {
            using var write = PipelineTelemetry.StartStage(PipelineTelemetry.WriteStage);
            await sink(row);
            return;
        }

        _pending.Add((row, _models.ForAudio(pcm, pending.LogMel, pending.Frames)));
        if (_pending.Count >= _models.BatchRows)
        {
            await FlushModelsAsync(sink);
        }
    }

    private async Task FlushModelsAsync(Func<AudioSegmentRow, ValueTask> sink)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var shadow = _modelShadow;
        var batch = shadow?.Shadow.StartBatch(_pending.Count, shadow.Steps);
        var values = _models.RunAudio([.. _pending.Select(p => p.Inputs)], batch);
        using var write = PipelineTelemetry.StartStage(PipelineTelemetry.WriteStage);
        for (var i = 0; i < _pending.Count; i++)
        {
            var row = _pending[i].Row;
            if (batch is not null)
            {
                var key = new EvalRowKey(row.SegmentId, _unitId, row.SourceUri, row.SourceEtag, row.StartS, row.EndS, row.EndS - row.StartS, row.PipelineVersion);
                foreach (var step in batch.Steps)
                {
                    foreach (var evalRow in shadow!.Shadow.RowsFor(batch, step, i, key))
                    {
                        await shadow.Sink(step, evalRow);
                    }
                }
            }

            await sink(row with { ModelColumns = values[i] });
        }

        _pending.Clear();
    }

    private static async ValueTask<int> FillAsync(IAudioSource source, Memory<float> destination, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < destination.Length)
        {
            var read = await source.ReadAsync(destination[filled..], cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    private sealed record PendingSegment(
        int Index, long StartSample, int Samples, float[] Buffer, float[] LogMel, int Frames, Task LogMelDone, Task<VadResult> Vad, Task<VadShadowResult>? Shadow);
}
