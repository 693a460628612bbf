using System.Collections;
using System.Globalization;
using global::Parquet.Serialization;

namespace OrleansIngest.Processing.Evaluation;

/// <summary>One row of an evaluation table as read back: the fixed columns, and the step's outputs by column name.</summary>
/// <param name="RowId">The production row id (join key).</param>
/// <param name="UnitId">Unit id.</param>
/// <param name="SourceUri">Source URI.</param>
/// <param name="StartS">Start, seconds.</param>
/// <param name="EndS">End, seconds.</param>
/// <param name="ModelName">Model name.</param>
/// <param name="ModelVersion">Model version.</param>
/// <param name="ModelSha256">Model SHA-256.</param>
/// <param name="Role">baseline or candidate.</param>
/// <param name="Provider">Execution provider.</param>
/// <param name="ComputeSeconds">Attributed compute time.</param>
/// <param name="MediaSeconds">Media seconds.</param>
/// <param name="Outputs">Output values: <see cref="double"/> for numbers, <see cref="string"/>, or <c>float[]</c> for lists.</param>
public sealed record EvalRecord(
    string RowId,
    string UnitId,
    string SourceUri,
    double StartS,
    double EndS,
    string ModelName,
    string ModelVersion,
    string ModelSha256,
    string Role,
    string Provider,
    double ComputeSeconds,
    double MediaSeconds,
    IReadOnlyDictionary<string, object?> Outputs);

/// <summary>Reads evaluation-table Parquet files (the caller passes only committed files).</summary>
public static class EvalTableReader
{
    private static readonly HashSet<string> FixedColumns = new(StringComparer.Ordinal)
    {
        "row_id", "unit_id", "source_uri", "source_etag", "start_s", "end_s", "model_name", "model_version", "model_sha256",
        "role", "provider", "compute_seconds", "media_seconds", "pipeline_version", "ingested_at",
    };

    /// <summary>Reads every row of one file.</summary>
    /// <exception cref="InvalidDataException">The file lacks a column every evaluation table has.</exception>
    public static async Task<IReadOnlyList<EvalRecord>> ReadAsync(Stream file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        var result = await ParquetSerializer.DeserializeUntypedAsync(file, cancellationToken: cancellationToken);
        var records = new List<EvalRecord>(result.Data.Count);
        foreach (var row in result.Data)
        {
            var outputs = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (name, value) in row)
            {
                if (!FixedColumns.Contains(name))
                {
                    outputs[name] = Normalize(value);
                }
            }

            records.Add(new EvalRecord(
                Text(row, "row_id"), Text(row, "unit_id"), Text(row, "source_uri"), Number(row, "start_s"), Number(row, "end_s"),
                Text(row, "model_name"), Text(row, "model_version"), Text(row, "model_sha256"), Text(row, "role"), Text(row, "provider"),
                Number(row, "compute_seconds"), Number(row, "media_seconds"), outputs));
        }

        return records;
    }

    private static string Text(Dictionary<string, object> row, string column) =>
        row.TryGetValue(column, out var value) && value is not null
            ? Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""
            : throw new InvalidDataException($"The evaluation file has no '{column}' column.");

    private static double Number(Dictionary<string, object> row, string column) =>
        row.TryGetValue(column, out var value) && value is not null
            ? Convert.ToDouble(value, CultureInfo.InvariantCulture)
            : throw new InvalidDataException($"The evaluation file has no '{column}' column.");

    private static object? Normalize(object? value) => value switch
    {
        null => null,
        string text => text,
        float or double or int or long or short or byte => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        bool flag => flag ? 1.0 : 0.0,
        IEnumerable list => list.Cast<object?>().Select(v => v is null ? float.NaN : Convert.ToSingle(v, CultureInfo.InvariantCulture)).ToArray(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };
}
