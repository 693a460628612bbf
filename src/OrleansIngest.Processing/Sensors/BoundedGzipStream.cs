using System.IO.Compression;
using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Decompresses gzip for the sensor readers with two bounds on how much a small file may expand, so that a
/// decompression bomb fails fast with a specific reason instead of burning hours of CPU: a cap on the total
/// decompressed size and a cap on the ratio of decompressed to compressed bytes read so far. Corrupt compressed
/// data becomes an <see cref="InvalidMediaException"/>. Does not dispose the compressed stream.
/// </summary>
internal sealed class BoundedGzipStream : Stream
{
    // Below this many decompressed bytes the ratio is not checked: headers and the first deflate block skew it.
    private const long RatioGraceBytes = 1 << 20;

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

        return Count(read);
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

        return Count(read);
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

    private int Count(int read)
    {
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

    /// <summary>Counts the compressed bytes the decompressor has taken.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

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
            BytesRead += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            BytesRead += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
