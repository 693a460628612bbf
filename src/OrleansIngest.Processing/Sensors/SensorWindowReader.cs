using System.Runtime.CompilerServices;
using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// The reading procedure shared by all sensor formats: content detection, the optional first pass that finds each
/// sensor's earliest timestamp and order, and the statistics pass through <see cref="SensorWindowEngine"/>.
/// </summary>
internal static class SensorWindowReader
{
    public static void Validate(string sourceUri, SensorWindowSettings settings)
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

        if (settings.MaxSensors < 1 || settings.MaxOpenWindows < 1 || settings.MaxChannels < 1 || settings.MaxOpenChannelWindows < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "MaxSensors, MaxChannels, MaxOpenWindows and MaxOpenChannelWindows must be positive.");
        }

        if (settings.MaxDecompressedBytes < 1 || settings.MaxCompressionRatio < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "MaxDecompressedBytes and MaxCompressionRatio must be positive.");
        }

        if (!Enum.IsDefined(settings.Format) || !Enum.IsDefined(settings.EpochUnit))
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "Format or EpochUnit is not a defined value.");
        }
    }

    /// <summary>Reads from a seekable stream (twice, from its current position) or, when sorted, once.</summary>
    public static IAsyncEnumerable<SensorWindow> Read(
        Stream stream,
        string sourceUri,
        SensorWindowSettings settings,
        CancellationToken cancellationToken)
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

    /// <summary>Reads from a source opened once per pass.</summary>
    public static IAsyncEnumerable<SensorWindow> Read(
        Func<CancellationToken, ValueTask<Stream>> openSource,
        string sourceUri,
        SensorWindowSettings settings,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(openSource);
        Validate(sourceUri, settings);
        return ReadCoreAsync(openSource, ownsStreams: true, sourceUri, settings, cancellationToken);
    }

    internal static IOException SourceChanged(string sourceUri) =>
        new($"{sourceUri} changed between the two passes of the sensor reader; read a fixed version (ETag) of it.");

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
                var (text, format) = await SensorContent.OpenAsync(first, sourceUri, settings, cancellationToken);
                await using (text)
                {
                    scan = await ScanAsync(text, format, sourceUri, settings, cancellationToken);
                }
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
            var (text, format) = await SensorContent.OpenAsync(stream, sourceUri, settings, cancellationToken);
            await using (text)
            {
                if (scan is not null && scan.Format != format)
                {
                    throw SourceChanged(sourceUri);
                }

                var reader = new SensorLineReader(text, sourceUri, settings.MaxLineBytes);
                var parser = CreateParser(format, sourceUri, settings, scan);
                SensorWindowEngine? engine = null;
                while (await reader.ReadLineAsync(cancellationToken))
                {
                    if (reader.LineIsBlank || !parser.Parse(reader.Line, reader.LineNumber, reader.LineOffset, parseValues: true))
                    {
                        continue;
                    }

                    engine ??= CreateEngine(parser, sourceUri, settings, scan);
                    engine.Add(parser, reader.LineNumber, reader.LineOffset);
                    while (engine.TryTakeClosed(out var window))
                    {
                        yield return window;
                    }
                }

                if (engine is null)
                {
                    throw new InvalidMediaException(sourceUri, reader.BytesConsumed, parser.NoRecordsReason);
                }

                engine.Complete(parser.NoRecordsReason, reader.BytesConsumed);
                while (engine.TryTakeClosed(out var window))
                {
                    yield return window;
                }
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

    private static ISensorRecordParser CreateParser(SensorFileFormat format, string sourceUri, SensorWindowSettings settings, SensorScan? scan) =>
        format == SensorFileFormat.JsonLines
            ? new SensorJsonLinesParser(sourceUri, settings, scan?.ChannelNames)
            : new SensorCsvParser(sourceUri, settings);

    private static SensorWindowEngine CreateEngine(ISensorRecordParser parser, string sourceUri, SensorWindowSettings settings, SensorScan? scan)
    {
        var channels = parser.ChannelNames;
        if (scan is not null && !scan.ChannelNames.AsSpan().SequenceEqual(channels))
        {
            throw SourceChanged(sourceUri);
        }

        return new SensorWindowEngine(channels, sourceUri, settings, scan);
    }

    private static async ValueTask<SensorScan> ScanAsync(
        Stream text,
        SensorFileFormat format,
        string sourceUri,
        SensorWindowSettings settings,
        CancellationToken cancellationToken)
    {
        var reader = new SensorLineReader(text, sourceUri, settings.MaxLineBytes);
        var parser = CreateParser(format, sourceUri, settings, scan: null);
        var sensors = new SensorTable<SensorExtent>(sourceUri, settings.MaxSensors);
        long rows = 0;
        while (await reader.ReadLineAsync(cancellationToken))
        {
            if (reader.LineIsBlank || !parser.Parse(reader.Line, reader.LineNumber, reader.LineOffset, parseValues: false))
            {
                continue;
            }

            rows++;
            if (!sensors.TryGet(parser.HasSensorId, parser.SensorId, out var extent))
            {
                extent = new SensorExtent();
                sensors.Add(parser.HasSensorId, parser.SensorId, extent, reader.LineNumber, reader.LineOffset);
            }

            extent.Observe(parser.Ticks);
        }

        if (rows == 0)
        {
            throw new InvalidMediaException(sourceUri, reader.BytesConsumed, parser.NoRecordsReason);
        }

        return new SensorScan(format, parser.ChannelNames, sensors, rows);
    }
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

/// <summary>The result of the first pass: the format, the channels of the whole file and each sensor's extent.</summary>
internal sealed record SensorScan(SensorFileFormat Format, string[] ChannelNames, SensorTable<SensorExtent> Sensors, long Rows);
