using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansIngest.Processing.Synthetic;

/// <summary>How an ingest run should treat a generated file.</summary>
public enum CorpusFileKind
{
    /// <summary>A decodable WAV file: becomes audio segments.</summary>
    Audio,

    /// <summary>A valid sensor CSV file: becomes sensor windows.</summary>
    Sensor,

    /// <summary>A file no pipeline route matches: ignored.</summary>
    Skip,

    /// <summary>A broken file: must be quarantined with a reason containing <see cref="CorpusFile.ReasonKeyword"/>.</summary>
    Bad,
}

/// <summary>One generated file and what ingesting it should give.</summary>
/// <param name="RelativePath">Path under the corpus folder, with '/' separators.</param>
/// <param name="Kind">How it should be treated.</param>
/// <param name="SizeBytes">File size.</param>
public sealed record CorpusFile(string RelativePath, CorpusFileKind Kind, long SizeBytes)
{
    /// <summary>Audio: exact duration (frames / sample rate) in seconds.</summary>
    public double? DurationSeconds { get; init; }

    /// <summary>Audio: sample rate in Hz.</summary>
    public int? SampleRate { get; init; }

    /// <summary>Audio: channel count.</summary>
    public int? Channels { get; init; }

    /// <summary>Audio: sample encoding.</summary>
    public WavSampleFormat? SampleFormat { get; init; }

    /// <summary>Sensor: windows a reader with 10 s windows yields, summed over sensors.</summary>
    public int? WindowCount { get; init; }

    /// <summary>Sensor: data rows.</summary>
    public int? RowCount { get; init; }

    /// <summary>Sensor: distinct sensor ids (1 when the file has no sensor_id column).</summary>
    public int? SensorCount { get; init; }

    /// <summary>Bad: a word the quarantine reason should contain (compare case-insensitively).</summary>
    public string? ReasonKeyword { get; init; }

    /// <summary>What the file is, for people.</summary>
    public string? Description { get; init; }
}

/// <summary>Everything <see cref="CorpusGenerator"/> wrote, in a fixed order.</summary>
/// <param name="Seed">The seed the corpus came from.</param>
/// <param name="Files">Audio files, then sensor files, then skipped and bad files.</param>
public sealed record CorpusManifest(int Seed, IReadOnlyList<CorpusFile> Files)
{
    /// <summary>The window length <see cref="CorpusFile.WindowCount"/> assumes.</summary>
    public static readonly TimeSpan SensorWindowLength = TimeSpan.FromSeconds(10);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Total audio seconds over the audio files.</summary>
    public double TotalAudioSeconds => Files.Where(f => f.Kind == CorpusFileKind.Audio).Sum(f => f.DurationSeconds ?? 0);

    /// <summary>The files of one kind.</summary>
    public IEnumerable<CorpusFile> OfKind(CorpusFileKind kind) => Files.Where(f => f.Kind == kind);

    /// <summary>Serialises the manifest (camelCase JSON, enums as names).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a manifest written by <see cref="ToJson"/>.</summary>
    public static CorpusManifest FromJson(string json) =>
        JsonSerializer.Deserialize<CorpusManifest>(json, JsonOptions) ?? throw new JsonException("The manifest is null.");
}
