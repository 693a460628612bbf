using System.Diagnostics;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Evaluation;

/// <summary>
/// Shadow runs of the built-in Silero VAD step: every <c>shadows: vad</c> candidate of the pipeline's evaluation
/// block, plus a re-run of the production model, each behind its own <see cref="VadBatcher"/> so the production
/// batch is never disturbed. For a sampled unit's segment it yields one <c>eval_vad</c> row per model: the
/// baseline row carries the production VAD's own frame probabilities (copied, not recomputed); the re-run only
/// measures the baseline's compute time under the same batching as the candidates. Shared by all lanes of a job.
/// </summary>
public sealed class VadShadow : IAsyncDisposable
{
    /// <summary><c>model_name</c> of baseline rows: the production Silero VAD step.</summary>
    public const string BaselineName = "silero_vad";

    private readonly EvaluationDefinition _definition;
    private readonly ShadowModel _baseline;
    private readonly IReadOnlyList<ShadowModel> _candidates;
    private readonly TimeProvider _timeProvider;

    private VadShadow(EvaluationDefinition definition, ShadowModel baseline, IReadOnlyList<ShadowModel> candidates, TimeProvider timeProvider)
    {
        _definition = definition;
        _baseline = baseline;
        _candidates = candidates;
        _timeProvider = timeProvider;
    }

    /// <summary>The table the rows go to (<c>eval_vad</c>).</summary>
    public static string TableName => EvalTableLayout.Vad.TableName;

    /// <summary>Names of the candidate models, in pipeline order.</summary>
    public IReadOnlyList<string> CandidateNames => [.. _candidates.Select(c => c.Name)];

    /// <summary>
    /// Loads the baseline and every VAD candidate of <paramref name="pipeline"/>; <see langword="null"/> when the
    /// pipeline samples nothing or has no VAD candidate.
    /// </summary>
    /// <param name="pipeline">The job's pipeline.</param>
    /// <param name="baselineModelPath">The production VAD model file (the worker's).</param>
    /// <param name="timeProvider">Clock of <see cref="EvalRow.IngestedAt"/>.</param>
    /// <exception cref="FileNotFoundException">A model file does not exist.</exception>
    /// <exception cref="InvalidDataException">A hash differs or a model is not Silero-compatible (float32 input/state/sr → output/stateN).</exception>
    public static VadShadow? Create(PipelineDefinition pipeline, string baselineModelPath, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var definition = pipeline.Evaluation;
        if (definition is null || definition.Sample <= 0 || definition.CandidatesOf(CandidateDefinition.VadStep).Count == 0)
        {
            return null;
        }

        var threshold = pipeline.Audio.SpeechThreshold;
        var loaded = new List<ShadowModel>();
        try
        {
            var baselineModel = new SileroVadModel(new OnnxModelSettings(baselineModelPath));
            var baseline = new ShadowModel(BaselineName, $"sha256:{baselineModel.Sha256[..12]}", EvalRoles.Baseline, baselineModel, 64, threshold);
            loaded.Add(baseline);
            foreach (var candidate in definition.CandidatesOf(CandidateDefinition.VadStep))
            {
                SileroVadModel model;
                try
                {
                    model = new SileroVadModel(new OnnxModelSettings(
                        ResolvePath(candidate.Path), string.IsNullOrWhiteSpace(candidate.Sha256) ? null : candidate.Sha256, candidate.Provider == "auto" ? SileroVadModel.CudaProvider : candidate.Provider));
                }
                catch (InvalidDataException ex)
                {
                    throw new InvalidDataException($"Evaluation candidate '{candidate.Name}': {ex.Message}", ex);
                }

                loaded.Add(new ShadowModel(candidate.Name, candidate.Version ?? $"sha256:{model.Sha256[..12]}", EvalRoles.Candidate, model, candidate.BatchSize, threshold));
            }

            return new VadShadow(definition, baseline, loaded.Skip(1).ToList(), timeProvider);
        }
        catch
        {
            foreach (var model in loaded)
            {
                model.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            throw;
        }
    }

    /// <summary>Resolves a candidate's <c>path</c>: absolute, <c>file://</c>, or relative to the working directory, else to the binaries.</summary>
    /// <exception cref="NotSupportedException">The path is a remote URL.</exception>
    public static string ResolvePath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (path.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            return new Uri(path).LocalPath;
        }

        if (path.Contains("://", StringComparison.Ordinal))
        {
            throw new NotSupportedException($"Candidate model '{path}': only local paths and file:// URLs are supported for VAD candidates.");
        }

        if (Path.IsPathRooted(path) || File.Exists(path))
        {
            return Path.GetFullPath(path);
        }

        return Path.Combine(AppContext.BaseDirectory, path);
    }

    /// <summary>Whether the unit is in the evaluation sample.</summary>
    public bool IsSampled(string unitId) => _definition.IsSampled(unitId);

    /// <summary>
    /// Starts every shadow model on one segment. <paramref name="samples16k"/> must not change until the task completes.
    /// </summary>
    public async Task<VadShadowResult> AnalyzeAsync(ReadOnlyMemory<float> samples16k, CancellationToken cancellationToken = default)
    {
        var runs = new Task<VadResult>[_candidates.Count + 1];
        runs[0] = _baseline.Batcher.AnalyzeAsync(samples16k, cancellationToken);
        for (var i = 0; i < _candidates.Count; i++)
        {
            runs[i + 1] = _candidates[i].Batcher.AnalyzeAsync(samples16k, cancellationToken);
        }

        // Every run is awaited, even after one fails, so none still reads the samples when the caller reuses them.
        try
        {
            await Task.WhenAll(runs);
        }
        catch (Exception) when (runs.All(r => r.IsCompleted))
        {
            throw runs.First(r => r.IsFaulted || r.IsCanceled).Exception?.InnerException ?? new OperationCanceledException(cancellationToken);
        }

        return new VadShadowResult([.. runs.Select(r => r.Result)]);
    }

    /// <summary>The <c>eval_vad</c> rows of one production segment: the baseline first, then each candidate.</summary>
    /// <param name="segment">The production row.</param>
    /// <param name="unitId">The unit the segment belongs to.</param>
    /// <param name="production">The production VAD's result for the segment.</param>
    /// <param name="shadow">The shadow runs of the same segment.</param>
    public IReadOnlyList<EvalRow> RowsFor(AudioSegmentRow segment, string unitId, VadResult production, VadShadowResult shadow)
    {
        ArgumentNullException.ThrowIfNull(segment);
        ArgumentNullException.ThrowIfNull(production);
        ArgumentNullException.ThrowIfNull(shadow);
        var now = _timeProvider.GetUtcNow();
        var rows = new List<EvalRow>(_candidates.Count + 1)
        {
            Row(segment, unitId, _baseline, production, now),
        };
        for (var i = 0; i < _candidates.Count; i++)
        {
            rows.Add(Row(segment, unitId, _candidates[i], shadow.Results[i + 1], now));
        }

        return rows;
    }

    /// <summary>Stops every shadow batcher and releases the sessions.</summary>
    public async ValueTask DisposeAsync()
    {
        await _baseline.DisposeAsync();
        foreach (var candidate in _candidates)
        {
            await candidate.DisposeAsync();
        }
    }

    private static EvalRow Row(AudioSegmentRow segment, string unitId, ShadowModel model, VadResult result, DateTimeOffset now) => new()
    {
        RowId = segment.SegmentId,
        UnitId = unitId,
        SourceUri = segment.SourceUri,
        SourceEtag = segment.SourceEtag,
        StartS = segment.StartS,
        EndS = segment.EndS,
        ModelName = model.Name,
        ModelVersion = model.Version,
        ModelSha256 = model.Model.Sha256,
        Role = model.Role,
        Provider = model.Model.ActualProvider,
        ComputeSeconds = model.Runner.SecondsPerFrame * result.FrameProbabilities.Length,
        MediaSeconds = segment.EndS - segment.StartS,
        Outputs = [result.FrameProbabilities, result.SpeechProbMean, result.SpeechRatio],
        PipelineVersion = segment.PipelineVersion,
        IngestedAt = now,
    };

    private sealed class ShadowModel : IAsyncDisposable
    {
        public ShadowModel(string name, string version, string role, SileroVadModel model, int batchSize, float threshold)
        {
            Name = name;
            Version = version;
            Role = role;
            Model = model;
            Runner = new TimedRunner(model);
            Batcher = new VadBatcher(Runner, new VadBatcherSettings(MaxBatch: batchSize, SpeechThreshold: threshold));
        }

        public string Name { get; }

        public string Version { get; }

        public string Role { get; }

        public SileroVadModel Model { get; }

        public TimedRunner Runner { get; }

        public VadBatcher Batcher { get; }

        public async ValueTask DisposeAsync()
        {
            await Batcher.DisposeAsync();
            Model.Dispose();
        }
    }

    /// <summary>
    /// Times every batched run of one model. A batch mixes frames of many segments, so a row's compute time is
    /// its frame count times the model's mean seconds per frame so far.
    /// </summary>
    private sealed class TimedRunner(SileroVadModel model) : IVadBatchRunner
    {
        private long _ticks;
        private long _frames;

        public double SecondsPerFrame
        {
            get
            {
                var frames = Interlocked.Read(ref _frames);
                return frames == 0 ? 0 : Interlocked.Read(ref _ticks) / (double)Stopwatch.Frequency / frames;
            }
        }

        public void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> state, Span<float> nextState, Span<float> probabilities, int batchSize)
        {
            var started = Stopwatch.GetTimestamp();
            model.Run(input, state, nextState, probabilities, batchSize);
            Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - started);
            Interlocked.Add(ref _frames, batchSize);
        }
    }
}

/// <summary>Results of the shadow runs of one segment: the baseline re-run first, then each candidate in order.</summary>
/// <param name="Results">One result per shadow model.</param>
public sealed record VadShadowResult(IReadOnlyList<VadResult> Results);

/// <summary>Where a unit's shadow rows go: the job's <see cref="VadShadow"/> and the lane's evaluation file.</summary>
/// <param name="Shadow">The shadow models.</param>
/// <param name="Sink">Receives each <c>eval_vad</c> row.</param>
public sealed record VadShadowSink(VadShadow Shadow, Func<EvalRow, ValueTask> Sink);
