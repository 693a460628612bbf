namespace OrleansIngest.Processing.Sensors;

/// <summary>Windowing and safety bounds for <see cref="SensorCsvReader"/>.</summary>
public sealed record SensorWindowSettings
{
    /// <summary>The defaults: 10 s windows, 1 MiB lines, two passes (see <see cref="AssumeSorted"/>).</summary>
    public static SensorWindowSettings Default { get; } = new();

    /// <summary>Length of a window; windows are aligned to each sensor's earliest timestamp. Default 10 s.</summary>
    public TimeSpan WindowLength { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest accepted line in bytes, so that one line cannot exhaust memory. Default 1 MiB.</summary>
    public int MaxLineBytes { get; init; } = 1 << 20;

    /// <summary>Most distinct <c>sensor_id</c> values in one file. Default 10 000.</summary>
    public int MaxSensors { get; init; } = 10_000;

    /// <summary>
    /// Most windows held at once over all sensors. Sorted series hold one window per sensor; an unsorted series
    /// holds every window it touches until the end of the file. Default 100 000.
    /// </summary>
    public int MaxOpenWindows { get; init; } = 100_000;

    /// <summary>
    /// When set, the file is read in one pass and windows are aligned to each sensor's first row; a row that
    /// goes back before that or into a window already emitted is rejected as invalid. When not set (default), a
    /// first, light pass finds each sensor's earliest timestamp and whether its rows are in time order.
    /// </summary>
    public bool AssumeSorted { get; init; }
}
