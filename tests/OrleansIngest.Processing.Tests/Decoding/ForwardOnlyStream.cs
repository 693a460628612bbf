namespace OrleansIngest.Processing.Tests.Decoding;

/// <summary>
/// A non-seekable stream over bytes that hands out at most <c>maxRead</c> bytes per read, like a
/// network body; seeking or reading the position fails the test.
/// </summary>
internal sealed class ForwardOnlyStream(byte[] bytes, int maxRead = int.MaxValue) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("Length of a forward-only stream.");

    public override long Position
    {
        get => throw new NotSupportedException("Position of a forward-only stream.");
        set => throw new NotSupportedException("Seek on a forward-only stream.");
    }

    public long BytesRead => _position;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(Math.Min(buffer.Length, maxRead), bytes.Length - _position);
        bytes.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("Seek on a forward-only stream.");

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
