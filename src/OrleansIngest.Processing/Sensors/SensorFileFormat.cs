namespace OrleansIngest.Processing.Sensors;

/// <summary>The text format of a sensor file.</summary>
public enum SensorFileFormat
{
    /// <summary>
    /// Decided by content: a file whose first non-blank character (after a byte-order mark) is <c>{</c> is JSON Lines,
    /// any other text is CSV. The file name plays no part, so a <c>.csv</c> holding JSON Lines is read as JSON Lines.
    /// </summary>
    Auto,

    /// <summary>Delimited text with a header line (<see cref="SensorCsvReader"/> describes it).</summary>
    Csv,

    /// <summary>One JSON object per line (<see cref="SensorFileReader"/> describes it).</summary>
    JsonLines,
}
