using OrleansIngest.Processing.Parquet;

namespace OrleansIngest.Processing.Tests.Parquet;

[Trait("Category", "Unit")]
public sealed class TableSchemasTests
{
    // The contract, spelled out independently of the implementation.
    internal static readonly string[] AudioColumns =
    [
        "segment_id", "source_uri", "source_etag", "source_bytes", "segment_index", "start_s", "end_s", "sample_rate",
        "channels_in", "codec_in", "log_mel", "log_mel_frames", "speech_prob_mean", "speech_ratio", "pipeline_version",
        "model_versions", "ingested_at",
    ];

    internal static readonly string[] SensorColumns =
    [
        "window_id", "source_uri", "source_etag", "sensor_id", "window_index", "start_ts", "end_ts", "sample_count",
        "channel_names", "mean", "std", "min", "max", "slope", "null_counts", "pipeline_version", "ingested_at",
    ];

    [Fact]
    public void TableSchemas_AudioSegmentsHasTheContractColumnsInOrder()
    {
        Assert.Equal(AudioColumns, TableSchemas.GetColumnNames(TableSchemas.AudioSegments));
    }

    [Fact]
    public void TableSchemas_SensorWindowsHasTheContractColumnsInOrder()
    {
        Assert.Equal(SensorColumns, TableSchemas.GetColumnNames(TableSchemas.SensorWindows));
    }

    [Fact]
    public void TableSchemas_NamesBothTables()
    {
        Assert.Equal(["audio_segments", "sensor_windows"], TableSchemas.TableNames);
        Assert.Equal("audio_segments", TableSchemas.GetTableName<AudioSegmentRow>());
        Assert.Equal("sensor_windows", TableSchemas.GetTableName<SensorWindowRow>());
    }

    [Fact]
    public void TableSchemas_RejectsUnknownTable()
    {
        Assert.Throws<ArgumentException>(() => TableSchemas.GetSchema("video_frames"));
    }

    [Fact]
    public void TableSchemas_RejectsRowTypeWithoutTable()
    {
        Assert.Throws<NotSupportedException>(() => TableSchemas.GetTableName<string>());
    }
}
