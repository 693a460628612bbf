namespace OrleansIngest.Processing.Sensors;

/// <summary>Windowing, parsing and safety bounds for the sensor readers (<see cref="SensorFileReader"/> and the format readers).</summary>
public sealed record SensorWindowSettings
{
    /// <summary>The defaults: 10 s windows, 1 MiB lines, two passes (see <see cref="AssumeSorted"/>).</summary>
    public static SensorWindowSettings Default { get; } = new();

    /// <summary>Length of a window; windows are aligned to each sensor's earliest timestamp. Default 10 s.</summary>
    public TimeSpan WindowLength { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Longest accepted line in bytes, so that one line cannot exhaust memory: a longer line fails as soon as this
    /// many bytes have been read without a line break. Default 1 MiB.
    /// </summary>
    public int MaxLineBytes { get; init; } = 1 << 20;

    /// <summary>Most distinct <c>sensor_id</c> values in one file. Default 10 000.</summary>
    public int MaxSensors { get; init; } = 10_000;

    /// <summary>Most channels in one file (CSV value columns, or distinct JSON Lines value names). Default 4096.</summary>
    public int MaxChannels { get; init; } = 4096;

    /// <summary>
    /// Most windows held at once over all sensors. Sorted series hold one window per sensor; an unsorted series
    /// holds every window it touches until the end of the file. Default 100 000.
    /// </summary>
    public int MaxOpenWindows { get; init; } = 100_000;

    /// <summary>
    /// Most per-channel accumulators held at once (open windows × channels), which bounds the memory of the
    /// statistics (about 80 bytes each) whatever the shape of the file. Default 4 194 304 (about 320 MiB).
    /// </summary>
    public long MaxOpenChannelWindows { get; init; } = 1L << 22;

    /// <summary>
    /// When set, the file is read in one pass and windows are aligned to each sensor's first row; a row that
    /// goes back before that or into a window already emitted is rejected as invalid. When not set (default), a
    /// first, light pass finds each sensor's earliest timestamp and whether its rows are in time order.
    /// </summary>
    public bool AssumeSorted { get; init; }

    /// <summary>
    /// The text format. Default <see cref="SensorFileFormat.Auto"/>: decided by content. With CSV or JSON Lines, a
    /// file of the other format is rejected. Gzip compression is recognised by content in every case.
    /// </summary>
    public SensorFileFormat Format { get; init; } = SensorFileFormat.Auto;

    /// <summary>The unit of epoch-number timestamps. Default <see cref="SensorEpochUnit.Auto"/> (by magnitude).</summary>
    public SensorEpochUnit EpochUnit { get; init; } = SensorEpochUnit.Auto;

    /// <summary>
    /// Most bytes a gzip-compressed sensor file may decompress to. Decompression streams in bounded memory, so this
    /// bounds the time a small hostile file (a decompression bomb) can cost. Default 64 GiB.
    /// </summary>
    public long MaxDecompressedBytes { get; init; } = 64L << 30;

    /// <summary>
    /// Most decompressed bytes per compressed byte read so far (after the first mebibyte). Text sensor data
    /// compresses 5–50×; a bomb compresses about 1000×. Default 250.
    /// </summary>
    public int MaxCompressionRatio { get; init; } = 250;
}

/// <summary>How an epoch-number timestamp (<c>1709294400</c>, <c>1709294400123</c>) is read.</summary>
public enum SensorEpochUnit
{
    /// <summary>
    /// By magnitude: below 10^11 seconds, below 10^14 milliseconds, below 10^17 microseconds, else nanoseconds.
    /// Right for absolute times from March 1973 to the year 5138 in any of the units.
    /// </summary>
    Auto,

    /// <summary>Seconds since 1970-01-01T00:00:00Z.</summary>
    Seconds,

    /// <summary>Milliseconds since the Unix epoch.</summary>
    Milliseconds,

    /// <summary>Microseconds since the Unix epoch.</summary>
    Microseconds,

    /// <summary>Nanoseconds since the Unix epoch.</summary>
    Nanoseconds,
}
