using System.Text;
using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Reads UTF-8 text lines from a stream with a fixed upper bound on memory, keeping the 1-based line number and
/// the byte offset of each line for error reports. Accepts LF and CRLF endings and skips a UTF-8 byte-order mark.
/// </summary>
internal sealed class CsvLineReader
{
    private const int InitialBufferBytes = 64 * 1024;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly Stream _stream;
    private readonly string _sourceUri;
    private readonly int _maxLineBytes;
    private byte[] _bytes;
    private char[] _chars;
    private int _start;
    private int _end;
    private int _scanFrom;
    private long _bufferOffset;
    private bool _endOfStream;
    private bool _atBeginning = true;
    private int _charCount;

    public CsvLineReader(Stream stream, string sourceUri, int maxLineBytes)
    {
        _stream = stream;
        _sourceUri = sourceUri;
        _maxLineBytes = maxLineBytes;
        _bytes = new byte[Math.Min(InitialBufferBytes, maxLineBytes + 2)];
        _chars = new char[Math.Min(InitialBufferBytes, maxLineBytes)];
    }

    /// <summary>1-based number of the current line.</summary>
    public int LineNumber { get; private set; }

    /// <summary>Byte offset of the start of the current line, from where reading began.</summary>
    public long LineOffset { get; private set; }

    /// <summary>Bytes consumed so far (the offset just after the current line).</summary>
    public long BytesConsumed => _bufferOffset + _start;

    /// <summary>The current line without its line ending.</summary>
    public ReadOnlySpan<char> Line => _chars.AsSpan(0, _charCount);

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
            var newline = Array.IndexOf(_bytes, (byte)'\n', _scanFrom, _end - _scanFrom);
            if (newline >= 0)
            {
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

        if (_chars.Length < length)
        {
            _chars = new char[Math.Min(Math.Max(length, _chars.Length * 2), _maxLineBytes)];
        }

        _charCount = Utf8.GetChars(_bytes, _start, length, _chars, 0);
        _start = next;
        _scanFrom = next;
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
            throw new InvalidMediaException(_sourceUri, 0, "the file is UTF-16 text; sensor CSV must be UTF-8");
        }

        if (_end >= 3 && _bytes[0] == 0xEF && _bytes[1] == 0xBB && _bytes[2] == 0xBF)
        {
            _start = 3;
            _scanFrom = 3;
        }
    }
}
