using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Processing.Parquet;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace OrleansIngest.Processing.Pipeline;

/// <summary>What a route does with the files it matches.</summary>
public enum RouteKind
{
    /// <summary>Decode audio, segment, extract log-mel, run VAD → <c>audio_segments</c>-shaped rows.</summary>
    Audio,

    /// <summary>Parse sensor CSV or JSON Lines, window, compute statistics → <c>sensor_windows</c>-shaped rows.</summary>
    Sensor,
}

/// <summary>Sends files whose relative path matches one of <see cref="Match"/> to <see cref="Table"/>.</summary>
public sealed record RouteDefinition
{
    /// <summary>Glob patterns over the path below the source root (<c>*.wav</c>, <c>calls/**/*.wav</c>); case-insensitive.</summary>
    public IReadOnlyList<string> Match { get; init; } = [];

    /// <summary>Output table (a folder under the output root).</summary>
    public string Table { get; init; } = "";

    /// <summary>How matched files are processed.</summary>
    public RouteKind Kind { get; init; }

    /// <summary>Sensitivity of this route's table, overriding the pipeline's (see <see cref="SensitivityPolicy"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SensitivityTier? Sensitivity { get; init; }

    /// <summary>Columns added to the table beyond the built-in ones of <see cref="Kind"/>, with their classes, checked against the tier.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ColumnDeclaration>? Columns { get; init; }
}

/// <summary>Audio processing settings.</summary>
public sealed record AudioDefinition
{
    /// <summary>Segment length in seconds (Whisper's window is 30 s). The last segment is shorter, never padded.</summary>
    public double SegmentSeconds { get; init; } = 30;

    /// <summary>Path of the Silero VAD model; empty means the model shipped next to the binaries.</summary>
    public string VadModelPath { get; init; } = "";

    /// <summary>Expected SHA-256 of the VAD model (hex); empty skips the check.</summary>
    public string VadModelSha256 { get; init; } = "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3";

    /// <summary>Probability above which a 32 ms frame counts as speech.</summary>
    public float SpeechThreshold { get; init; } = 0.5f;
}

/// <summary>Sensor processing settings.</summary>
public sealed record SensorDefinition
{
    /// <summary>Window length in seconds; windows are aligned to the first timestamp.</summary>
    public double WindowSeconds { get; init; } = 10;
}

/// <summary>Output file settings.</summary>
public sealed record OutputDefinition
{
    /// <summary>A data file is closed and committed once it reaches this size.</summary>
    public long TargetFileBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>A data file is committed at the latest this long after its first row, so progress is visible.</summary>
    public double MaxFileSeconds { get; init; } = 60;

    /// <summary>
    /// Rows per Parquet row group at most. Default <see cref="ParquetOutputSettings.DefaultRowGroupRows"/> (DuckDB's
    /// row group size): a cap for tables of tiny rows; <see cref="RowGroupBytes"/> is what closes row groups.
    /// </summary>
    public int RowGroupRows { get; init; } = ParquetOutputSettings.DefaultRowGroupRows;

    /// <summary>
    /// A row group is also written once its rows' estimated raw size reaches this many bytes (0: rows only). 3 MiB
    /// closes audio row groups at four 30 s log-mel rows: a silo's page buffers stay at 4 MB, and its peak memory
    /// flat from a 1 h to a 10 h file (README, Benchmarks). Sensor windows (~0.5 KB each) fill it at a few thousand.
    /// </summary>
    public long RowGroupBytes { get; init; } = ParquetOutputSettings.DefaultRowGroupBytes;

    /// <summary>
    /// Mantissa bits of float32 kept when log-mel is stored: 23 stores it exactly; the default, 15, within a relative
    /// 2^−16 (1.5e-5 for |x| &lt; 2), for ~30% smaller files that cost less to write (<see cref="MantissaRounding"/>).
    /// </summary>
    public int LogMelMantissaBits { get; init; } = MantissaRounding.DefaultLogMelMantissaBits;
}

/// <summary>
/// A declarative pipeline: routes by file path to tables, with the settings of each processing kind.
/// Loaded from JSON or YAML (camelCase keys); <see cref="Default"/> is used when none is given.
/// </summary>
public sealed record PipelineDefinition
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        // YAML scalars arrive as strings after the YAML → JSON step.
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Pipeline name, recorded in lineage.</summary>
    public string Name { get; init; } = "default";

    /// <summary>Operator-chosen version, recorded in lineage together with a hash of the definition.</summary>
    public string Version { get; init; } = "1";

    /// <summary>Routes, tried in order; the first match wins. Files matching none are skipped and counted.</summary>
    public IReadOnlyList<RouteDefinition> Routes { get; init; } = [];

    /// <summary>Audio settings.</summary>
    public AudioDefinition Audio { get; init; } = new();

    /// <summary>Sensor settings.</summary>
    public SensorDefinition Sensor { get; init; } = new();

    /// <summary>Output settings.</summary>
    public OutputDefinition Output { get; init; } = new();

    /// <summary>Model steps, run on each row of their kind after its built-in features; their outputs become extra columns.</summary>
    public IReadOnlyList<ModelStepDefinition> Models { get; init; } = [];

    /// <summary>
    /// The sensor anomaly model step of the default pipeline: <c>models/sensor_anomaly.onnx</c> (trained by
    /// <c>tools/sensor-model</c>) on the <c>temperature, humidity, voc, co2</c> channels of each window →
    /// <c>anomaly_class</c> (probabilities of normal, drift, spike, stuck), <c>anomaly_class_label</c> and
    /// <c>anomaly_score</c> (1 − P(normal)). Windows without those four channels get null model columns.
    /// </summary>
    public static ModelStepDefinition SensorAnomalyStep { get; } = new()
    {
        Name = "sensor_anomaly",
        AppliesTo = ModelAppliesTo.Sensor,
        Path = "models/sensor_anomaly.onnx",
        Sha256 = SensorAnomalySha256,
        Version = "1",
        BatchSize = 64,
        Inputs = new Dictionary<string, string> { ["x"] = ModelBindings.SensorWindowMatrix },
        Channels = ["temperature", "humidity", "voc", "co2"],
        Outputs =
        [
            new ModelOutputDefinition { Tensor = "probabilities", Column = "anomaly_class", Type = ModelOutputType.ClassProbabilities, Labels = ["normal", "drift", "spike", "stuck"] },
            new ModelOutputDefinition { Tensor = "anomaly_score", Column = "anomaly_score", Type = ModelOutputType.Float },
        ],
    };

    /// <summary>SHA-256 of the committed <c>models/sensor_anomaly.onnx</c>.</summary>
    public const string SensorAnomalySha256 = "0161c32e1ae0be674a86295900b560f24ebcc39ee4a13512568dd28bb2d8e43e";

    /// <summary>Shadow evaluation of candidate models on a sample of units; <see langword="null"/> (absent) runs none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Evaluation.EvaluationDefinition? Evaluation { get; init; }

    /// <summary>Sensitivity of every table unless a route overrides it; null means internal (see <see cref="SensitivityPolicy"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SensitivityTier? Sensitivity { get; init; }

    /// <summary>
    /// The default pipeline: audio files (<c>.wav .wave .flac .mp3 .ogg .oga .opus .m4a .mp4 .aac</c>) →
    /// <c>audio_segments</c>; <c>*.csv</c>, <c>*.jsonl</c>, <c>*.ndjson</c> (each also gzip-compressed,
    /// <c>*.csv.gz</c> …) → <c>sensor_windows</c>. The extension only routes a file; its decoder is chosen by
    /// content. M4A, MP4 and AAC need ffmpeg on the node. Sensor windows run <see cref="SensorAnomalyStep"/>.
    /// </summary>
    public static PipelineDefinition Default { get; } = new()
    {
        Routes =
        [
            new RouteDefinition
            {
                Match = ["**/*.wav", "**/*.wave", "**/*.flac", "**/*.mp3", "**/*.ogg", "**/*.oga", "**/*.opus", "**/*.m4a", "**/*.mp4", "**/*.aac"],
                Table = "audio_segments",
                Kind = RouteKind.Audio,
            },
            new RouteDefinition { Match = ["**/*.csv", "**/*.jsonl", "**/*.ndjson", "**/*.csv.gz", "**/*.jsonl.gz", "**/*.ndjson.gz"], Table = "sensor_windows", Kind = RouteKind.Sensor },
        ],
        Models = [SensorAnomalyStep],
    };

    /// <summary>
    /// Lineage string: <c>name@version+hash</c>, where the hash covers the whole definition, so two runs with
    /// different settings never share a pipeline version.
    /// </summary>
    [JsonIgnore]
    public string LineageVersion
    {
        get
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(ToJson()));
            return $"{Name}@{Version}+{Convert.ToHexStringLower(hash)[..12]}";
        }
    }

    /// <summary>Canonical JSON form (used to ship the definition to grains and for the version hash).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses a definition from JSON.</summary>
    public static PipelineDefinition FromJson(string json) =>
        Validate(JsonSerializer.Deserialize<PipelineDefinition>(json, JsonOptions) ?? throw new FormatException("The pipeline definition is empty."));

    /// <summary>Loads a definition from a <c>.json</c>, <c>.yaml</c> or <c>.yml</c> file.</summary>
    public static PipelineDefinition Load(string path)
    {
        var text = File.ReadAllText(path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension is ".yaml" or ".yml" ? FromYaml(text) : FromJson(text);
    }

    /// <summary>Parses a definition given as text (an API request): JSON when it starts with <c>{</c>, YAML otherwise.</summary>
    public static PipelineDefinition FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.TrimStart().StartsWith('{') ? FromJson(text) : FromYaml(text);
    }

    // YAML → object graph → JSON, so both formats share one binder and one set of validation rules.
    private static PipelineDefinition FromYaml(string text)
    {
        var yaml = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build().Deserialize<object>(text);
        var json = new SerializerBuilder().JsonCompatible().Build().Serialize(yaml);
        return FromJson(json);
    }

    /// <summary>Checks the definition and reports the first problem in words.</summary>
    public static PipelineDefinition Validate(PipelineDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Routes.Count == 0)
        {
            throw new FormatException("The pipeline has no routes.");
        }

        foreach (var route in definition.Routes)
        {
            if (route.Match.Count == 0 || string.IsNullOrWhiteSpace(route.Table))
            {
                throw new FormatException("Every route needs at least one 'match' glob and a 'table'.");
            }

            if (route.Table.IndexOfAny(['/', '\\', '.']) >= 0 || route.Table.StartsWith('_'))
            {
                throw new FormatException($"Table name '{route.Table}' must be a plain folder name.");
            }
        }

        if (definition.Audio.SegmentSeconds is < 1 or > 3600)
        {
            throw new FormatException($"audio.segmentSeconds must be between 1 and 3600 (was {definition.Audio.SegmentSeconds}).");
        }

        if (definition.Sensor.WindowSeconds is <= 0 or > 86400)
        {
            throw new FormatException($"sensor.windowSeconds must be between 0 and 86400 (was {definition.Sensor.WindowSeconds}).");
        }

        if (definition.Output.TargetFileBytes < 1024 || definition.Output.RowGroupRows < 1 || definition.Output.RowGroupBytes < 0)
        {
            throw new FormatException("output.targetFileBytes must be ≥ 1024, output.rowGroupRows ≥ 1 and output.rowGroupBytes ≥ 0.");
        }

        if (!MantissaRounding.IsValidBitCount(definition.Output.LogMelMantissaBits))
        {
            throw new FormatException($"output.logMelMantissaBits must be between 1 and {MantissaRounding.FullMantissaBits} (23 stores log-mel exactly), was {definition.Output.LogMelMantissaBits}.");
        }

        ValidateModels(definition.Models);
        definition.Evaluation?.Validate(definition.Models);

        SensitivityPolicy.Enforce(definition);
        ModelSourcePolicy.Enforce(definition);
        return definition;
    }

    private static void ValidateModels(IReadOnlyList<ModelStepDefinition> models)
    {
        foreach (var model in models)
        {
            model.Validate();
        }

        if (models.Select(m => m.Name).Distinct(StringComparer.Ordinal).Count() != models.Count)
        {
            throw new FormatException("Model step names must be unique.");
        }

        foreach (var kind in models.GroupBy(m => m.AppliesTo))
        {
            var columns = kind.SelectMany(m => m.Outputs.SelectMany(o => o.Type == ModelOutputType.ClassProbabilities ? [o.Column, o.Column + "_label"] : new[] { o.Column })).ToList();
            if (columns.Distinct(StringComparer.Ordinal).Count() != columns.Count)
            {
                throw new FormatException($"The {kind.Key.ToString().ToLowerInvariant()} model steps write the same column twice.");
            }
        }
    }

    /// <summary>The first route whose globs match <paramref name="relativePath"/>, or null.</summary>
    public RouteDefinition? RouteFor(string relativePath) =>
        Routes.FirstOrDefault(r => r.Match.Any(glob => Glob.IsMatch(glob, relativePath)));
}
