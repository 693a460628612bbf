using System.Buffers;
using System.Globalization;
using System.Text;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace OrleansIngest.Storage.Azure;

/// <summary>
/// A write-only stream that stages what is written as uncommitted blocks of one block blob: invisible to readers
/// and listings until the block list is committed, yet durable once staged. One block buffer is held; a full
/// buffer is staged before more is accepted, and disposing stages the rest.
/// </summary>
internal sealed class BlockStagingStream : Stream
{
    /// <summary>A block blob holds at most 50,000 committed blocks.</summary>
    public const int MaxBlocks = 50_000;

    private const int BlockIdDigits = 10;

    private readonly BlockBlobClient _blob;
    private readonly string _displayUri;
    private readonly Action<long> _onClosed;
    private readonly BlockBlobStageBlockOptions _stageOptions = new()
    {
        // A per-block MD5 lets the service reject a block damaged on the wire.
        TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
    };

    private byte[]? _buffer;
    private int _filled;
    private int _blockCount;
    private long _length;

    public BlockStagingStream(BlockBlobClient blob, int blockBytes, string displayUri, Action<long> onClosed)
    {
        _blob = blob;
        _displayUri = displayUri;
        _onClosed = onClosed;
        _buffer = ArrayPool<byte>.Shared.Rent(blockBytes);
        BlockBytes = blockBytes;
    }

    public int BlockBytes { get; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => _buffer is not null;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException("A staged blob is written front to back.");
    }

    /// <summary>The id of block <paramref name="index"/>: fixed width, so ordinal order is index order.</summary>
    public static string BlockId(int index) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(index.ToString("D" + BlockIdDigits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)));

    /// <summary>The index encoded in a block id of ours, or -1 for any other id.</summary>
    public static int BlockIndex(string blockId)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!Convert.TryFromBase64String(blockId, bytes, out var written) || written != BlockIdDigits)
        {
            return -1;
        }

        var digits = Encoding.ASCII.GetString(bytes[..written]);
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : -1;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var block = Buffer;
        while (buffer.Length > 0)
        {
            var take = Math.Min(buffer.Length, BlockBytes - _filled);
            buffer[..take].CopyTo(block.AsSpan(_filled));
            _filled += take;
            _length += take;
            buffer = buffer[take..];
            if (_filled == BlockBytes)
            {
                using var content = NextBlock(block);
                _blob.StageBlock(BlockId(_blockCount), content, _stageOptions);
                Staged();
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var block = Buffer;
        while (buffer.Length > 0)
        {
            var take = Math.Min(buffer.Length, BlockBytes - _filled);
            buffer[..take].CopyTo(block.AsMemory(_filled));
            _filled += take;
            _length += take;
            buffer = buffer[take..];
            if (_filled == BlockBytes)
            {
                await StageAsync(block, cancellationToken);
            }
        }
    }

    // Blocks are staged only when full: staging on every flush would make many small blocks and use up the
    // 50,000-block limit. Nothing is durable before the stream is closed anyway.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("A staged blob is write-only.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A staged blob is written front to back.");

    public override void SetLength(long value) => throw new NotSupportedException("A staged blob is written front to back.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer is { } block)
        {
            try
            {
                if (_filled > 0)
                {
                    using var content = NextBlock(block);
                    _blob.StageBlock(BlockId(_blockCount), content, _stageOptions);
                    Staged();
                }

                _onClosed(_length);
            }
            finally
            {
                Release();
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_buffer is { } block)
        {
            try
            {
                if (_filled > 0)
                {
                    await StageAsync(block, CancellationToken.None);
                }

                _onClosed(_length);
            }
            finally
            {
                Release();
            }
        }

        await base.DisposeAsync();
    }

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(BlockStagingStream));

    private async Task StageAsync(byte[] block, CancellationToken cancellationToken)
    {
        using var content = NextBlock(block);
        await _blob.StageBlockAsync(BlockId(_blockCount), content, _stageOptions, cancellationToken);
        Staged();
    }

    private MemoryStream NextBlock(byte[] block)
    {
        if (_blockCount >= MaxBlocks)
        {
            throw new IOException($"{_displayUri}: a staged file may have at most {MaxBlocks} blocks of {BlockBytes} bytes.");
        }

        return new MemoryStream(block, 0, _filled, writable: false);
    }

    private void Staged()
    {
        _blockCount++;
        _filled = 0;
    }

    private void Release()
    {
        if (_buffer is { } block)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(block);
        }
    }
}
