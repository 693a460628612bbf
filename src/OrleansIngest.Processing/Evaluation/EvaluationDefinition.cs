using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Evaluation;

/// <summary>
/// The pipeline's <c>evaluation:</c> block: candidate models that shadow a production step on a deterministic
/// sample of units, writing their outputs next to the baseline's into <c>eval_&lt;step&gt;</c> tables.
/// </summary>
public sealed record EvaluationDefinition
{
    /// <summary>Fraction of units evaluated, 0..1. The choice is a hash of the unit id, so every silo and retry agrees.</summary>
    public double Sample { get; init; }

    /// <summary>Candidate models; names are unique.</summary>
    public IReadOnlyList<CandidateDefinition> Candidates { get; init; } = [];

    /// <summary>Candidates shadowing <paramref name="step"/> (<c>vad</c> or a model step's name).</summary>
    public IReadOnlyList<CandidateDefinition> CandidatesOf(string step) =>
        [.. Candidates.Where(c => string.Equals(c.Shadows, step, StringComparison.Ordinal))];

    /// <summary>Whether <paramref name="unitId"/> falls in the sample: the first 8 bytes of SHA-256(unit id) as a fraction of 2^64.</summary>
    public bool IsSampled(string unitId) => IsSampled(unitId, Sample);

    /// <inheritdoc cref="IsSampled(string)"/>
    public static bool IsSampled(string unitId, double sample)
    {
        ArgumentNullException.ThrowIfNull(unitId);
        if (sample <= 0)
        {
            return false;
        }

        if (sample >= 1)
        {
            return true;
        }

        // A hash, not Random: the same unit is sampled on every silo, after every retry and in every run.
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(unitId), hash);
        var fraction = BinaryPrimitives.ReadUInt64BigEndian(hash) / 18446744073709551616.0;
        return fraction < sample;
    }

    /// <summary>Checks the block and reports the first problem in words.</summary>
    /// <exception cref="FormatException">The block is invalid.</exception>
    public void Validate()
    {
        if (!(Sample is >= 0 and <= 1))
        {
            throw new FormatException($"evaluation.sample must be between 0 and 1 (was {Sample}).");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var candidate in Candidates)
        {
            candidate.Validate();
            if (!names.Add(candidate.Name))
            {
                throw new FormatException($"evaluation.candidates: the name '{candidate.Name}' is used twice.");
            }
        }
    }

    /// <summary>
    /// Checks the block against the pipeline's model steps: each candidate shadows <c>vad</c> or an existing step, a
    /// model-step candidate is not named like a step, and its own inputs/outputs (when given) bind the step's kind and
    /// produce the step's columns with the same names and types.
    /// </summary>
    /// <exception cref="FormatException">The block is invalid.</exception>
    public void Validate(IReadOnlyList<ModelStepDefinition> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        Validate();
        foreach (var candidate in Candidates)
        {
            if (models.Any(m => string.Equals(m.Name, candidate.Name, StringComparison.Ordinal)))
            {
                throw new FormatException($"evaluation.candidates[{candidate.Name}]: the name is already a model step's; candidate names must differ from step names.");
            }

            if (candidate.Shadows == CandidateDefinition.VadStep)
            {
                if (candidate.Inputs is not null || candidate.Outputs is not null || candidate.Channels is not null)
                {
                    throw new FormatException($"evaluation.candidates[{candidate.Name}] shadows vad, which has fixed Silero bindings: remove its inputs, outputs and channels.");
                }

                continue;
            }

            var step = models.FirstOrDefault(m => string.Equals(m.Name, candidate.Shadows, StringComparison.Ordinal))
                ?? throw new FormatException(
                    $"evaluation.candidates[{candidate.Name}].shadows is '{candidate.Shadows}', which is neither 'vad' nor a model step " +
                    $"(steps: {(models.Count == 0 ? "none" : string.Join(", ", models.Select(m => m.Name)))}).");
            var effective = candidate.StepDefinition(step);
            try
            {
                effective.Validate();
            }
            catch (FormatException ex)
            {
                throw new FormatException($"evaluation.candidates[{candidate.Name}]: {ex.Message}", ex);
            }

            var expected = ModelStep.ColumnsOf(step);
            var actual = ModelStep.ColumnsOf(effective);
            if (!expected.SequenceEqual(actual) || !LabelsOf(step).SequenceEqual(LabelsOf(effective)))
            {
                throw new FormatException(
                    $"evaluation.candidates[{candidate.Name}] must produce the columns of step '{step.Name}' with the same names and types " +
                    $"(step: {Describe(step)}; candidate: {Describe(effective)}).");
            }
        }
    }

    private static IEnumerable<string> LabelsOf(ModelStepDefinition step) =>
        step.Outputs.SelectMany(o => o.Labels.Select(l => $"{o.Column}:{l}"));

    private static string Describe(ModelStepDefinition step) => string.Join(", ", step.Outputs.Select(o => o.Type == ModelOutputType.ClassProbabilities
        ? $"{o.Column} class_probabilities [{string.Join("|", o.Labels)}]"
        : $"{o.Column} {o.Type.ToString().ToLowerInvariant()}{(o.Length is { } n ? $"[{n}]" : "")}"));
}

/// <summary>One candidate model of the <c>evaluation:</c> block.</summary>
public sealed partial record CandidateDefinition
{
    /// <summary>Step name the built-in Silero VAD is shadowed under.</summary>
    public const string VadStep = "vad";

    /// <summary>Unique name (<c>[a-z][a-z0-9_]*</c>), recorded as <c>model_name</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary>The production step shadowed: <c>vad</c> or a model step's name.</summary>
    public string Shadows { get; init; } = "";

    /// <summary>Local path or <c>file://</c> URL of the ONNX model; a relative path is looked up in the working directory, then next to the binaries.</summary>
    public string Path { get; init; } = "";

    /// <summary>Expected SHA-256 (hex); checked before the session is created when given.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Version recorded as <c>model_version</c>; defaults to a prefix of the file's SHA-256.</summary>
    public string? Version { get; init; }

    /// <summary><c>auto</c> (CUDA, else CPU), <c>cuda</c> or <c>cpu</c>.</summary>
    public string Provider { get; init; } = "auto";

    /// <summary>Streams batched per model run by the candidate's own batcher.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Model-step candidates only: ONNX input → binding; <see langword="null"/> inherits the step's.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Inputs { get; init; }

    /// <summary>Model-step candidates only: outputs; <see langword="null"/> inherits the step's. Must give the step's column names and types.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ModelOutputDefinition>? Outputs { get; init; }

    /// <summary>Model-step candidates only: channels of <c>sensor_window_matrix</c>; <see langword="null"/> inherits the step's.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Channels { get; init; }

    /// <summary>
    /// The candidate as a model step of <paramref name="step"/>'s kind, loaded by the same catalog rules: its own
    /// location, hash, version (default <c>1</c>), provider and batch size; the step's inputs, outputs, channels and
    /// MFCC size unless it gives its own.
    /// </summary>
    public ModelStepDefinition StepDefinition(ModelStepDefinition step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return step with
        {
            Name = Name,
            Path = Path,
            Sha256 = Sha256?.Trim() ?? "",
            Version = string.IsNullOrWhiteSpace(Version) ? "1" : Version,
            Provider = Provider,
            BatchSize = BatchSize,
            Inputs = Inputs ?? step.Inputs,
            Outputs = Outputs ?? step.Outputs,
            Channels = Channels ?? step.Channels,
        };
    }

    /// <summary>Table the candidate's rows go to: <c>eval_&lt;shadows&gt;</c>.</summary>
    public string TableName => Parquet.EvalTableLayout.TablePrefix + Shadows;

    /// <summary>Checks the candidate and reports the first problem in words.</summary>
    /// <exception cref="FormatException">The candidate is invalid.</exception>
    public void Validate()
    {
        if (!NamePattern().IsMatch(Name))
        {
            throw new FormatException($"evaluation.candidates: name '{Name}' must match [a-z][a-z0-9_]*.");
        }

        if (!NamePattern().IsMatch(Shadows))
        {
            throw new FormatException($"evaluation.candidates[{Name}].shadows must be 'vad' or a model step's name (was '{Shadows}').");
        }

        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new FormatException($"evaluation.candidates[{Name}].path is required.");
        }

        if (Provider is not ("auto" or "cpu" or "cuda"))
        {
            throw new FormatException($"evaluation.candidates[{Name}].provider must be auto, cpu or cuda (was '{Provider}').");
        }

        if (BatchSize is < 1 or > 4096)
        {
            throw new FormatException($"evaluation.candidates[{Name}].batchSize must be between 1 and 4096 (was {BatchSize}).");
        }

        if (Sha256 is { Length: > 0 } sha && (sha.Trim().Length != 64 || !sha.Trim().All(char.IsAsciiHexDigit)))
        {
            throw new FormatException($"evaluation.candidates[{Name}].sha256 must be 64 hex digits.");
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
