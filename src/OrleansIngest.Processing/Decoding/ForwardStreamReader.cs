using System.Buffers;

namespace OrleansIngest.Processing.Decoding;

/// <summary>
/// Reads a stream strictly forward through one pooled buffer and tracks the absolute byte offset, so
/// decoders can report where a problem is without ever seeking back or holding more than one block.
/// Offsets are relative to the stream position at construction.
/// </summary>
internal sealed class ForwardStreamReader : IDisposable
{
    internal const int DefaultBufferSize = 64 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _consumed;

    public ForwardStreamReader(Stream stream, long length, string sourceUri, int bufferSize = DefaultBufferSize)
    {
        _stream = stream;
        Length = length;
        SourceUri = sourceUri;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    /// <summary>The length of the source as declared by the caller (blob size).</summary>
    public long Length { get; }

    public string SourceUri { get; }

    /// <summary>Absolute offset of the next unconsumed byte.</summary>
    public long Position => _consumed;

    /// <summary>Declared bytes left after <see cref="Position"/>.</summary>
    public long Remaining => Length - _consumed;

    /// <summary>Bytes read from the stream and not yet consumed.</summary>
    public ReadOnlySpan<byte> Buffered => _buffer.AsSpan(_start, _end - _start);

    /// <summary>The same bytes as <see cref="Buffered"/>, for asynchronous writers.</summary>
    public ReadOnlyMemory<byte> BufferedMemory => _buffer.AsMemory(_start, _end - _start);

    public int BufferedCount => _end - _start;

    public int Capacity => _buffer.Length;

    /// <summary>
    /// Grows the buffer so that <see cref="EnsureAsync"/> can hold at least <paramref name="capacity"/> bytes
    /// (a decoder whose largest unit, e.g. a FLAC frame, exceeds the default block). Buffered bytes are kept.
    /// </summary>
    public void EnsureCapacity(int capacity)
    {
        if (capacity <= _buffer.Length)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(capacity);
        Buffer.BlockCopy(_buffer, _start, larger, 0, _end - _start);
        ArrayPool<byte>.Shared.Return(_buffer);
        _end -= _start;
        _start = 0;
        _buffer = larger;
    }

    public void Advance(int count)
    {
        _start += count;
        _consumed += count;
    }

    /// <summary>
    /// Makes at least <paramref name="count"/> bytes available in <see cref="Buffered"/>, reading no further
    /// than <paramref name="limit"/> bytes past <see cref="Position"/>. False when the stream ends first.
    /// </summary>
    public async ValueTask<bool> EnsureAsync(int count, long limit, CancellationToken cancellationToken)
    {
        while (BufferedCount < count)
        {
            if (await FillAsync(limit, cancellationToken) == 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Reads once more from the stream into the free space of the buffer, at most up to
    /// <paramref name="limit"/> bytes past <see cref="Position"/>. Returns the bytes added; 0 at the end of
    /// the stream, or when the limit is already buffered.
    /// </summary>
    public async ValueTask<int> FillAsync(long limit, CancellationToken cancellationToken)
    {
        if (_start > 0 && (_start == _end || _buffer.Length - _end < _buffer.Length / 2))
        {
            // Compact so the free tail is large enough for an efficient read.
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var wanted = (int)Math.Min(_buffer.Length - _end, limit - BufferedCount);
        if (wanted <= 0)
        {
            return 0;
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end, wanted), cancellationToken);
        _end += read;
        return read;
    }

    /// <summary>Consumes <paramref name="count"/> bytes; false when the stream ends first.</summary>
    public async ValueTask<bool> SkipAsync(long count, CancellationToken cancellationToken)
    {
        var fromBuffer = (int)Math.Min(count, BufferedCount);
        Advance(fromBuffer);
        count -= fromBuffer;
        if (count > _buffer.Length && _stream.CanSeek)
        {
            // Forward only: the caller has checked count against the declared length.
            _stream.Seek(count, SeekOrigin.Current);
            _consumed += count;
            return true;
        }

        while (count > 0)
        {
            if (await FillAsync(count, cancellationToken) == 0)
            {
                return false;
            }

            var step = (int)Math.Min(count, BufferedCount);
            Advance(step);
            count -= step;
        }

        return true;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
