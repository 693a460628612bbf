using System.Runtime.CompilerServices;
using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Reads sensor CSV (<c>timestamp,&lt;channel&gt;,…</c>, optionally with <c>sensor_id</c>) line by line and
/// yields per-window channel statistics, in bounded memory.
/// </summary>
/// <remarks>
/// <para>
/// Format: the delimiter (comma, semicolon or tab) is the most frequent of the three in the header line.
/// Timestamps are ISO-8601 (no offset means UTC; offsets are converted to UTC) or epoch seconds, integer or
/// fractional. Empty, <c>NaN</c>, <c>NA</c> and <c>null</c> cells are missing values: counted per channel and
/// left out of the statistics. Semicolon files may use a decimal comma. Blank lines are skipped. Anything
/// else malformed raises <see cref="InvalidMediaException"/> whose reason names the line (and column).
/// </para>
/// <para>
/// Windows: window k of a sensor covers [t0 + k·L, t0 + (k+1)·L) where t0 is that sensor's earliest timestamp.
/// Windows without rows are not emitted (a long gap would otherwise yield millions of empty windows); the
/// window index shows the gap.
/// </para>
/// <para>
/// Order: t0 is the minimum timestamp, which a single pass cannot know before the end of the file, and a
/// window already handed to the caller cannot be taken back. So by default the reader makes two passes over a
/// re-openable source: a light first pass tokenises each line and parses only the timestamp and sensor id,
/// recording each sensor's minimum timestamp and whether its rows are in time order; the second pass computes
/// the statistics. A sorted sensor then holds one open window, emitted as soon as a row falls in a later
/// window; an unsorted sensor keeps one accumulator per touched window (bounded by
/// <see cref="SensorWindowSettings.MaxOpenWindows"/>, never by the number of rows) and emits them in index
/// order at the end. Callers that know their input is sorted (or hold a stream that cannot be re-read) set
/// <see cref="SensorWindowSettings.AssumeSorted"/> for a single pass; a row that then goes back before the
/// sensor's first row or into an emitted window is rejected. Rows may step back in time within the window
/// still open.
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
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Validate(sourceUri, settings);
        if (!settings.AssumeSorted && !stream.CanSeek)
        {
            throw new ArgumentException(
                "A stream that cannot seek can be read only once: pass a re-openable source or set AssumeSorted.",
                nameof(stream));
        }

        long? origin = null;
        ValueTask<Stream> Rewind(CancellationToken _)
        {
            if (origin is null)
            {
                origin = stream.CanSeek ? stream.Position : 0;
            }
            else
            {
                stream.Position = origin.Value;
            }

            return ValueTask.FromResult(stream);
        }

        return ReadCoreAsync(Rewind, ownsStreams: false, sourceUri, settings, cancellationToken);
    }

    /// <summary>
    /// Reads windows from a source opened once per pass (twice unless
    /// <see cref="SensorWindowSettings.AssumeSorted"/>); every open must return the same content. The streams are
    /// disposed after each pass.
    /// </summary>
    public static IAsyncEnumerable<SensorWindow> ReadWindowsAsync(
        Func<CancellationToken, ValueTask<Stream>> openSource,
        string sourceUri,
        SensorWindowSettings settings,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(openSource);
        Validate(sourceUri, settings);
        return ReadCoreAsync(openSource, ownsStreams: true, sourceUri, settings, cancellationToken);
    }

    private static void Validate(string sourceUri, SensorWindowSettings settings)
    {
        ArgumentNullException.ThrowIfNull(sourceUri);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.WindowLength.Ticks <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "WindowLength must be positive.");
        }

        if (settings.MaxLineBytes < 16 || settings.MaxLineBytes > (1 << 28))
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "MaxLineBytes must be between 16 and 2^28.");
        }

        if (settings.MaxSensors < 1 || settings.MaxOpenWindows < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "MaxSensors and MaxOpenWindows must be positive.");
        }
    }

    private static async IAsyncEnumerable<SensorWindow> ReadCoreAsync(
        Func<CancellationToken, ValueTask<Stream>> openSource,
        bool ownsStreams,
        string sourceUri,
        SensorWindowSettings settings,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        SensorScan? scan = null;
        if (!settings.AssumeSorted)
        {
            var first = await openSource(cancellationToken);
            try
            {
                scan = await ScanAsync(first, sourceUri, settings, cancellationToken);
            }
            finally
            {
                if (ownsStreams)
                {
                    await first.DisposeAsync();
                }
            }
        }

        var stream = await openSource(cancellationToken);
        try
        {
            var reader = new CsvLineReader(stream, sourceUri, settings.MaxLineBytes);
            var header = await ReadHeaderAsync(reader, sourceUri, cancellationToken);
            if (scan is not null && !scan.Header.ColumnNames.SequenceEqual(header.ColumnNames, StringComparer.Ordinal))
            {
                throw SourceChanged(sourceUri);
            }

            var engine = new SensorWindowEngine(header, sourceUri, settings, scan);
            while (await reader.ReadLineAsync(cancellationToken))
            {
                if (reader.Line.IsWhiteSpace())
                {
                    continue;
                }

                engine.Add(reader.Line, reader.LineNumber, reader.LineOffset);
                while (engine.TryTakeClosed(out var window))
                {
                    yield return window;
                }
            }

            engine.Complete(reader.BytesConsumed);
            while (engine.TryTakeClosed(out var window))
            {
                yield return window;
            }
        }
        finally
        {
            if (ownsStreams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    private static async ValueTask<SensorCsvHeader> ReadHeaderAsync(
        CsvLineReader reader,
        string sourceUri,
        CancellationToken cancellationToken)
    {
        while (await reader.ReadLineAsync(cancellationToken))
        {
            if (!reader.Line.IsWhiteSpace())
            {
                return SensorCsvHeader.Parse(reader.Line, reader.LineNumber, sourceUri, reader.LineOffset);
            }
        }

        throw new InvalidMediaException(sourceUri, 0, "the file is empty (no header line)");
    }

    private static async ValueTask<SensorScan> ScanAsync(
        Stream stream,
        string sourceUri,
        SensorWindowSettings settings,
        CancellationToken cancellationToken)
    {
        var reader = new CsvLineReader(stream, sourceUri, settings.MaxLineBytes);
        var header = await ReadHeaderAsync(reader, sourceUri, cancellationToken);
        var parser = new SensorCsvRowParser(header, sourceUri);
        var sensors = new SensorTable<SensorExtent>(header, sourceUri, settings.MaxSensors);
        long rows = 0;
        while (await reader.ReadLineAsync(cancellationToken))
        {
            var line = reader.Line;
            if (line.IsWhiteSpace())
            {
                continue;
            }

            parser.Parse(line, reader.LineNumber, reader.LineOffset, parseValues: false);
            rows++;
            var extent = sensors.Get(line, parser.SensorIdCell, reader.LineNumber, reader.LineOffset, static _ => new SensorExtent());
            extent.Observe(parser.Ticks);
        }

        if (rows == 0)
        {
            throw new InvalidMediaException(sourceUri, reader.BytesConsumed, "the file has a header but no data rows");
        }

        return new SensorScan(header, sensors, rows);
    }

    internal static IOException SourceChanged(string sourceUri) =>
        new($"{sourceUri} changed between the two passes of the sensor reader; read a fixed version (ETag) of it.");
}

/// <summary>What the first pass learnt about each sensor.</summary>
internal sealed class SensorExtent
{
    public long MinTicks { get; private set; } = long.MaxValue;

    public long LastTicks { get; private set; } = long.MinValue;

    public bool IsSorted { get; private set; } = true;

    public void Observe(long ticks)
    {
        if (ticks < LastTicks)
        {
            IsSorted = false;
        }

        LastTicks = ticks;
        MinTicks = Math.Min(MinTicks, ticks);
    }
}

/// <summary>The result of the first pass.</summary>
internal sealed record SensorScan(SensorCsvHeader Header, SensorTable<SensorExtent> Sensors, long Rows);
