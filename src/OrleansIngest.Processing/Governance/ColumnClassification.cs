using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Governance;

/// <summary>A column a pipeline step adds to its route's table (model inputs kept for training, model outputs), with its class.</summary>
public sealed record ColumnDeclaration
{
    /// <summary>Column name (snake_case, as written to Parquet).</summary>
    public string Name { get; init; } = "";

    /// <summary>What the column holds. Names that say raw content (<c>pcm*</c>, <c>audio_*</c>, <c>waveform*</c>, <c>raw_*</c>) are raw content whatever is declared.</summary>
    public ColumnClass Class { get; init; } = ColumnClass.Derived;
}

/// <summary>The class of every column a route writes: the built-in columns of its kind plus those it declares.</summary>
public static class ColumnClassification
{
    private static readonly Dictionary<string, ColumnClass> AudioColumns = new(StringComparer.Ordinal)
    {
        ["segment_id"] = ColumnClass.Lineage,
        ["source_uri"] = ColumnClass.Identifier,
        ["source_etag"] = ColumnClass.Lineage,
        ["source_bytes"] = ColumnClass.Lineage,
        ["segment_index"] = ColumnClass.Derived,
        ["start_s"] = ColumnClass.Derived,
        ["end_s"] = ColumnClass.Derived,
        ["sample_rate"] = ColumnClass.Derived,
        ["channels_in"] = ColumnClass.Derived,
        ["codec_in"] = ColumnClass.Derived,
        ["log_mel"] = ColumnClass.DerivedInvertible,
        ["log_mel_frames"] = ColumnClass.Derived,
        ["speech_prob_mean"] = ColumnClass.Derived,
        ["speech_ratio"] = ColumnClass.Derived,
        ["pipeline_version"] = ColumnClass.Lineage,
        ["model_versions"] = ColumnClass.Lineage,
        ["ingested_at"] = ColumnClass.Lineage,
    };

    private static readonly Dictionary<string, ColumnClass> SensorColumns = new(StringComparer.Ordinal)
    {
        ["window_id"] = ColumnClass.Lineage,
        ["source_uri"] = ColumnClass.Identifier,
        ["source_etag"] = ColumnClass.Lineage,
        ["sensor_id"] = ColumnClass.Derived,
        ["window_index"] = ColumnClass.Derived,
        ["start_ts"] = ColumnClass.Derived,
        ["end_ts"] = ColumnClass.Derived,
        ["sample_count"] = ColumnClass.Derived,
        ["channel_names"] = ColumnClass.Derived,
        ["mean"] = ColumnClass.Derived,
        ["std"] = ColumnClass.Derived,
        ["min"] = ColumnClass.Derived,
        ["max"] = ColumnClass.Derived,
        ["slope"] = ColumnClass.Derived,
        ["null_counts"] = ColumnClass.Derived,
        ["pipeline_version"] = ColumnClass.Lineage,
        ["ingested_at"] = ColumnClass.Lineage,
    };

    private static readonly string[] RawPrefixes = ["pcm", "audio_", "waveform", "raw_"];

    /// <summary>The built-in columns of a route kind and their classes, in file order.</summary>
    public static IReadOnlyList<(string Name, ColumnClass Class)> BuiltIn(RouteKind kind)
    {
        var (table, classes) = kind == RouteKind.Audio ? (TableSchemas.AudioSegments, AudioColumns) : (TableSchemas.SensorWindows, SensorColumns);
        return [.. TableSchemas.GetColumnNames(table).Select(name => (name, classes[name]))];
    }

    /// <summary>Every column <paramref name="route"/> writes, built-in then declared.</summary>
    public static IReadOnlyList<(string Name, ColumnClass Class)> For(RouteDefinition route)
    {
        ArgumentNullException.ThrowIfNull(route);
        var columns = BuiltIn(route.Kind).ToList();
        foreach (var declared in route.Columns ?? [])
        {
            if (declared is null || string.IsNullOrWhiteSpace(declared.Name))
            {
                throw new FormatException($"Table '{route.Table}': every declared column needs a name.");
            }

            columns.Add((declared.Name, Effective(declared)));
        }

        return columns;
    }

    /// <summary>The class a declared column is treated as: its declaration, raised to raw content when its name says so.</summary>
    public static ColumnClass Effective(ColumnDeclaration declaration)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        var name = declaration.Name.ToLowerInvariant();
        return RawPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)) || name.EndsWith("_pcm", StringComparison.Ordinal)
            ? ColumnClass.RawContent
            : declaration.Class;
    }
}
