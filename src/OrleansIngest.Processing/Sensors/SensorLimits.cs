namespace OrleansIngest.Processing.Sensors;

/// <summary>Fixed bounds of the sensor readers that no real file comes near (the configurable ones are in <see cref="SensorWindowSettings"/>).</summary>
internal static class SensorLimits
{
    /// <summary>
    /// Longest sensor id and JSON Lines value name, in characters. Names are kept for the whole file, so without this
    /// bound ten thousand one-megabyte ids would hold gigabytes; real ids are short.
    /// </summary>
    public const int MaxNameLength = 256;
}
