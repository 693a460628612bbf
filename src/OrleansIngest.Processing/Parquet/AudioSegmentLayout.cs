using global::Parquet;
using global::Parquet.Schema;

namespace OrleansIngest.Processing.Parquet;

/// <summary>The <c>audio_segments</c> table.</summary>
internal sealed class AudioSegmentLayout : TableLayout<AudioSegmentRow>
{
    public const string Name = "audio_segments";

    /// <summary>Footer key: the mantissa bits log-mel was stored with (23: exact float32; see <see cref="MantissaRounding"/>).</summary>
    public const string LogMelMantissaBitsKey = "orleans_ingest.log_mel.mantissa_bits";

    // Per-row overhead of the fixed-width columns plus the list and page bookkeeping.
    private const long FixedRowBytes = 8 + 4 + 8 + 8 + 4 + 4 + 4 + 4 + 4 + 8 + 16;

    private static readonly DataField<string> SegmentId = new("segment_id", nullable: false);
    private static readonly DataField<string> SourceUri = new("source_uri", nullable: false);
    private static readonly DataField<string> SourceEtag = new("source_etag", nullable: false);
    private static readonly DataField<long> SourceBytes = new("source_bytes", nullable: false);
    private static readonly DataField<int> SegmentIndex = new("segment_index", nullable: false);
    private static readonly DataField<double> StartS = new("start_s", nullable: false);
    private static readonly DataField<double> EndS = new("end_s", nullable: false);
    private static readonly DataField<int> SampleRate = new("sample_rate", nullable: false);
    private static readonly DataField<int> ChannelsIn = new("channels_in", nullable: false);
    private static readonly DataField<string> CodecIn = new("codec_in", nullable: false);
    private static readonly DataField<float> LogMelElement = RequiredElement<float>();
    private static readonly ListField LogMel = new("log_mel", LogMelElement);
    private static readonly DataField<int> LogMelFrames = new("log_mel_frames", nullable: false);
    private static readonly DataField<float> SpeechProbMean = new("speech_prob_mean", nullable: false);
    private static readonly DataField<float> SpeechRatio = new("speech_ratio", nullable: false);
    private static readonly DataField<string> PipelineVersion = new("pipeline_version", nullable: false);
    private static readonly DataField<string> ModelVersions = new("model_versions", nullable: false);
    private static readonly DateTimeDataField IngestedAt = UtcTimestamp("ingested_at");

    private static readonly ParquetSchema TableSchema = CreateSchema(
        [
            SegmentId, SourceUri, SourceEtag, SourceBytes, SegmentIndex, StartS, EndS, SampleRate, ChannelsIn, CodecIn,
            LogMel, LogMelFrames, SpeechProbMean, SpeechRatio, PipelineVersion, ModelVersions, IngestedAt,
        ],
        [LogMelElement]);

    private AudioSegmentLayout()
    {
    }

    public static AudioSegmentLayout Instance { get; } = new();

    public override string TableName => Name;

    public override ParquetSchema Schema => TableSchema;

    protected internal override IEnumerable<DataField> FloatListElements => [LogMelElement];

    public override void Validate(AudioSegmentRow row)
    {
        if (row.LogMel is null || row.LogMelFrames < 0 || row.LogMel.Length != (long)AudioSegmentRow.MelBands * row.LogMelFrames)
        {
            throw new ArgumentException(
                $"Segment '{row.SegmentId}': log_mel has {row.LogMel?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no"} values, expected {AudioSegmentRow.MelBands} × log_mel_frames ({row.LogMelFrames}).",
                nameof(row));
        }
    }

    public override long EstimateBytes(AudioSegmentRow row) =>
        FixedRowBytes
        + Utf8Estimate(row.SegmentId) + Utf8Estimate(row.SourceUri) + Utf8Estimate(row.SourceEtag) + Utf8Estimate(row.CodecIn)
        + Utf8Estimate(row.PipelineVersion) + Utf8Estimate(row.ModelVersions)
        + ((long)(row.LogMel?.Length ?? 0) * sizeof(float));

    /// <summary>Readers can tell from the footer how precisely log-mel was stored.</summary>
    public override IReadOnlyDictionary<string, string> FileMetadata(ParquetOutputSettings settings) =>
        new Dictionary<string, string> { [LogMelMantissaBitsKey] = settings.LogMelMantissaBits.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    public override void Release(IReadOnlyList<AudioSegmentRow> rows)
    {
        foreach (var row in rows)
        {
            if (row.LogMelPooled)
            {
                Features.LogMelBufferPool.Shared.Return(row.LogMel);
            }
        }
    }

    public override async Task WriteColumnsAsync(ParquetRowGroupWriter writer, IReadOnlyList<AudioSegmentRow> rows, ParquetOutputSettings settings, CancellationToken cancellationToken)
    {
        await ColumnWrites.StringsAsync(writer, SegmentId, rows, static r => r.SegmentId, cancellationToken);
        await ColumnWrites.StringsAsync(writer, SourceUri, rows, static r => r.SourceUri, cancellationToken);
        await ColumnWrites.StringsAsync(writer, SourceEtag, rows, static r => r.SourceEtag, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, SourceBytes, rows, static r => r.SourceBytes, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, SegmentIndex, rows, static r => r.SegmentIndex, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, StartS, rows, static r => r.StartS, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, EndS, rows, static r => r.EndS, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, SampleRate, rows, static r => r.SampleRate, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, ChannelsIn, rows, static r => r.ChannelsIn, cancellationToken);
        await ColumnWrites.StringsAsync(writer, CodecIn, rows, static r => r.CodecIn, cancellationToken);
        await ColumnWrites.FloatListAsync(writer, LogMelElement, rows, static r => r.LogMel, settings.LogMelMantissaBits, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, LogMelFrames, rows, static r => r.LogMelFrames, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, SpeechProbMean, rows, static r => r.SpeechProbMean, cancellationToken);
        await ColumnWrites.ValuesAsync(writer, SpeechRatio, rows, static r => r.SpeechRatio, cancellationToken);
        await ColumnWrites.StringsAsync(writer, PipelineVersion, rows, static r => r.PipelineVersion, cancellationToken);
        await ColumnWrites.StringsAsync(writer, ModelVersions, rows, static r => r.ModelVersions, cancellationToken);
        await ColumnWrites.TimestampsAsync(writer, IngestedAt, rows, static r => r.IngestedAt, cancellationToken);
    }
}
