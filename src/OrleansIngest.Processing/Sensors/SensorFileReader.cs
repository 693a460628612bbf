namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Reads a sensor file, CSV or JSON Lines, plain or gzip-compressed, line by line and yields per-window channel
/// statistics in bounded memory. Both formats go through one windowing engine, so the same data gives the same
/// windows whatever its format.
/// </summary>
/// <remarks>
/// <para>
/// Content decides: gzip (magic <c>1F 8B</c>) is decompressed within <see cref="SensorWindowSettings.MaxDecompressedBytes"/>
/// and <see cref="SensorWindowSettings.MaxCompressionRatio"/>; ZIP, zstd, xz and 7-Zip data, NUL bytes, UTF-16 and
/// invalid UTF-8 are rejected with what they are; text whose first non-blank character is <c>{</c> is JSON Lines
/// (whatever the file is called), any other text CSV (<see cref="SensorCsvReader"/> describes it). Set
/// <see cref="SensorWindowSettings.Format"/> to accept one format only.
/// </para>
/// <para>
/// JSON Lines: one object per line, <c>{"ts":…, "sensor_id":…, "values":{"temp":21.5,"hum":null}}</c>. <c>ts</c>
/// (or <c>timestamp</c>) is an ISO-8601 string or an epoch number (a JSON number or a string of digits, see
/// <see cref="SensorEpochUnit"/>); <c>sensor_id</c> (optional) a string or an integer; <c>values</c> an object of
/// numbers or nulls. Other members are ignored. The channels are the value names of the whole file in order of
/// first appearance; a record without a value of a channel counts a missing value there, like an empty CSV cell.
/// Each line is parsed by <see cref="System.Text.Json.Utf8JsonReader"/> over a buffer bounded by
/// <see cref="SensorWindowSettings.MaxLineBytes"/>.
/// </para>
/// <para>
/// Windows: window k of a sensor covers [t0 + k·L, t0 + (k+1)·L) where t0 is that sensor's earliest timestamp.
/// Windows without rows are not emitted (a long gap would otherwise yield millions of empty windows); the
/// window index shows the gap.
/// </para>
/// <para>
/// Order: t0 is the minimum timestamp, which a single pass cannot know before the end of the file, and a
/// window already handed to the caller cannot be taken back. So by default the reader makes two passes over a
/// re-openable source: a light first pass parses only the timestamp and sensor id (and, for JSON Lines, the value
/// names), recording each sensor's minimum timestamp and whether its rows are in time order; the second pass
/// computes the statistics. A sorted sensor then holds one open window, emitted as soon as a row falls in a later
/// window; an unsorted sensor keeps one accumulator per touched window (bounded by
/// <see cref="SensorWindowSettings.MaxOpenWindows"/> and <see cref="SensorWindowSettings.MaxOpenChannelWindows"/>,
/// never by the number of rows) and emits them in index order at the end. Callers that know their input is sorted
/// (or hold a stream that cannot be re-read) set <see cref="SensorWindowSettings.AssumeSorted"/> for a single pass;
/// a row that then goes back before the sensor's first row or into an emitted window is rejected, and a JSON Lines
/// file's channels are those of its first record. Rows may step back in time within the window still open.
/// </para>
/// <para>
/// Values: finite doubles. Missing values (null, empty, NaN) are counted per channel in
/// <see cref="SensorWindow.NullCounts"/>; infinities are rejected as a fault of the producer. Values up to the
/// double maximum (1e308) are accumulated with exact power-of-two scaling, so mean and standard deviation never
/// overflow to infinity.
/// </para>
/// <para>
/// Errors: anything malformed raises <see cref="Decoding.InvalidMediaException"/> whose reason names the line and
/// whose offset is the byte where that line starts (in the decompressed text for gzip). A source that changes
/// between the two passes raises <see cref="IOException"/> (transient, not bad media).
/// </para>
/// </remarks>
public static class SensorFileReader
{
    /// <summary>
    /// Reads windows from <paramref name="stream"/>. Without <see cref="SensorWindowSettings.AssumeSorted"/> the
    /// stream must be seekable: it is read twice, from the position it has when enumeration starts. The stream is
    /// not disposed.
    /// </summary>
    public static IAsyncEnumerable<SensorWindow> ReadWindowsAsync(
        Stream stream,
        string sourceUri,
        SensorWindowSettings settings,
        CancellationToken cancellationToken = default) =>
        SensorWindowReader.Read(stream, sourceUri, settings, cancellationToken);

    /// <summary>
    /// Reads windows from a source opened once per pass (twice unless
    /// <see cref="SensorWindowSettings.AssumeSorted"/>); every open must return the same content. The streams are
    /// disposed after each pass.
    /// </summary>
    public static IAsyncEnumerable<SensorWindow> ReadWindowsAsync(
        Func<CancellationToken, ValueTask<Stream>> openSource,
        string sourceUri,
        SensorWindowSettings settings,
        CancellationToken cancellationToken = default) =>
        SensorWindowReader.Read(openSource, sourceUri, settings, cancellationToken);
}
