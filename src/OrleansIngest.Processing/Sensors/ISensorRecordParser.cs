namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Turns the lines of one sensor file format into records (timestamp, sensor id, channel values) for the shared
/// windowing engine, so that every format yields the same windows and statistics for the same data.
/// </summary>
internal interface ISensorRecordParser
{
    /// <summary>The channels, in file order; fixed once the first record has been parsed in a statistics pass.</summary>
    string[] ChannelNames { get; }

    /// <summary>Why a file without records is invalid (empty, or a header only).</summary>
    string NoRecordsReason { get; }

    /// <summary>UTC ticks of the last record.</summary>
    long Ticks { get; }

    /// <summary>Whether the last record names its sensor.</summary>
    bool HasSensorId { get; }

    /// <summary>The sensor id of the last record (empty when <see cref="HasSensorId"/> is false).</summary>
    ReadOnlySpan<char> SensorId { get; }

    /// <summary>Channel values of the last record, parallel to <see cref="ChannelNames"/>; NaN marks a missing value.</summary>
    ReadOnlySpan<double> Values { get; }

    /// <summary>
    /// Parses one non-blank line; channel values only when <paramref name="parseValues"/> is set. Returns false when
    /// the line was not a record (a header). Throws <see cref="Decoding.InvalidMediaException"/> naming the line.
    /// </summary>
    bool Parse(ReadOnlySpan<byte> line, long lineNumber, long offset, bool parseValues);
}
