namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Statistics of one time window of one sensor's series. Arrays are indexed like <see cref="ChannelNames"/>;
/// a channel without values in the window has NaN statistics. <see cref="ChannelNames"/> is shared by all
/// windows of a file and must not be modified.
/// </summary>
/// <param name="SensorId">The <c>sensor_id</c> of the rows, or <see langword="null"/> when the file has no such column.</param>
/// <param name="WindowIndex">k for the window [t0 + k·L, t0 + (k+1)·L), t0 being the sensor's earliest timestamp.</param>
/// <param name="Start">Inclusive start, UTC.</param>
/// <param name="End">Exclusive end (Start + window length), UTC.</param>
/// <param name="SampleCount">Rows that fell in the window, including rows with missing cells.</param>
/// <param name="ChannelNames">The channel columns, in header order.</param>
/// <param name="Mean">Mean of the present values per channel.</param>
/// <param name="Std">Population standard deviation (ddof 0) per channel.</param>
/// <param name="Min">Minimum per channel.</param>
/// <param name="Max">Maximum per channel.</param>
/// <param name="NullCounts">Missing (empty or NaN) cells per channel.</param>
/// <param name="Slope">Least-squares slope per channel in units per second; NaN with fewer than two distinct times.</param>
public sealed record SensorWindow(
    string? SensorId,
    int WindowIndex,
    DateTimeOffset Start,
    DateTimeOffset End,
    int SampleCount,
    string[] ChannelNames,
    double[] Mean,
    double[] Std,
    double[] Min,
    double[] Max,
    int[] NullCounts,
    double[] Slope);
