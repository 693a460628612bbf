using global::Parquet;
using global::Parquet.Schema;

namespace OrleansIngest.Processing.Parquet;

/// <summary>The <c>sensor_windows</c> table.</summary>
internal sealed class SensorWindowLayout : TableLayout<SensorWindowRow>
{
    public const string Name = "sensor_windows";

    // Fixed-width columns plus list and page bookkeeping.
    private const long FixedRowBytes = 4 + 8 + 8 + 4 + 8 + 32;

    // Per channel: five doubles, one int32 and the level bytes of seven lists.
    private const long PerChannelBytes = (5 * sizeof(double)) + sizeof(int) + 7;

    private static readonly DataField<string> WindowId = new("window_id", nullable: false);
    private static readonly DataField<string> SourceUri = new("source_uri", nullable: false);
    private static readonly DataField<string> SourceEtag = new("source_etag", nullable: false);
    private static readonly DataField<string> SensorId = new("sensor_id", nullable: true);
    private static readonly DataField<int> WindowIndex = new("window_index", nullable: false);
    private static readonly DateTimeDataField StartTs = UtcTimestamp("start_ts");
    private static readonly DateTimeDataField EndTs = UtcTimestamp("end_ts");
    private static readonly DataField<int> SampleCount = new("sample_count", nullable: false);
    private static readonly DataField<string> ChannelNameElement = RequiredElement<string>();
    private static readonly ListField ChannelNames = new("channel_names", ChannelNameElement);
    private static readonly DataField<double> MeanElement = RequiredElement<double>();
    private static readonly ListField Mean = new("mean", MeanElement);
    private static readonly DataField<double> StdElement = RequiredElement<double>();
    private static readonly ListField Std = new("std", StdElement);
    private static readonly DataField<double> MinElement = RequiredElement<double>();
    private static readonly ListField Min = new("min", MinElement);
    private static readonly DataField<double> MaxElement = RequiredElement<double>();
    private static readonly ListField Max = new("max", MaxElement);
    private static readonly DataField<double> SlopeElement = RequiredElement<double>();
    private static readonly ListField Slope = new("slope", SlopeElement);
    private static readonly DataField<int> NullCountElement = RequiredElement<int>();
    private static readonly ListField NullCounts = new("null_counts", NullCountElement);
    private static readonly DataField<string> PipelineVersion = new("pipeline_version", nullable: false);
    private static readonly DateTimeDataField IngestedAt = UtcTimestamp("ingested_at");

    private static readonly ParquetSchema TableSchema = CreateSchema(
        [
            WindowId, SourceUri, SourceEtag, SensorId, WindowIndex, StartTs, EndTs, SampleCount,
            ChannelNames, Mean, Std, Min, Max, Slope, NullCounts, PipelineVersion, IngestedAt,
        ],
        [ChannelNameElement, MeanElement, StdElement, MinElement, MaxElement, SlopeElement, NullCountElement]);

    private SensorWindowLayout()
    {
    }

    public static SensorWindowLayout Instance { get; } = new();

    public override string TableName => Name;

    public override ParquetSchema Schema => TableSchema;

    protected internal override IEnumerable<DataField> FloatListElements => [MeanElement, StdElement, MinElement, MaxElement, SlopeElement];

    public override void Validate(SensorWindowRow row)
    {
        var channels = row.ChannelNames?.Length
            ?? throw new ArgumentException($"Window '{row.WindowId}': channel_names is null.", nameof(row));
        if (row.Mean?.Length != channels || row.Std?.Length != channels || row.Min?.Length != channels
            || row.Max?.Length != channels || row.Slope?.Length != channels || row.NullCounts?.Length != channels)
        {
            throw new ArgumentException(
                $"Window '{row.WindowId}': mean, std, min, max, slope and null_counts must each have one value per channel ({channels}).",
                nameof(row));
        }

        if (row.EndTs < row.StartTs)
        {
            throw new ArgumentException($"Window '{row.WindowId}': end_ts is before start_ts.", nameof(row));
        }
    }

    public override long EstimateBytes(SensorWindowRow row)
    {
        var channels = (long)(row.ChannelNames?.Length ?? 0);
        long names = 0;
        foreach (var name in row.ChannelNames ?? [])
        {
            names += Utf8Estimate(name);
        }

        return FixedRowBytes
            + Utf8Estimate(row.WindowId) + Utf8Estimate(row.SourceUri) + Utf8Estimate(row.SourceEtag) + Utf8Estimate(row.SensorId)
            + Utf8Estimate(row.PipelineVersion) + names + (channels * PerChannelBytes);
    }

    public override async Task WriteColumnsAsync(ParquetRowGroupWriter writer, IReadOnlyList<SensorWindowRow> rows, ParquetOutputSettings settings, CancellationToken cancellationToken)
    {
        await ColumnWrites.StringsAsync(writer, WindowId, rows, static r => r.WindowId, cancellationToken);
        await ColumnWrites.StringsAsync(writer, SourceUri, rows, static r => r.SourceUri, cancellationToken);
        await ColumnWrites.StringsAsync(writer, SourceEtag, rows, static r => r.SourceEtag, cancellationToken);
        await ColumnWrites.NullableStringsAsync(writer, SensorId, rows, static r => r.SensorId, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, WindowIndex, rows, static r => r.WindowIndex, cancellationToken);
        await ColumnWrites.TimestampsAsync(writer, StartTs, rows, static r => r.StartTs, cancellationToken);
        await ColumnWrites.TimestampsAsync(writer, EndTs, rows, static r => r.EndTs, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, SampleCount, rows, static r => r.SampleCount, cancellationToken);
        await ColumnWrites.StringListAsync(writer, ChannelNameElement, rows, static r => r.ChannelNames, cancellationToken);
        await ColumnWrites.ListAsync(writer, MeanElement, rows, static r => r.Mean, cancellationToken);
        await ColumnWrites.ListAsync(writer, StdElement, rows, static r => r.Std, cancellationToken);
        await ColumnWrites.ListAsync(writer, MinElement, rows, static r => r.Min, cancellationToken);
        await ColumnWrites.ListAsync(writer, MaxElement, rows, static r => r.Max, cancellationToken);
        await ColumnWrites.ListAsync(writer, SlopeElement, rows, static r => r.Slope, cancellationToken);
        await ColumnWrites.ListAsync(writer, NullCountElement, rows, static r => r.NullCounts, cancellationToken);
        await ColumnWrites.StringsAsync(writer, PipelineVersion, rows, static r => r.PipelineVersion, cancellationToken);
        await ColumnWrites.TimestampsAsync(writer, IngestedAt, rows, static r => r.IngestedAt, cancellationToken);
    }
}
