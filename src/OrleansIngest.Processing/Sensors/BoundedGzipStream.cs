using System.IO.Compression;
using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Decompresses gzip for the sensor readers with two bounds on how much a small file may expand, so that a
/// decompression bomb fails fast with a specific reason instead of burning hours of CPU: a cap on the total
/// decompressed size and a cap on the ratio of decompressed to compressed bytes read so far. Corrupt compressed
/// data becomes an <see cref="InvalidMediaException"/>. Does not dispose the compressed stream.
/// </summary>
/// <remarks>
/// <see cref="GZipStream"/> reports the end of a truncated file as a normal end, which would silently drop the rest
/// of the file. So at the end the gzip trailer's size field (the last four bytes, the decompressed size modulo 2^32)
/// must match what was decompressed. That holds for a single gzip member, which is what gzip, pigz, Python and .NET
/// write; concatenated members (<c>cat a.gz b.gz</c>, bgzip) fail the check and are not supported.
/// </remarks>
internal sealed class BoundedGzipStream : Stream
{
    // Below this many decompressed bytes the ratio is not checked: headers and the first deflate block skew it.
    private const long RatioGraceBytes = 1 << 20;

    // A 10-byte header, an empty deflate block and the 8-byte trailer.
    private const int MinimumGzipBytes = 20;

    private readonly CountingStream _compressed;
    private readonly GZipStream _gzip;
    private readonly string _sourceUri;
    private readonly long _maxBytes;
    private readonly long _maxRatio;
    private long _decompressed;

    public BoundedGzipStream(Stream compressed, string sourceUri, long maxBytes, int maxRatio)
    {
        _compressed = new CountingStream(compressed);
        _gzip = new GZipStream(_compressed, CompressionMode.Decompress, leaveOpen: true);
        _sourceUri = sourceUri;
        _maxBytes = maxBytes;
        _maxRatio = maxRatio;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = _gzip.Read(buffer);
        }
        catch (InvalidDataException ex)
        {
            throw Corrupt(ex);
        }

        return Count(read, buffer.Length);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await _gzip.ReadAsync(buffer, cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            throw Corrupt(ex);
        }

        return Count(read, buffer.Length);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gzip.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Count(int read, int requested)
    {
        if (read == 0 && requested > 0 && (_compressed.BytesRead < MinimumGzipBytes || _compressed.Tail != (uint)_decompressed))
        {
            throw new InvalidMediaException(
                _sourceUri,
                _compressed.BytesRead,
                "gzip: the compressed data ends early (a truncated file, or several gzip members, which are not supported)");
        }

        _decompressed += read;
        if (_decompressed > _maxBytes)
        {
            throw new InvalidMediaException(
                _sourceUri,
                _compressed.BytesRead,
                $"gzip: the data decompresses to more than {_maxBytes} bytes");
        }

        if (_decompressed > RatioGraceBytes && _decompressed > _compressed.BytesRead * _maxRatio)
        {
            throw new InvalidMediaException(
                _sourceUri,
                _compressed.BytesRead,
                $"gzip: {_compressed.BytesRead} compressed bytes expand to {_decompressed}, more than {_maxRatio} times (a decompression bomb)");
        }

        return read;
    }

    private InvalidMediaException Corrupt(InvalidDataException ex) =>
        new(_sourceUri, _compressed.BytesRead, $"gzip: the compressed data is corrupt ({ex.Message})", ex);

    /// <summary>Counts the compressed bytes the decompressor has taken and keeps the last four.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        /// <summary>The last four bytes read, as a little-endian number (the gzip trailer's size field at the end).</summary>
        public uint Tail { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            Observe(buffer[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            Observe(buffer.Span[..read]);
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private void Observe(ReadOnlySpan<byte> read)
        {
            BytesRead += read.Length;
            foreach (var b in read[Math.Max(0, read.Length - 4)..])
            {
                Tail = (Tail >> 8) | ((uint)b << 24);
            }
        }
    }
}
