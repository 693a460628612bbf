using global::Parquet;
using global::Parquet.Schema;
using OrleansIngest.Processing.Evaluation;

namespace OrleansIngest.Processing.Parquet;

/// <summary>
/// An <c>eval_&lt;step&gt;</c> table: fixed lineage/model/cost columns around the shadowed step's own output
/// columns, so a model step's outputs become typed columns here exactly as in its production table.
/// </summary>
internal sealed class EvalTableLayout : TableLayout<EvalRow>
{
    /// <summary>Prefix of every evaluation table.</summary>
    public const string TablePrefix = "eval_";

    private static readonly DataField<string> RowId = new("row_id", nullable: false);
    private static readonly DataField<string> UnitId = new("unit_id", nullable: false);
    private static readonly DataField<string> SourceUri = new("source_uri", nullable: false);
    private static readonly DataField<string> SourceEtag = new("source_etag", nullable: false);
    private static readonly DataField<double> StartS = new("start_s", nullable: false);
    private static readonly DataField<double> EndS = new("end_s", nullable: false);
    private static readonly DataField<string> ModelName = new("model_name", nullable: false);
    private static readonly DataField<string> ModelVersion = new("model_version", nullable: false);
    private static readonly DataField<string> ModelSha256 = new("model_sha256", nullable: false);
    private static readonly DataField<string> Role = new("role", nullable: false);
    private static readonly DataField<string> Provider = new("provider", nullable: false);
    private static readonly DataField<double> ComputeSeconds = new("compute_seconds", nullable: false);
    private static readonly DataField<double> MediaSeconds = new("media_seconds", nullable: false);
    private static readonly DataField<string> PipelineVersion = new("pipeline_version", nullable: false);
    private static readonly DateTimeDataField IngestedAt = UtcTimestamp("ingested_at");

    private readonly (EvalOutputColumn Column, Field Field, DataField Data)[] _outputs;
    private readonly DataField[] _floatLists;

    /// <summary>Creates the layout of <c>eval_<paramref name="step"/></c> with the step's output columns.</summary>
    public EvalTableLayout(string step, IReadOnlyList<EvalOutputColumn> outputs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(step);
        ArgumentNullException.ThrowIfNull(outputs);
        TableName = TableNameOf(step);
        Outputs = outputs;
        var reserved = new HashSet<string>(StringComparer.Ordinal)
        {
            "row_id", "unit_id", "source_uri", "source_etag", "start_s", "end_s", "model_name", "model_version", "model_sha256",
            "role", "provider", "compute_seconds", "media_seconds", "pipeline_version", "ingested_at",
        };
        _outputs = [.. outputs.Select(c =>
        {
            if (!reserved.Add(c.Name))
            {
                throw new ArgumentException($"Output column '{c.Name}' of {TableName} clashes with another column.", nameof(outputs));
            }

            return CreateField(c);
        })];
        _floatLists = [.. _outputs.Where(o => o.Column.Type == EvalColumnType.FloatList).Select(o => o.Data)];
        Schema = CreateSchema(
            [
                RowId, UnitId, SourceUri, SourceEtag, StartS, EndS, ModelName, ModelVersion, ModelSha256, Role, Provider,
                ComputeSeconds, MediaSeconds, .. _outputs.Select(o => o.Field), PipelineVersion, IngestedAt,
            ],
            _floatLists);
    }

    /// <summary>The <c>eval_vad</c> layout: Silero's per-frame probabilities and their summaries, as in <c>audio_segments</c>.</summary>
    public static EvalTableLayout Vad { get; } = new(CandidateDefinition.VadStep, VadOutputs);

    /// <summary>Output columns of the <c>vad</c> step.</summary>
    public static IReadOnlyList<EvalOutputColumn> VadOutputs =>
    [
        new("speech_probs", EvalColumnType.FloatList),
        new("speech_prob_mean", EvalColumnType.Float),
        new("speech_ratio", EvalColumnType.Float),
    ];

    /// <summary>The step's output columns, in file order.</summary>
    public IReadOnlyList<EvalOutputColumn> Outputs { get; }

    public override string TableName { get; }

    public override ParquetSchema Schema { get; }

    protected internal override IEnumerable<DataField> FloatListElements => _floatLists;

    /// <summary><c>eval_&lt;step&gt;</c>.</summary>
    public static string TableNameOf(string step) => TablePrefix + step;

    public override void Validate(EvalRow row)
    {
        if (row.Outputs is null || row.Outputs.Count != _outputs.Length)
        {
            throw new ArgumentException($"Row '{row.RowId}' of {TableName} has {row.Outputs?.Count ?? 0} output values, expected {_outputs.Length}.", nameof(row));
        }

        for (var i = 0; i < _outputs.Length; i++)
        {
            var column = _outputs[i].Column;
            var value = row.Outputs[i];
            var ok = column.Type switch
            {
                EvalColumnType.Float => value is float,
                EvalColumnType.Double => value is double,
                EvalColumnType.Int32 => value is int,
                EvalColumnType.Int64 => value is long,
                EvalColumnType.String => value is string,
                EvalColumnType.FloatList => value is float[],
                _ => false,
            };
            if (!ok)
            {
                throw new ArgumentException(
                    $"Row '{row.RowId}' of {TableName}: column '{column.Name}' needs a {column.Type} value, got {value?.GetType().Name ?? "null"}.", nameof(row));
            }
        }
    }

    public override long EstimateBytes(EvalRow row)
    {
        long bytes = (8 * 4) + 8 + Utf8Estimate(row.RowId) + Utf8Estimate(row.UnitId) + Utf8Estimate(row.SourceUri) + Utf8Estimate(row.SourceEtag)
            + Utf8Estimate(row.ModelName) + Utf8Estimate(row.ModelVersion) + Utf8Estimate(row.ModelSha256) + Utf8Estimate(row.Role)
            + Utf8Estimate(row.Provider) + Utf8Estimate(row.PipelineVersion);
        foreach (var value in row.Outputs)
        {
            bytes += value switch
            {
                float[] list => (long)list.Length * sizeof(float),
                string text => Utf8Estimate(text),
                _ => 8,
            };
        }

        return bytes;
    }

    public override async Task WriteColumnsAsync(ParquetRowGroupWriter writer, IReadOnlyList<EvalRow> rows, ParquetOutputSettings settings, CancellationToken cancellationToken)
    {
        await ColumnWrites.StringsAsync(writer, RowId, rows, static r => r.RowId, cancellationToken);
        await ColumnWrites.StringsAsync(writer, UnitId, rows, static r => r.UnitId, cancellationToken);
        await ColumnWrites.StringsAsync(writer, SourceUri, rows, static r => r.SourceUri, cancellationToken);
        await ColumnWrites.StringsAsync(writer, SourceEtag, rows, static r => r.SourceEtag, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, StartS, rows, static r => r.StartS, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, EndS, rows, static r => r.EndS, cancellationToken);
        await ColumnWrites.StringsAsync(writer, ModelName, rows, static r => r.ModelName, cancellationToken);
        await ColumnWrites.StringsAsync(writer, ModelVersion, rows, static r => r.ModelVersion, cancellationToken);
        await ColumnWrites.StringsAsync(writer, ModelSha256, rows, static r => r.ModelSha256, cancellationToken);
        await ColumnWrites.StringsAsync(writer, Role, rows, static r => r.Role, cancellationToken);
        await ColumnWrites.StringsAsync(writer, Provider, rows, static r => r.Provider, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, ComputeSeconds, rows, static r => r.ComputeSeconds, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, MediaSeconds, rows, static r => r.MediaSeconds, cancellationToken);
        for (var i = 0; i < _outputs.Length; i++)
        {
            var index = i;
            var data = _outputs[i].Data;
            switch (_outputs[i].Column.Type)
            {
                case EvalColumnType.Float:
                    await ColumnWrites.ValuesAsync(writer, data, rows, r => (float)r.Outputs[index]!, cancellationToken);
                    break;
                case EvalColumnType.Double:
                    await ColumnWrites.ValuesAsync(writer, data, rows, r => (double)r.Outputs[index]!, cancellationToken);
                    break;
                case EvalColumnType.Int32:
                    await ColumnWrites.ValuesAsync(writer, data, rows, r => (int)r.Outputs[index]!, cancellationToken);
                    break;
                case EvalColumnType.Int64:
                    await ColumnWrites.ValuesAsync(writer, data, rows, r => (long)r.Outputs[index]!, cancellationToken);
                    break;
                case EvalColumnType.String:
                    await ColumnWrites.StringsAsync(writer, data, rows, r => (string)r.Outputs[index]!, cancellationToken);
                    break;
                default:
                    await ColumnWrites.ListAsync(writer, data, rows, r => (float[]?)r.Outputs[index], cancellationToken);
                    break;
            }
        }

        await ColumnWrites.StringsAsync(writer, PipelineVersion, rows, static r => r.PipelineVersion, cancellationToken);
        await ColumnWrites.TimestampsAsync(writer, IngestedAt, rows, static r => r.IngestedAt, cancellationToken);
    }

    private static (EvalOutputColumn, Field, DataField) CreateField(EvalOutputColumn column)
    {
        DataField data = column.Type switch
        {
            EvalColumnType.Float => new DataField<float>(column.Name, nullable: false),
            EvalColumnType.Double => new DataField<double>(column.Name, nullable: false),
            EvalColumnType.Int32 => new DataField<int>(column.Name, nullable: false),
            EvalColumnType.Int64 => new DataField<long>(column.Name, nullable: false),
            EvalColumnType.String => new DataField<string>(column.Name, nullable: false),
            EvalColumnType.FloatList => RequiredElement<float>(),
            _ => throw new ArgumentOutOfRangeException(nameof(column), column.Type, "Unknown output column type."),
        };
        Field field = column.Type == EvalColumnType.FloatList ? new ListField(column.Name, data) : data;
        return (column, field, data);
    }
}
