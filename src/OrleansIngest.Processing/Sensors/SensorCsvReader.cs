namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Reads sensor CSV (<c>timestamp,&lt;channel&gt;,…</c>, optionally with <c>sensor_id</c>) line by line and yields
/// per-window channel statistics, in bounded memory. <see cref="SensorFileReader"/> reads CSV and JSON Lines alike,
/// telling them apart by content; this reader accepts CSV only (plain or gzip-compressed).
/// </summary>
/// <remarks>
/// <para>
/// Format: the first non-blank line is the header; the delimiter (comma, semicolon or tab) is the most frequent
/// of the three in it. Column <c>timestamp</c> or <c>ts</c> (any case) is required, <c>sensor_id</c> is optional, every other
/// column is a channel. Timestamps are ISO-8601 (no offset means UTC; offsets are converted to UTC) or epoch
/// numbers (see <see cref="SensorEpochUnit"/>). Empty, <c>NA</c>, <c>null</c> and NaN cells are missing values:
/// counted per channel and left out of the statistics. Infinite values (<c>Infinity</c>, <c>1e999</c>) are rejected.
/// Semicolon files may use a decimal comma. Blank lines are skipped. A row with more or fewer cells than the header
/// (ragged), NUL bytes, invalid UTF-8, a line longer than <see cref="SensorWindowSettings.MaxLineBytes"/> and
/// anything else malformed raise <see cref="Decoding.InvalidMediaException"/> whose reason names the line.
/// </para>
/// <para>
/// Windows and order are those of <see cref="SensorFileReader"/>.
/// </para>
/// </remarks>
public static class SensorCsvReader
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
        SensorWindowReader.Read(stream, sourceUri, AsCsv(settings), cancellationToken);

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
        SensorWindowReader.Read(openSource, sourceUri, AsCsv(settings), cancellationToken);

    private static SensorWindowSettings AsCsv(SensorWindowSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Format == SensorFileFormat.Csv ? settings : settings with { Format = SensorFileFormat.Csv };
    }
}
