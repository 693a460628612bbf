using Azure;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Storage.Azure;

/// <summary>
/// Wraps the SDK's range-reading blob stream (one buffer of <c>BufferSize</c> bytes, a ranged GET with
/// <c>If-Match</c> per refill, seekable) and turns "the blob is not that version any more" into
/// <see cref="SourceChangedException"/>, which the pipeline treats as a stale unit rather than bad input.
/// </summary>
internal sealed class SourceReadStream(Stream inner, string uri) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    /// <summary>412: the ETag no longer matches; 404: the blob (or its container) is gone.</summary>
    public static bool IsSourceChange(RequestFailedException exception) => exception.Status is 404 or 412;

    public static SourceChangedException Changed(string uri, RequestFailedException exception) =>
        exception.Status == 404
            ? new SourceChangedException(uri, "the blob no longer exists")
            : new SourceChangedException(uri, "the blob changed since it was listed (its ETag no longer matches)");

    public override int Read(byte[] buffer, int offset, int count)
    {
        try
        {
            return inner.Read(buffer, offset, count);
        }
        catch (RequestFailedException ex) when (IsSourceChange(ex))
        {
            throw Changed(uri, ex);
        }
    }

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return inner.Read(buffer);
        }
        catch (RequestFailedException ex) when (IsSourceChange(ex))
        {
            throw Changed(uri, ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (RequestFailedException ex) when (IsSourceChange(ex))
        {
            throw Changed(uri, ex);
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("A blob source stream is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A blob source stream is read-only.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
