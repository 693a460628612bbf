using System.Globalization;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Inference;

/// <summary>
/// A loaded model step: its session (created through <see cref="OnnxSessionFactory"/>), checked against the step's
/// declared inputs and outputs, and the Parquet columns it fills. <see cref="Run"/> is safe to call from many threads.
/// </summary>
public sealed class ModelStep : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _bindings;
    private readonly string[] _outputNames;
    private volatile bool _disposed;

    private ModelStep(ModelStepDefinition definition, string sha256, string source, OnnxSessionResult session)
    {
        Definition = definition;
        Sha256 = sha256;
        Source = source;
        _session = session.Session;
        RequestedProvider = session.RequestedProvider;
        ActualProvider = session.ActualProvider;
        ProviderFallbackReason = session.FallbackReason;
        LineageVersion = $"{definition.Name}@{definition.Version}+{sha256[..12]}";
        _inputNames = [.. definition.Inputs.Keys];
        _bindings = [.. definition.Inputs.Values];
        _outputNames = [.. definition.Outputs.Select(o => o.Tensor).Distinct(StringComparer.Ordinal)];
        Columns = ColumnsOf(definition);
    }

    /// <summary>The step as declared in the pipeline.</summary>
    public ModelStepDefinition Definition { get; }

    /// <summary>Where the model was loaded from (the declared path or URL).</summary>
    public string Source { get; }

    /// <summary>SHA-256 of the loaded bytes (lowercase hex).</summary>
    public string Sha256 { get; }

    /// <summary>Lineage entry: <c>name@version+sha256 prefix</c>, e.g. <c>sensor_anomaly@1+3f2a9c0d1e2b</c>.</summary>
    public string LineageVersion { get; }

    /// <summary>Provider preference the session was created with.</summary>
    public string RequestedProvider { get; }

    /// <summary>Provider the session really runs on (<c>cpu</c> or <c>cuda</c>).</summary>
    public string ActualProvider { get; }

    /// <summary>Why CUDA was not used although asked for or tried; <see langword="null"/> otherwise.</summary>
    public string? ProviderFallbackReason { get; }

    /// <summary>The Parquet columns the step fills, in declaration order (a <c>class_probabilities</c> output adds its <c>_label</c> column).</summary>
    public IReadOnlyList<ModelColumn> Columns { get; }

    /// <summary>Rows per model call: the declared batch size, or 1 when the model's batch axis is fixed to 1.</summary>
    public int BatchSize { get; private set; }

    /// <summary>The per-row shapes the model's inputs require without the batch axis, by binding (-1: any size).</summary>
    public IReadOnlyDictionary<string, long[]> InputShapes { get; private set; } = new Dictionary<string, long[]>();

    /// <summary>
    /// Loads a step from the model's bytes: checks the SHA-256 when the step declares one, creates the session on the
    /// step's provider (or <paramref name="defaultProvider"/>), and checks the declared bindings against the file.
    /// </summary>
    /// <exception cref="InvalidDataException">The hash differs, or the declared inputs/outputs do not match the model.</exception>
    public static ModelStep Load(ModelStepDefinition definition, byte[] modelBytes, string source, string? defaultProvider = null, int intraOpThreads = 1)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(modelBytes);
        definition.Validate();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(modelBytes));
        if (!string.IsNullOrWhiteSpace(definition.Sha256) && !string.Equals(sha256, definition.Sha256.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException(
                $"Model step '{definition.Name}': '{source}' has SHA-256 {sha256}, expected {definition.Sha256.Trim().ToLowerInvariant()}; the file is corrupt or a different model.");
        }

        var provider = string.IsNullOrWhiteSpace(definition.Provider) ? defaultProvider : definition.Provider;
        OnnxSessionResult session;
        try
        {
            session = OnnxSessionFactory.Create(modelBytes, provider, intraOpThreads);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"Model step '{definition.Name}': '{source}' is not a loadable ONNX model: {ex.Message}", ex);
        }

        var step = new ModelStep(definition, sha256, source, session);
        try
        {
            step.CheckMetadata();
            return step;
        }
        catch
        {
            step.Dispose();
            throw;
        }
    }

    /// <summary>The columns a step fills, without loading it.</summary>
    public static IReadOnlyList<ModelColumn> ColumnsOf(ModelStepDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var columns = new List<ModelColumn>();
        foreach (var output in definition.Outputs)
        {
            switch (output.Type)
            {
                case ModelOutputType.Float:
                    columns.Add(new ModelColumn(output.Column, ModelColumnKind.Float));
                    break;
                case ModelOutputType.Double:
                    columns.Add(new ModelColumn(output.Column, ModelColumnKind.Double));
                    break;
                case ModelOutputType.Int64:
                    columns.Add(new ModelColumn(output.Column, ModelColumnKind.Int64));
                    break;
                case ModelOutputType.FloatVector:
                    columns.Add(new ModelColumn(output.Column, ModelColumnKind.FloatList, output.Length ?? 0));
                    break;
                default:
                    columns.Add(new ModelColumn(output.Column, ModelColumnKind.FloatList, output.Labels.Count));
                    columns.Add(new ModelColumn(output.Column + "_label", ModelColumnKind.String));
                    break;
            }
        }

        return columns;
    }

    /// <summary>
    /// Runs the model on rows whose inputs all have the same shapes (the caller groups rows; at most <see cref="BatchSize"/>).
    /// Returns one dictionary of column values per row.
    /// </summary>
    /// <param name="rows">Per row: binding → tensor, holding every binding of <see cref="ModelStepDefinition.Inputs"/>.</param>
    /// <exception cref="ArgumentException">Rows differ in shape, miss a binding, or do not fit the model's fixed dimensions.</exception>
    /// <exception cref="InvalidDataException">An output does not have the declared size per row.</exception>
    public IReadOnlyList<Dictionary<string, object?>> Run(IReadOnlyList<IReadOnlyDictionary<string, ModelTensor>> rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return [];
        }

        var batch = rows.Count;
        var inputs = new OrtValue[_inputNames.Length];
        try
        {
            for (var i = 0; i < _inputNames.Length; i++)
            {
                inputs[i] = CreateBatchInput(rows, _bindings[i], _inputNames[i]);
            }

            using var outputs = _session.Run(_runOptions, _inputNames, inputs, _outputNames);
            var results = Enumerable.Range(0, batch).Select(_ => new Dictionary<string, object?>(StringComparer.Ordinal)).ToList();
            foreach (var output in Definition.Outputs)
            {
                ReadOutput(outputs[Array.IndexOf(_outputNames, output.Tensor)], output, results);
            }

            return results;
        }
        finally
        {
            foreach (var value in inputs)
            {
                value?.Dispose();
            }
        }
    }

    /// <summary>Releases the session. Callers must have finished their runs.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _session.Dispose();
        _runOptions.Dispose();
    }

    private OrtValue CreateBatchInput(IReadOnlyList<IReadOnlyDictionary<string, ModelTensor>> rows, string binding, string inputName)
    {
        var first = rows[0].TryGetValue(binding, out var tensor)
            ? tensor
            : throw new ArgumentException($"Model step '{Definition.Name}': row 0 has no '{binding}' tensor.", nameof(rows));
        var expected = InputShapes[binding];
        if (first.Shape.Length != expected.Length || first.Shape.Where((d, i) => expected[i] >= 0 && expected[i] != d).Any())
        {
            throw new ArgumentException(
                $"Model step '{Definition.Name}': input '{inputName}' needs [{string.Join(", ", expected)}] per row, the row gives [{string.Join(", ", first.Shape)}].",
                nameof(rows));
        }

        var perRow = first.Data.Length;
        var data = new float[checked(perRow * rows.Count)];
        for (var r = 0; r < rows.Count; r++)
        {
            if (!rows[r].TryGetValue(binding, out var row) || !row.SameShape(first) || row.Data.Length != perRow)
            {
                throw new ArgumentException($"Model step '{Definition.Name}': the rows of one batch must all have '{binding}' of shape [{string.Join(", ", first.Shape)}].", nameof(rows));
            }

            row.Data.CopyTo(data, r * perRow);
        }

        long[] shape = [rows.Count, .. first.Shape.Select(d => (long)d)];
        return OrtValue.CreateTensorValueFromMemory(data, shape);
    }

    private void ReadOutput(OrtValue value, ModelOutputDefinition output, List<Dictionary<string, object?>> results)
    {
        var info = value.GetTensorTypeAndShape();
        var batch = results.Count;
        if (info.Shape.Length == 0 || info.Shape[0] != batch)
        {
            throw new InvalidDataException(
                $"Model step '{Definition.Name}': output '{output.Tensor}' has shape [{string.Join(", ", info.Shape)}]; its first axis must be the batch ({batch}).");
        }

        var perRow = checked((int)(info.ElementCount / batch));
        var expected = output.Type switch
        {
            ModelOutputType.FloatVector => output.Length ?? 0,
            ModelOutputType.ClassProbabilities => output.Labels.Count,
            _ => 1,
        };
        if (perRow != expected)
        {
            throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture,
                $"Model step '{Definition.Name}': output '{output.Tensor}' gives {perRow} values per row; column '{output.Column}' ({Describe(output.Type)}) needs {expected}."));
        }

        for (var r = 0; r < batch; r++)
        {
            var row = results[r];
            switch (output.Type)
            {
                case ModelOutputType.Int64:
                    row[output.Column] = value.GetTensorDataAsSpan<long>()[r];
                    break;
                case ModelOutputType.Double:
                    row[output.Column] = info.ElementDataType == TensorElementType.Double
                        ? value.GetTensorDataAsSpan<double>()[r]
                        : (double)value.GetTensorDataAsSpan<float>()[r];
                    break;
                case ModelOutputType.Float:
                    row[output.Column] = value.GetTensorDataAsSpan<float>()[r];
                    break;
                case ModelOutputType.FloatVector:
                    row[output.Column] = value.GetTensorDataAsSpan<float>().Slice(r * perRow, perRow).ToArray();
                    break;
                default:
                    var probabilities = value.GetTensorDataAsSpan<float>().Slice(r * perRow, perRow).ToArray();
                    row[output.Column] = probabilities;
                    row[output.Column + "_label"] = output.Labels[ArgMax(probabilities)];
                    break;
            }
        }
    }

    private void CheckMetadata()
    {
        var inputs = _session.InputMetadata;
        var unbound = inputs.Keys.Where(k => !Definition.Inputs.ContainsKey(k)).ToList();
        if (unbound.Count > 0)
        {
            throw Mismatch($"model input(s) {string.Join(", ", unbound.Select(u => $"'{u}'"))} are not bound (bind every input under 'inputs')");
        }

        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var batchLimit = Definition.BatchSize;
        foreach (var (name, binding) in Definition.Inputs)
        {
            if (!inputs.TryGetValue(name, out var node))
            {
                throw Mismatch($"it has no input '{name}' (its inputs: {string.Join(", ", inputs.Keys)})");
            }

            var bound = BindingShape(binding);
            var dims = node.Dimensions;
            if (!node.IsTensor || node.ElementType != typeof(float) || dims.Length != bound.Length + 1)
            {
                throw Mismatch(
                    $"input '{name}' is {node.ElementType.Name}[{string.Join(", ", dims)}], but '{binding}' gives float32 [batch, {string.Join(", ", bound.Select(Dim))}]");
            }

            var perRow = new long[bound.Length];
            for (var i = 0; i < bound.Length; i++)
            {
                long model = dims[i + 1];
                if (model >= 0 && bound[i] >= 0 && model != bound[i])
                {
                    throw Mismatch($"input '{name}' has size {model} on axis {i + 1}, but '{binding}' gives {bound[i]} there");
                }

                perRow[i] = model >= 0 ? model : bound[i];
            }

            if (dims[0] > 1)
            {
                throw Mismatch($"input '{name}' has a fixed batch axis of {dims[0]}; it must be dynamic or 1");
            }

            if (dims[0] == 1)
            {
                batchLimit = 1;
            }

            shapes[binding] = perRow;
        }

        foreach (var output in Definition.Outputs)
        {
            if (!_session.OutputMetadata.TryGetValue(output.Tensor, out var node))
            {
                throw Mismatch($"it has no output '{output.Tensor}' (its outputs: {string.Join(", ", _session.OutputMetadata.Keys)})");
            }

            var element = node.ElementType;
            var typeOk = output.Type switch
            {
                ModelOutputType.Int64 => element == typeof(long),
                ModelOutputType.Double => element == typeof(double) || element == typeof(float),
                _ => element == typeof(float),
            };
            if (!node.IsTensor || !typeOk || node.Dimensions.Length == 0)
            {
                throw Mismatch($"output '{output.Tensor}' is {element.Name}[{string.Join(", ", node.Dimensions)}], which cannot fill a {Describe(output.Type)} column");
            }

            var fixedDims = node.Dimensions.Skip(1).ToArray();
            if (fixedDims.All(d => d >= 0))
            {
                var perRow = fixedDims.Aggregate(1L, (a, d) => a * d);
                var expected = output.Type switch
                {
                    ModelOutputType.FloatVector => output.Length ?? 0,
                    ModelOutputType.ClassProbabilities => output.Labels.Count,
                    _ => 1,
                };
                if (perRow != expected)
                {
                    throw Mismatch($"output '{output.Tensor}' has {perRow} values per row, but column '{output.Column}' ({Describe(output.Type)}) needs {expected}");
                }
            }
        }

        InputShapes = shapes;
        BatchSize = batchLimit;
    }

    private long[] BindingShape(string binding) => binding switch
    {
        ModelBindings.Pcm => [-1],
        ModelBindings.LogMel => [Features.WhisperLogMel.MelBands, -1],
        ModelBindings.Mfcc => [Definition.MfccCoefficients, -1],
        _ => [Definition.Channels.Count > 0 ? Definition.Channels.Count : -1, ModelBindings.SensorStatistics],
    };

    private InvalidDataException Mismatch(string what) =>
        new($"Model step '{Definition.Name}' does not match '{Source}': {what}.");

    private static string Dim(long d) => d < 0 ? "n" : d.ToString(CultureInfo.InvariantCulture);

    private static string Describe(ModelOutputType type) => type switch
    {
        ModelOutputType.FloatVector => "float_vector",
        ModelOutputType.ClassProbabilities => "class_probabilities",
        _ => type.ToString().ToLowerInvariant(),
    };

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
