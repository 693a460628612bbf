using System.Diagnostics;
using OrleansIngest.Processing.Diagnostics;
using OrleansIngest.Processing.Evaluation;
using OrleansIngest.Processing.Features;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Parquet;

namespace OrleansIngest.Processing.Pipeline;

/// <summary>
/// Runs the model steps of one row kind over a batch of rows of one unit: computes each step's input tensors from
/// the rows, batches consecutive rows with equal input shapes (up to the step's batch size), and returns each row's
/// model column values. Rows a step cannot be fed (a sensor window lacking a channel or with a NaN statistic) get
/// null columns for that step. Not thread-safe (one per lane); the steps themselves are shared.
/// </summary>
public sealed class ModelStepRunner
{
    private readonly IReadOnlyList<ModelStep> _steps;
    private readonly string? _lineageColumnValue;
    private readonly Dictionary<int, Mfcc> _mfcc = [];

    /// <summary>Creates a runner for the steps of <paramref name="kind"/> in <paramref name="models"/>.</summary>
    public ModelStepRunner(ModelSteps models, RouteKind kind)
    {
        ArgumentNullException.ThrowIfNull(models);
        _steps = kind == RouteKind.Audio ? models.Audio : models.Sensor;
        Lineage = models.LineageFor(kind);
        _lineageColumnValue = kind == RouteKind.Sensor && _steps.Count > 0 ? Lineage : null;
    }

    /// <summary>Whether there is any step to run.</summary>
    public bool HasSteps => _steps.Count > 0;

    /// <summary>Rows worth collecting before a run: the largest batch size of the steps.</summary>
    public int BatchRows => _steps.Count == 0 ? 1 : _steps.Max(s => s.BatchSize);

    /// <summary>Whether a step reads the segment's samples (so the caller must keep them until the run).</summary>
    public bool NeedsPcm => _steps.Any(s => s.Definition.Inputs.Values.Contains(ModelBindings.Pcm));

    /// <summary>The steps' lineage (<c>name=name@version+sha</c> joined by <c>;</c>), empty without steps.</summary>
    public string Lineage { get; }

    /// <summary>The model inputs of one audio segment, computed once and shared by the steps.</summary>
    public AudioRowInputs ForAudio(float[]? pcm, float[] logMel, int frames) => new(this, pcm, logMel, frames);

    /// <summary>Runs every audio step over <paramref name="rows"/>; returns each row's model column values.</summary>
    public IReadOnlyList<Dictionary<string, object?>> RunAudio(IReadOnlyList<AudioRowInputs> rows) => RunAudio(rows, shadow: null);

    /// <summary>
    /// Runs every audio step over <paramref name="rows"/>; when <paramref name="shadow"/> is given, also runs the
    /// candidates of its steps on the same rows and records every shadowed model's outputs and time in it.
    /// </summary>
    public IReadOnlyList<Dictionary<string, object?>> RunAudio(IReadOnlyList<AudioRowInputs> rows, ModelShadowBatch? shadow)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return Run(rows.Count, (step, r) => rows[r].For(step), shadow);
    }

    /// <summary>Runs every sensor step over <paramref name="rows"/>; returns each row's model column values (with <c>model_versions</c>).</summary>
    public IReadOnlyList<Dictionary<string, object?>> RunSensor(IReadOnlyList<SensorWindowRow> rows) => RunSensor(rows, shadow: null);

    /// <summary>Runs every sensor step over <paramref name="rows"/>, and the candidates of <paramref name="shadow"/>'s steps (see <see cref="RunAudio(IReadOnlyList{AudioRowInputs}, ModelShadowBatch?)"/>).</summary>
    public IReadOnlyList<Dictionary<string, object?>> RunSensor(IReadOnlyList<SensorWindowRow> rows, ModelShadowBatch? shadow)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return Run(rows.Count, (step, r) => SensorWindowMatrix.Create(rows[r], step.Definition.Channels) is { } matrix
            ? new Dictionary<string, ModelTensor> { [ModelBindings.SensorWindowMatrix] = matrix }
            : null, shadow);
    }

    private List<Dictionary<string, object?>> Run(int count, Func<ModelStep, int, IReadOnlyDictionary<string, ModelTensor>?> inputsFor, ModelShadowBatch? shadow)
    {
        var results = Enumerable.Range(0, count).Select(_ => new Dictionary<string, object?>(StringComparer.Ordinal)).ToList();
        if (count == 0)
        {
            return results;
        }

        using var stage = PipelineTelemetry.StartComputeStage(PipelineTelemetry.InferenceStage);
        foreach (var step in _steps)
        {
            var name = step.Definition.Name;
            var shadowed = shadow is not null && shadow.Shadows(name);
            RunStep(step, count, inputsFor, (rows, outputs, elapsed) =>
            {
                for (var i = 0; i < outputs.Count; i++)
                {
                    foreach (var (column, value) in outputs[i])
                    {
                        results[rows[i]][column] = value;
                    }
                }

                if (shadowed)
                {
                    shadow!.Record(name, step, rows, outputs, elapsed);
                }
            });

            // Candidates see the same rows, each batched by its own batch size; their outputs go only to the shadow.
            foreach (var candidate in shadowed ? shadow!.CandidatesOf(name) : [])
            {
                RunStep(candidate, count, inputsFor, (rows, outputs, elapsed) => shadow!.Record(name, candidate, rows, outputs, elapsed));
            }
        }

        if (_lineageColumnValue is not null)
        {
            foreach (var row in results)
            {
                row[ModelSteps.SensorModelVersionsColumn] = _lineageColumnValue;
            }
        }

        return results;
    }

    private static void RunStep(
        ModelStep step,
        int count,
        Func<ModelStep, int, IReadOnlyDictionary<string, ModelTensor>?> inputsFor,
        Action<IReadOnlyList<int>, IReadOnlyList<Dictionary<string, object?>>, TimeSpan> done)
    {
        var batch = new List<IReadOnlyDictionary<string, ModelTensor>>(step.BatchSize);
        var batchRows = new List<int>(step.BatchSize);
        for (var r = 0; r < count; r++)
        {
            var inputs = inputsFor(step, r);
            if (inputs is null)
            {
                continue;
            }

            if (batch.Count == step.BatchSize || (batch.Count > 0 && !SameShapes(batch[0], inputs)))
            {
                Flush(step, batch, batchRows, done);
            }

            batch.Add(inputs);
            batchRows.Add(r);
        }

        Flush(step, batch, batchRows, done);
    }

    private static void Flush(
        ModelStep step,
        List<IReadOnlyDictionary<string, ModelTensor>> batch,
        List<int> rows,
        Action<IReadOnlyList<int>, IReadOnlyList<Dictionary<string, object?>>, TimeSpan> done)
    {
        if (batch.Count == 0)
        {
            return;
        }

        // Timed per call: the evaluation table attributes each call's time evenly to the rows of its batch.
        var started = Stopwatch.GetTimestamp();
        var outputs = step.Run(batch);
        done([.. rows], outputs, Stopwatch.GetElapsedTime(started));
        batch.Clear();
        rows.Clear();
    }

    private static bool SameShapes(IReadOnlyDictionary<string, ModelTensor> a, IReadOnlyDictionary<string, ModelTensor> b)
    {
        foreach (var (binding, tensor) in a)
        {
            if (!b.TryGetValue(binding, out var other) || !tensor.SameShape(other))
            {
                return false;
            }
        }

        return true;
    }

    private Mfcc MfccFor(int coefficients)
    {
        if (!_mfcc.TryGetValue(coefficients, out var mfcc))
        {
            mfcc = new Mfcc(WhisperLogMel.MelBands, coefficients);
            _mfcc[coefficients] = mfcc;
        }

        return mfcc;
    }

    /// <summary>One audio segment's model inputs; tensors are computed on first use and shared by the steps.</summary>
    public sealed class AudioRowInputs
    {
        private readonly ModelStepRunner _runner;
        private readonly float[]? _pcm;
        private readonly float[] _logMel;
        private readonly int _frames;
        private readonly Dictionary<string, ModelTensor> _tensors = new(StringComparer.Ordinal);

        internal AudioRowInputs(ModelStepRunner runner, float[]? pcm, float[] logMel, int frames)
        {
            _runner = runner;
            _pcm = pcm;
            _logMel = logMel;
            _frames = frames;
        }

        internal Dictionary<string, ModelTensor> For(ModelStep step)
        {
            var inputs = new Dictionary<string, ModelTensor>(StringComparer.Ordinal);
            foreach (var binding in step.Definition.Inputs.Values)
            {
                var key = binding == ModelBindings.Mfcc ? $"{binding}:{step.Definition.MfccCoefficients}" : binding;
                if (!_tensors.TryGetValue(key, out var tensor))
                {
                    tensor = binding switch
                    {
                        ModelBindings.Pcm => new ModelTensor(
                            _pcm ?? throw new InvalidOperationException("The segment's samples were not kept for the pcm binding."), [_pcm.Length]),
                        ModelBindings.LogMel => new ModelTensor(_logMel, [WhisperLogMel.MelBands, _frames]),
                        ModelBindings.Mfcc => new ModelTensor(
                            _runner.MfccFor(step.Definition.MfccCoefficients).Compute(_logMel, _frames), [step.Definition.MfccCoefficients, _frames]),
                        _ => throw new InvalidOperationException($"Audio rows have no '{binding}' tensor."),
                    };
                    _tensors[key] = tensor;
                }

                inputs[binding] = tensor;
            }

            return inputs;
        }
    }
}

/// <summary>The <c>sensor_window_matrix</c> binding: per channel mean, std, min, max and slope, as <c>[channels, 5]</c> float32.</summary>
public static class SensorWindowMatrix
{
    /// <summary>
    /// The matrix of <paramref name="row"/> for <paramref name="channels"/> (empty: every channel in file order), or
    /// <see langword="null"/> when a channel is missing or a statistic is NaN.
    /// </summary>
    public static ModelTensor? Create(SensorWindowRow row, IReadOnlyList<string> channels)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(channels);
        var count = channels.Count > 0 ? channels.Count : row.ChannelNames.Length;
        var data = new float[count * ModelBindings.SensorStatistics];
        for (var c = 0; c < count; c++)
        {
            var index = channels.Count > 0 ? Array.IndexOf(row.ChannelNames, channels[c]) : c;
            if (index < 0)
            {
                return null;
            }

            ReadOnlySpan<double> values = [row.Mean[index], row.Std[index], row.Min[index], row.Max[index], row.Slope[index]];
            for (var s = 0; s < values.Length; s++)
            {
                if (double.IsNaN(values[s]))
                {
                    return null;
                }

                data[(c * ModelBindings.SensorStatistics) + s] = (float)values[s];
            }
        }

        return new ModelTensor(data, [count, ModelBindings.SensorStatistics]);
    }
}
