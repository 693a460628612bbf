using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;

namespace OrleansIngest.Processing.Governance;

/// <summary>
/// A write-only stream that writes the <see cref="EnvelopeEncryption"/> format to an inner stream as data arrives, so
/// a table writer streams straight into an encrypted file. A full chunk is held until more data (it is not the last)
/// or <see cref="DisposeAsync"/> (it is) arrives; disposing seals the last chunk and disposes the inner stream unless
/// it was to be left open.
/// </summary>
public sealed class EnvelopeWriteStream : Stream
{
    private readonly Stream _inner;
    private readonly AesGcm _aes;
    private readonly byte[] _prefix;
    private readonly byte[] _header;
    private readonly byte[] _chunk;
    private readonly byte[] _sealed;
    private int _filled;
    private long _index;
    private bool _headerWritten;
    private readonly bool _leaveOpen;
    private bool _closed;

    /// <summary>Starts an encrypted file on <paramref name="inner"/> under a fresh data key wrapped by <paramref name="kek"/>.</summary>
    public EnvelopeWriteStream(Stream inner, IKeyEncryptionKey kek, int chunkBytes = 1024 * 1024, bool leaveOpen = false)
    {
        _leaveOpen = leaveOpen;
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(kek);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        _inner = inner;
        var dataKey = RandomNumberGenerator.GetBytes(32);
        _prefix = RandomNumberGenerator.GetBytes(8);
        _header = JsonSerializer.SerializeToUtf8Bytes(
            new EnvelopeHeader(EnvelopeEncryption.Algorithm, kek.KeyId, Convert.ToBase64String(kek.Wrap(dataKey)), Convert.ToHexStringLower(_prefix), chunkBytes),
            EnvelopeEncryption.Options);
        _aes = new AesGcm(dataKey, EnvelopeEncryption.TagBytes);
        CryptographicOperations.ZeroMemory(dataKey);
        KeyEncryptionKeyId = kek.KeyId;
        _chunk = new byte[chunkBytes];
        _sealed = new byte[chunkBytes + EnvelopeEncryption.TagBytes];
    }

    /// <summary>The KEK that wrapped this file's data key (for the commit log).</summary>
    public string KeyEncryptionKeyId { get; }

    /// <summary>Plaintext bytes written so far.</summary>
    public long PlainBytes { get; private set; }

    /// <inheritdoc />
    public override bool CanRead => false;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => !_closed;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => PlainBytes;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        WriteHeaderOnce();
        while (buffer.Length > 0)
        {
            if (_filled == _chunk.Length)
            {
                // More data follows a full chunk: it was not the last one.
                SealAndWrite(last: false);
            }

            var take = Math.Min(buffer.Length, _chunk.Length - _filled);
            buffer[..take].CopyTo(_chunk.AsSpan(_filled));
            _filled += take;
            PlainBytes += take;
            buffer = buffer[take..];
        }
    }

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Same as Write, but the inner stream (a blob block stager) is written asynchronously.
        ObjectDisposedException.ThrowIf(_closed, this);
        await WriteHeaderOnceAsync(cancellationToken);
        while (buffer.Length > 0)
        {
            if (_filled == _chunk.Length)
            {
                await SealAndWriteAsync(last: false, cancellationToken);
            }

            var take = Math.Min(buffer.Length, _chunk.Length - _filled);
            buffer.Span[..take].CopyTo(_chunk.AsSpan(_filled));
            _filled += take;
            PlainBytes += take;
            buffer = buffer[take..];
        }
    }

    /// <inheritdoc />
    public override void Flush() => _inner.Flush();

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_closed)
        {
            WriteHeaderOnce();
            SealAndWrite(last: true);
            _inner.Flush();
            _closed = true;
            _aes.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (!_closed)
        {
            await WriteHeaderOnceAsync(CancellationToken.None);
            await SealAndWriteAsync(last: true, CancellationToken.None);
            await _inner.FlushAsync();
            _closed = true;
            _aes.Dispose();
            if (!_leaveOpen)
            {
                await _inner.DisposeAsync();
            }
        }

        await base.DisposeAsync();
    }

    private async ValueTask WriteHeaderOnceAsync(CancellationToken cancellationToken)
    {
        if (_headerWritten)
        {
            return;
        }

        var lead = new byte[EnvelopeEncryption.Magic.Length + 4];
        EnvelopeEncryption.Magic.CopyTo(lead, 0);
        BinaryPrimitives.WriteInt32LittleEndian(lead.AsSpan(EnvelopeEncryption.Magic.Length), _header.Length);
        await _inner.WriteAsync(lead, cancellationToken);
        await _inner.WriteAsync(_header, cancellationToken);
        _headerWritten = true;
    }

    private async ValueTask SealAndWriteAsync(bool last, CancellationToken cancellationToken)
    {
        EnvelopeEncryption.Seal(_aes, _prefix, _header, _index, last, _chunk.AsSpan(0, _filled), _sealed);
        await _inner.WriteAsync(_sealed.AsMemory(0, _filled + EnvelopeEncryption.TagBytes), cancellationToken);
        _index++;
        _filled = 0;
    }

    private void WriteHeaderOnce()
    {
        if (_headerWritten)
        {
            return;
        }

        Span<byte> lead = stackalloc byte[EnvelopeEncryption.Magic.Length + 4];
        EnvelopeEncryption.Magic.CopyTo(lead);
        BinaryPrimitives.WriteInt32LittleEndian(lead[EnvelopeEncryption.Magic.Length..], _header.Length);
        _inner.Write(lead);
        _inner.Write(_header);
        _headerWritten = true;
    }

    private void SealAndWrite(bool last)
    {
        EnvelopeEncryption.Seal(_aes, _prefix, _header, _index, last, _chunk.AsSpan(0, _filled), _sealed);
        _inner.Write(_sealed, 0, _filled + EnvelopeEncryption.TagBytes);
        _index++;
        _filled = 0;
    }
}
