using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace OrleansIngest.Processing.Pipeline;

/// <summary>Which rows a model step runs on.</summary>
public enum ModelAppliesTo
{
    /// <summary>Each <c>audio_segments</c> row (one audio segment).</summary>
    Audio,

    /// <summary>Each <c>sensor_windows</c> row (one window of one sensor).</summary>
    Sensor,
}

/// <summary>How a model output tensor becomes Parquet columns.</summary>
public enum ModelOutputType
{
    /// <summary>One float per row → <c>float</c>.</summary>
    [JsonStringEnumMemberName("float")]
    Float,

    /// <summary>One float or double per row → <c>double</c>.</summary>
    [JsonStringEnumMemberName("double")]
    Double,

    /// <summary>One int64 per row → <c>int64</c>.</summary>
    [JsonStringEnumMemberName("int64")]
    Int64,

    /// <summary><see cref="ModelOutputDefinition.Length"/> floats per row (an embedding) → <c>list&lt;float&gt;</c>.</summary>
    [JsonStringEnumMemberName("float_vector")]
    FloatVector,

    /// <summary>
    /// One probability per label → <c>list&lt;float&gt;</c>, plus a <c>&lt;column&gt;_label</c> string column holding the
    /// label of the largest probability.
    /// </summary>
    [JsonStringEnumMemberName("class_probabilities")]
    ClassProbabilities,
}

/// <summary>One output tensor of a model step and the column it fills.</summary>
public sealed record ModelOutputDefinition
{
    /// <summary>ONNX output name.</summary>
    public string Tensor { get; init; } = "";

    /// <summary>Parquet column (snake_case, must not clash with the table's built-in columns).</summary>
    public string Column { get; init; } = "";

    /// <summary>Column type.</summary>
    public ModelOutputType Type { get; init; }

    /// <summary>Values per row of a <see cref="ModelOutputType.FloatVector"/> (required for that type).</summary>
    public int? Length { get; init; }

    /// <summary>Class labels of a <see cref="ModelOutputType.ClassProbabilities"/>, in the model's output order.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];
}

/// <summary>
/// A model step of a pipeline: an ONNX model run on every row of one kind after its built-in features, with inputs
/// bound by name to tensors computed from the row and outputs written as extra typed columns.
/// </summary>
public sealed partial record ModelStepDefinition
{
    /// <summary>The tensors an input can be bound to.</summary>
    public static IReadOnlyList<string> Bindings { get; } = [ModelBindings.Pcm, ModelBindings.LogMel, ModelBindings.Mfcc, ModelBindings.SensorWindowMatrix];

    /// <summary>Step name (<c>[a-z][a-z0-9_]*</c>), unique in the pipeline; recorded in <c>model_versions</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary>Rows the step runs on.</summary>
    public ModelAppliesTo AppliesTo { get; init; }

    /// <summary>
    /// Model location: a local path (relative paths are tried against the directory of the binaries, then the
    /// current directory), a <c>file://</c> URI, or a blob URL (<c>https://…</c>, then <see cref="Sha256"/> is required).
    /// </summary>
    public string Path { get; init; } = "";

    /// <summary>Expected SHA-256 of the file (hex); checked before the session is created whenever it is given.</summary>
    public string Sha256 { get; init; } = "";

    /// <summary>Operator-chosen model version, recorded in lineage and in the model registry.</summary>
    public string Version { get; init; } = "1";

    /// <summary><c>auto</c>, <c>cuda</c> or <c>cpu</c>; empty means the silo's <c>ExecutionProvider</c>.</summary>
    public string Provider { get; init; } = "";

    /// <summary>Rows of one unit run in one model call (rows whose input shapes differ run in separate calls).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>ONNX input name → binding (<c>pcm</c>, <c>log_mel</c>, <c>mfcc</c>, <c>sensor_window_matrix</c>).</summary>
    public IReadOnlyDictionary<string, string> Inputs { get; init; } = new Dictionary<string, string>();

    /// <summary>Output tensors and their columns.</summary>
    public IReadOnlyList<ModelOutputDefinition> Outputs { get; init; } = [];

    /// <summary>MFCC coefficients per frame of the <c>mfcc</c> binding.</summary>
    public int MfccCoefficients { get; init; } = 13;

    /// <summary>
    /// Channels of the <c>sensor_window_matrix</c> binding, by name and in this order; empty means every channel of
    /// the window in file order. A window that lacks one of them gets null model columns.
    /// </summary>
    public IReadOnlyList<string> Channels { get; init; } = [];

    /// <summary>Throws <see cref="FormatException"/> naming the first problem of the step's declaration.</summary>
    public void Validate()
    {
        if (!NamePattern().IsMatch(Name))
        {
            throw new FormatException($"Model step name '{Name}' must match [a-z][a-z0-9_]*.");
        }

        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new FormatException($"Model step '{Name}' needs a 'path'.");
        }

        var remote = Path.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || Path.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
        if (remote && string.IsNullOrWhiteSpace(Sha256))
        {
            throw new FormatException($"Model step '{Name}' is loaded from a URL and needs its 'sha256'.");
        }

        if (!string.IsNullOrWhiteSpace(Sha256) && !Sha256Pattern().IsMatch(Sha256.Trim()))
        {
            throw new FormatException($"Model step '{Name}': sha256 must be 64 hex digits.");
        }

        if (string.IsNullOrWhiteSpace(Version))
        {
            throw new FormatException($"Model step '{Name}' needs a 'version'.");
        }

        if (!string.IsNullOrWhiteSpace(Provider) && Provider.Trim().ToLowerInvariant() is not ("auto" or "cuda" or "cpu"))
        {
            throw new FormatException($"Model step '{Name}': provider '{Provider}' is not auto, cuda or cpu.");
        }

        if (BatchSize is < 1 or > 4096)
        {
            throw new FormatException($"Model step '{Name}': batchSize must be between 1 and 4096 (was {BatchSize}).");
        }

        if (MfccCoefficients is < 1 or > 80)
        {
            throw new FormatException($"Model step '{Name}': mfccCoefficients must be between 1 and 80 (was {MfccCoefficients}).");
        }

        ValidateInputs();
        ValidateOutputs();
    }

    private void ValidateInputs()
    {
        if (Inputs.Count == 0)
        {
            throw new FormatException($"Model step '{Name}' binds no inputs.");
        }

        foreach (var (input, binding) in Inputs)
        {
            var allowed = AppliesTo == ModelAppliesTo.Audio
                ? binding is ModelBindings.Pcm or ModelBindings.LogMel or ModelBindings.Mfcc
                : binding is ModelBindings.SensorWindowMatrix;
            if (!allowed)
            {
                throw new FormatException(
                    $"Model step '{Name}': input '{input}' is bound to '{binding}', which {AppliesTo.ToString().ToLowerInvariant()} rows do not have " +
                    $"(audio: {ModelBindings.Pcm}, {ModelBindings.LogMel}, {ModelBindings.Mfcc}; sensor: {ModelBindings.SensorWindowMatrix}).");
            }
        }

        if (Channels.Count > 0 && (Channels.Any(string.IsNullOrWhiteSpace) || Channels.Distinct(StringComparer.Ordinal).Count() != Channels.Count))
        {
            throw new FormatException($"Model step '{Name}': channels must be distinct, non-empty names.");
        }
    }

    private void ValidateOutputs()
    {
        if (Outputs.Count == 0)
        {
            throw new FormatException($"Model step '{Name}' declares no outputs.");
        }

        foreach (var output in Outputs)
        {
            if (string.IsNullOrWhiteSpace(output.Tensor) || !NamePattern().IsMatch(output.Column))
            {
                throw new FormatException($"Model step '{Name}': every output needs a 'tensor' and a 'column' matching [a-z][a-z0-9_]*.");
            }

            switch (output.Type)
            {
                case ModelOutputType.FloatVector when output.Length is not (>= 1 and <= 1_000_000):
                    throw new FormatException($"Model step '{Name}': float_vector output '{output.Column}' needs a 'length' between 1 and 1000000.");
                case ModelOutputType.ClassProbabilities when output.Labels.Count < 2 || output.Labels.Any(string.IsNullOrEmpty):
                    throw new FormatException($"Model step '{Name}': class_probabilities output '{output.Column}' needs at least two non-empty 'labels'.");
                case ModelOutputType.Float or ModelOutputType.Double or ModelOutputType.Int64 or ModelOutputType.FloatVector or ModelOutputType.ClassProbabilities:
                    break;
                default:
                    throw new FormatException($"Model step '{Name}': output '{output.Column}' has an unknown type.");
            }
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();
}

/// <summary>Names of the tensors a model input can be bound to, and their per-row shapes.</summary>
public static class ModelBindings
{
    /// <summary>The segment's 16 kHz mono samples, per row <c>[samples]</c> (batched <c>[B, samples]</c>; rows of equal length batch together).</summary>
    public const string Pcm = "pcm";

    /// <summary>The segment's Whisper log-mel, per row <c>[80, frames]</c>, band-major.</summary>
    public const string LogMel = "log_mel";

    /// <summary>MFCCs of the log-mel (orthonormal DCT-II over the bands), per row <c>[mfccCoefficients, frames]</c>.</summary>
    public const string Mfcc = "mfcc";

    /// <summary>
    /// The window's statistics, per row <c>[channels, 5]</c>: for each channel (in the step's <c>channels</c> order)
    /// its mean, std, min, max and slope (units per second), as float32. A window with a NaN among them (a channel
    /// without samples, a slope from fewer than two samples) or without one of the channels gets null model columns.
    /// </summary>
    public const string SensorWindowMatrix = "sensor_window_matrix";

    /// <summary>Statistics per channel in <see cref="SensorWindowMatrix"/>.</summary>
    public const int SensorStatistics = 5;
}
