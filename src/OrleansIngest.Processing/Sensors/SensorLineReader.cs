using System.Text.Unicode;
using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Reads UTF-8 text lines from a stream with a fixed upper bound on memory, keeping the 1-based line number and
/// the byte offset of each line for error reports. Accepts LF and CRLF endings and skips a UTF-8 byte-order mark.
/// Every line is checked to be text: a NUL byte or invalid UTF-8 is rejected with the line and offset, so that
/// binary data never reaches the parsers as replacement characters.
/// </summary>
internal sealed class SensorLineReader
{
    private const int InitialBufferBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly string _sourceUri;
    private readonly int _maxLineBytes;
    private byte[] _bytes;
    private int _start;
    private int _end;
    private int _scanFrom;
    private int _lineStart;
    private int _lineLength;
    private long _bufferOffset;
    private bool _endOfStream;
    private bool _atBeginning = true;

    public SensorLineReader(Stream stream, string sourceUri, int maxLineBytes)
    {
        _stream = stream;
        _sourceUri = sourceUri;
        _maxLineBytes = maxLineBytes;
        _bytes = new byte[Math.Min(InitialBufferBytes, maxLineBytes + 3)];
    }

    /// <summary>1-based number of the current line.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Byte offset of the start of the current line, from where reading began.</summary>
    public long LineOffset { get; private set; }

    /// <summary>Bytes consumed so far (the offset just after the current line).</summary>
    public long BytesConsumed => _bufferOffset + _start;

    /// <summary>The current line without its line ending; valid UTF-8 without NUL bytes.</summary>
    public ReadOnlySpan<byte> Line => _bytes.AsSpan(_lineStart, _lineLength);

    /// <summary>Whether the current line holds only spaces and tabs (or nothing).</summary>
    public bool LineIsBlank => Line.IndexOfAnyExcept((byte)' ', (byte)'\t') < 0;

    /// <summary>Advances to the next line; false at the end of the stream.</summary>
    public async ValueTask<bool> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (_atBeginning)
        {
            if (_end >= 3 || _endOfStream)
            {
                SkipPreamble();
            }
            else
            {
                await FillAsync(cancellationToken);
            }
        }

        while (true)
        {
            var newline = _bytes.AsSpan(_scanFrom, _end - _scanFrom).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                newline += _scanFrom;
                var length = newline - _start;
                if (length > 0 && _bytes[newline - 1] == (byte)'\r')
                {
                    length--;
                }

                EmitLine(length, newline + 1);
                return true;
            }

            _scanFrom = _end;
            if (_end - _start > _maxLineBytes + 1)
            {
                throw TooLong();
            }

            if (_endOfStream)
            {
                if (_start == _end)
                {
                    return false;
                }

                var length = _end - _start;
                if (_bytes[_end - 1] == (byte)'\r')
                {
                    length--;
                }

                EmitLine(length, _end);
                return true;
            }

            await FillAsync(cancellationToken);
        }
    }

    private void EmitLine(int length, int next)
    {
        if (length > _maxLineBytes)
        {
            throw TooLong();
        }

        LineNumber++;
        LineOffset = _bufferOffset + _start;
        var line = _bytes.AsSpan(_start, length);
        var nul = line.IndexOf((byte)0);
        if (nul >= 0)
        {
            throw new InvalidMediaException(
                _sourceUri,
                LineOffset + nul,
                $"line {LineNumber} contains a NUL byte: the file is binary data, not text");
        }

        if (!Utf8.IsValid(line))
        {
            throw new InvalidMediaException(
                _sourceUri,
                LineOffset + FirstInvalidUtf8(line),
                $"line {LineNumber} is not valid UTF-8 text");
        }

        _lineStart = _start;
        _lineLength = length;
        _start = next;
        _scanFrom = next;
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> line)
    {
        var at = 0;
        while (at < line.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(line[at..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return at;
            }

            at += consumed;
        }

        return at;
    }

    private InvalidMediaException TooLong() => new(
        _sourceUri,
        _bufferOffset + _start,
        $"line {LineNumber + 1} is longer than {_maxLineBytes} bytes");

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        // Once per block, for streams that ignore the token.
        cancellationToken.ThrowIfCancellationRequested();
        if (_start > 0)
        {
            Buffer.BlockCopy(_bytes, _start, _bytes, 0, _end - _start);
            _bufferOffset += _start;
            _end -= _start;
            _scanFrom -= _start;
            _lineStart = 0;
            _lineLength = 0;
            _start = 0;
        }

        if (_end == _bytes.Length)
        {
            // Room for the longest line plus its CRLF and one byte to notice it is too long.
            var limit = _maxLineBytes + 3;
            Array.Resize(ref _bytes, (int)Math.Min((long)_bytes.Length * 2, limit));
        }

        var read = await _stream.ReadAsync(_bytes.AsMemory(_end), cancellationToken);
        if (read == 0)
        {
            _endOfStream = true;
            return;
        }

        _end += read;
    }

    private void SkipPreamble()
    {
        _atBeginning = false;
        if (_end >= 2 && ((_bytes[0] == 0xFF && _bytes[1] == 0xFE) || (_bytes[0] == 0xFE && _bytes[1] == 0xFF)))
        {
            throw new InvalidMediaException(_sourceUri, 0, "the file is UTF-16 text; sensor files must be UTF-8");
        }

        if (_end >= 3 && _bytes[0] == 0xEF && _bytes[1] == 0xBB && _bytes[2] == 0xBF)
        {
            _start = 3;
            _scanFrom = 3;
        }
    }
}
