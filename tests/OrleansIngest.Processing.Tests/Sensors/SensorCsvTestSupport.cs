using System.Text;
using OrleansIngest.Processing.Sensors;

namespace OrleansIngest.Processing.Tests.Sensors;

/// <summary>Helpers that run the reader over in-memory text.</summary>
internal static class SensorCsvTestSupport
{
    public const string SourceUri = "test://sensors/file.csv";

    public static Task<List<SensorWindow>> ReadAsync(string csv, SensorWindowSettings? settings = null) =>
        ReadAsync(Encoding.UTF8.GetBytes(csv), settings);

    public static async Task<List<SensorWindow>> ReadAsync(byte[] bytes, SensorWindowSettings? settings = null)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var windows = new List<SensorWindow>();
        await foreach (var window in SensorCsvReader.ReadWindowsAsync(stream, SourceUri, settings ?? SensorWindowSettings.Default))
        {
            windows.Add(window);
        }

        return windows;
    }

    /// <summary>Reads any sensor format through <see cref="SensorFileReader"/> (content detection, gzip).</summary>
    public static Task<List<SensorWindow>> ReadFileAsync(string text, SensorWindowSettings? settings = null) =>
        ReadFileAsync(Encoding.UTF8.GetBytes(text), settings);

    /// <inheritdoc cref="ReadFileAsync(string, SensorWindowSettings?)"/>
    public static async Task<List<SensorWindow>> ReadFileAsync(byte[] bytes, SensorWindowSettings? settings = null)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var windows = new List<SensorWindow>();
        await foreach (var window in SensorFileReader.ReadWindowsAsync(stream, SourceUri, settings ?? SensorWindowSettings.Default))
        {
            windows.Add(window);
        }

        return windows;
    }

    /// <summary>Asserts two window lists are equal field by field (doubles bit for bit, NaN equal to NaN).</summary>
    public static void AssertSameWindows(IReadOnlyList<SensorWindow> expected, IReadOnlyList<SensorWindow> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            SensorWindow e = expected[i], a = actual[i];
            Assert.Equal(e.SensorId, a.SensorId);
            Assert.Equal(e.WindowIndex, a.WindowIndex);
            Assert.Equal(e.Start, a.Start);
            Assert.Equal(e.End, a.End);
            Assert.Equal(e.SampleCount, a.SampleCount);
            Assert.Equal(e.ChannelNames, a.ChannelNames);
            Assert.Equal(e.NullCounts, a.NullCounts);
            Assert.Equal(e.Mean, a.Mean);
            Assert.Equal(e.Std, a.Std);
            Assert.Equal(e.Min, a.Min);
            Assert.Equal(e.Max, a.Max);
            Assert.Equal(e.Slope, a.Slope);
        }
    }

    /// <summary>The byte offset where 1-based line <paramref name="lineNumber"/> of <paramref name="csv"/> starts.</summary>
    public static long OffsetOfLine(string csv, int lineNumber)
    {
        var bytes = Encoding.UTF8.GetBytes(csv);
        var line = 1;
        for (var i = 0; i < bytes.Length && line < lineNumber; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                line++;
                if (line == lineNumber)
                {
                    return i + 1;
                }
            }
        }

        return lineNumber == 1 ? 0 : throw new ArgumentOutOfRangeException(nameof(lineNumber));
    }
}

/// <summary>
/// A read-only stream of <paramref name="head"/> followed by <paramref name="fill"/> bytes up to
/// <paramref name="length"/>, made as it is read: a gigabyte of input without a gigabyte on disk or in memory.
/// </summary>
internal sealed class GeneratedStream(byte[] head, long length, byte fill) : Stream
{
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, length - BytesRead);
        for (var i = 0; i < n; i++)
        {
            var at = BytesRead + i;
            buffer[i] = at < head.Length ? head[at] : fill;
        }

        BytesRead += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A read-only stream that hands out at most a few bytes per read and counts what was read.</summary>
internal sealed class TrickleStream(byte[] data, int maxChunk, bool canSeek = true) : Stream
{
    private long _position;

    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => canSeek;

    public override bool CanWrite => false;

    public override long Length => data.Length;

    public override long Position
    {
        get => _position;
        set => _position = canSeek ? value : throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(Math.Min(count, maxChunk), data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        BytesRead += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
