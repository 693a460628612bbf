namespace OrleansIngest.Processing.Parquet;

/// <summary>
/// One row of the <c>audio_segments</c> table: one speech segment of one source blob version. Column names
/// (snake_case) and Parquet types are a contract shared with the CLI, the tests and downstream readers; see
/// <see cref="TableSchemas"/>.
/// </summary>
public sealed record AudioSegmentRow
{
    /// <summary>Mel bands per frame of <see cref="LogMel"/> (Whisper's 80).</summary>
    public const int MelBands = 80;

    /// <summary><c>segment_id</c> (string): stable id of the segment (unit id + segment index).</summary>
    public required string SegmentId { get; init; }

    /// <summary><c>source_uri</c> (string): the blob or file the segment came from.</summary>
    public required string SourceUri { get; init; }

    /// <summary><c>source_etag</c> (string): the version (ETag) of that blob.</summary>
    public required string SourceEtag { get; init; }

    /// <summary><c>source_bytes</c> (int64): size of that blob version in bytes.</summary>
    public required long SourceBytes { get; init; }

    /// <summary><c>segment_index</c> (int32): position of the segment within its source, from 0.</summary>
    public required int SegmentIndex { get; init; }

    /// <summary><c>start_s</c> (double): segment start, seconds from the start of the source.</summary>
    public required double StartS { get; init; }

    /// <summary><c>end_s</c> (double): segment end, seconds from the start of the source.</summary>
    public required double EndS { get; init; }

    /// <summary><c>sample_rate</c> (int32): sample rate of the features' audio (16000).</summary>
    public required int SampleRate { get; init; }

    /// <summary><c>channels_in</c> (int32): channel count of the source before the mono downmix.</summary>
    public required int ChannelsIn { get; init; }

    /// <summary><c>codec_in</c> (string): codec of the source (e.g. <c>pcm_s16le</c>, <c>flac</c>).</summary>
    public required string CodecIn { get; init; }

    /// <summary>
    /// <c>log_mel</c> (list&lt;float&gt;): Whisper log-mel, 80 × <see cref="LogMelFrames"/> values, band-major
    /// (all frames of band 0, then band 1, …).
    /// </summary>
    public required float[] LogMel { get; init; }

    /// <summary><c>log_mel_frames</c> (int32): frame count of <see cref="LogMel"/>.</summary>
    public required int LogMelFrames { get; init; }

    /// <summary>
    /// <see cref="LogMel"/> was rented from <see cref="Features.LogMelBufferPool.Shared"/>: the table writer returns it
    /// once the row group holding this row is written, and the row must not be read after it was appended.
    /// </summary>
    internal bool LogMelPooled { get; init; }

    /// <summary><c>speech_prob_mean</c> (float): mean VAD speech probability over the segment.</summary>
    public required float SpeechProbMean { get; init; }

    /// <summary><c>speech_ratio</c> (float): fraction of VAD frames above the speech threshold.</summary>
    public required float SpeechRatio { get; init; }

    /// <summary><c>pipeline_version</c> (string): version of the pipeline definition that made the row.</summary>
    public required string PipelineVersion { get; init; }

    /// <summary><c>model_versions</c> (string): the models used (name and hash), as one string.</summary>
    public required string ModelVersions { get; init; }

    /// <summary><c>ingested_at</c> (timestamp, UTC-adjusted, microseconds): when the row was made.</summary>
    public required DateTimeOffset IngestedAt { get; init; }

    /// <summary>
    /// Values of the pipeline's model columns by column name (see <see cref="ModelColumn"/>), written after the built-in
    /// columns; <see langword="null"/> or a missing name is written as null.
    /// </summary>
    public IReadOnlyDictionary<string, object?>? ModelColumns { get; init; }
}
