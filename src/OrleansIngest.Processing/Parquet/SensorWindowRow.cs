namespace OrleansIngest.Processing.Parquet;

/// <summary>
/// One row of the <c>sensor_windows</c> table: per-channel statistics of one time window of one sensor recording.
/// Column names (snake_case) and Parquet types are a contract; see <see cref="TableSchemas"/>. The per-channel lists
/// (<see cref="Mean"/>, <see cref="Std"/>, …) are parallel to <see cref="ChannelNames"/>.
/// </summary>
public sealed record SensorWindowRow
{
    /// <summary><c>window_id</c> (string): stable id of the window (unit id + window index).</summary>
    public required string WindowId { get; init; }

    /// <summary><c>source_uri</c> (string): the blob or file the window came from.</summary>
    public required string SourceUri { get; init; }

    /// <summary><c>source_etag</c> (string): the version (ETag) of that blob.</summary>
    public required string SourceEtag { get; init; }

    /// <summary><c>sensor_id</c> (string, nullable): the sensor, when the source names one.</summary>
    public string? SensorId { get; init; }

    /// <summary><c>window_index</c> (int32): position of the window within its source, from 0.</summary>
    public required int WindowIndex { get; init; }

    /// <summary><c>start_ts</c> (timestamp, UTC-adjusted, microseconds): first instant of the window.</summary>
    public required DateTimeOffset StartTs { get; init; }

    /// <summary><c>end_ts</c> (timestamp, UTC-adjusted, microseconds): end instant of the window.</summary>
    public required DateTimeOffset EndTs { get; init; }

    /// <summary><c>sample_count</c> (int32): samples (rows of the source) in the window.</summary>
    public required int SampleCount { get; init; }

    /// <summary><c>channel_names</c> (list&lt;string&gt;): the channels, in source order.</summary>
    public required string[] ChannelNames { get; init; }

    /// <summary><c>mean</c> (list&lt;double&gt;): per-channel mean of the non-null samples.</summary>
    public required double[] Mean { get; init; }

    /// <summary><c>std</c> (list&lt;double&gt;): per-channel standard deviation of the non-null samples.</summary>
    public required double[] Std { get; init; }

    /// <summary><c>min</c> (list&lt;double&gt;): per-channel minimum.</summary>
    public required double[] Min { get; init; }

    /// <summary><c>max</c> (list&lt;double&gt;): per-channel maximum.</summary>
    public required double[] Max { get; init; }

    /// <summary>
    /// <c>slope</c> (list&lt;double&gt;): per-channel least-squares trend in units per second; NaN where a channel has
    /// fewer than two samples at distinct times in the window.
    /// </summary>
    public required double[] Slope { get; init; }

    /// <summary><c>null_counts</c> (list&lt;int32&gt;): per-channel count of missing samples.</summary>
    public required int[] NullCounts { get; init; }

    /// <summary><c>pipeline_version</c> (string): version of the pipeline definition that made the row.</summary>
    public required string PipelineVersion { get; init; }

    /// <summary><c>ingested_at</c> (timestamp, UTC-adjusted, microseconds): when the row was made.</summary>
    public required DateTimeOffset IngestedAt { get; init; }

    /// <summary>
    /// Values of the pipeline's model columns by column name (see <see cref="ModelColumn"/>), written after the built-in
    /// columns; <see langword="null"/> or a missing name is written as null.
    /// </summary>
    public IReadOnlyDictionary<string, object?>? ModelColumns { get; init; }
}
