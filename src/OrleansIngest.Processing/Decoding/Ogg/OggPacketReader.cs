using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace OrleansIngest.Processing.Decoding.Ogg;

/// <summary>
/// Reads the packets of the first Vorbis or Opus logical stream of an Ogg file, strictly forward, one page at
/// a time (a page is at most 65,307 bytes). Every page is checked: capture pattern, version, CRC-32, page
/// sequence, packet continuation, and declared sizes against the file length. Pages of other logical
/// streams (e.g. a Skeleton track) are checked and skipped; chained streams are rejected.
/// </summary>
internal sealed class OggPacketReader : IDisposable
{
    /// <summary>Largest possible page: header, 255 lacing values, 255 segments of 255 bytes.</summary>
    public const int MaxPageSize = HeaderSize + 255 + (255 * 255);

    private const int HeaderSize = 27;
    private const int MaxPacketBytes = 16 * 1024 * 1024;
    private const byte FlagContinued = 0x01;
    private const byte FlagBeginning = 0x02;
    private const byte FlagEnd = 0x04;

    private readonly ForwardStreamReader _reader;
    private readonly List<string> _otherStreams = [];
    private byte[] _packet;
    private int _packetLength;
    private long _packetStart = -1;

    // The page being consumed; it stays in the reader's buffer until all of its segments are used.
    private int _pageLength;
    private int _segmentIndex;
    private int _segmentCount;
    private int _lastCompleteSegment;
    private int _bodyCursor;
    private byte _pageFlags;
    private long _pageGranule;
    private long _pageOffset;

    private uint? _serial;
    private uint _expectedSequence;
    private long _pages;
    private bool _endOfStream;

    public OggPacketReader(ForwardStreamReader reader)
    {
        _reader = reader;
        reader.EnsureCapacity(MaxPageSize);
        _packet = ArrayPool<byte>.Shared.Rent(4096);
    }

    public string SourceUri => _reader.SourceUri;

    /// <summary>The codec of the chosen logical stream, once the first packet was read.</summary>
    public OggCodec Codec { get; private set; }

    /// <summary>The current packet.</summary>
    public ReadOnlySpan<byte> Packet => _packet.AsSpan(0, _packetLength);

    /// <summary>Byte offset of the page where the current packet starts.</summary>
    public long PacketOffset { get; private set; }

    /// <summary>Granule position of the page, when the current packet is the last one completed on it; otherwise -1.</summary>
    public long PacketGranule { get; private set; }

    /// <summary>The current packet is the last of the logical stream.</summary>
    public bool PacketEndsStream { get; private set; }

    /// <summary>
    /// Reads the next packet of the chosen stream (the first is its identification header). False after the
    /// end-of-stream packet, once the rest of the file has been checked.
    /// </summary>
    public async ValueTask<bool> ReadPacketAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_pageLength == 0)
            {
                if (!await NextOwnPageAsync(cancellationToken))
                {
                    return false;
                }
            }

            if (TakePacketFromPage())
            {
                return true;
            }

            FinishPage();
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        if (_packet.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_packet);
            _packet = [];
        }
    }

    private bool TakePacketFromPage()
    {
        var page = _reader.Buffered[.._pageLength];
        var lacing = page.Slice(HeaderSize, _segmentCount);
        var body = page[(HeaderSize + _segmentCount)..];
        while (_segmentIndex < _segmentCount)
        {
            var index = _segmentIndex++;
            var size = lacing[index];
            if (_packetStart < 0)
            {
                _packetStart = _pageOffset;
                _packetLength = 0;
            }

            Append(body.Slice(_bodyCursor, size));
            _bodyCursor += size;
            if (size < 255)
            {
                var last = index == _lastCompleteSegment;
                PacketOffset = _packetStart;
                PacketGranule = last ? _pageGranule : -1;
                PacketEndsStream = last && (_pageFlags & FlagEnd) != 0;
                _packetStart = -1;
                return true;
            }
        }

        return false;
    }

    private void Append(ReadOnlySpan<byte> segment)
    {
        var needed = _packetLength + segment.Length;
        if (needed > MaxPacketBytes)
        {
            throw Invalid(_packetStart, $"Ogg packet exceeds {MaxPacketBytes} bytes");
        }

        if (needed > _packet.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _packet.Length * 2));
            _packet.AsSpan(0, _packetLength).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_packet);
            _packet = larger;
        }

        segment.CopyTo(_packet.AsSpan(_packetLength));
        _packetLength = needed;
    }

    private void FinishPage()
    {
        var ends = (_pageFlags & FlagEnd) != 0;
        if (ends && _packetStart >= 0)
        {
            throw Invalid(_pageOffset, "the end-of-stream page ends inside a packet");
        }

        _reader.Advance(_pageLength);
        _pageLength = 0;
        _endOfStream |= ends;
    }

    /// <summary>Loads the next page of the chosen stream, checking and skipping the others.</summary>
    private async ValueTask<bool> NextOwnPageAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var offset = _reader.Position;
            if (!await LoadPageAsync(cancellationToken))
            {
                if (_serial is null)
                {
                    throw Invalid(offset, NoAudioStreamReason());
                }

                if (!_endOfStream)
                {
                    throw Invalid(offset, $"truncated file: the Ogg stream ends without its end-of-stream page (after {_pages} pages)");
                }

                return false;
            }

            var page = _reader.Buffered[.._pageLength];
            var serial = BinaryPrimitives.ReadUInt32LittleEndian(page[14..]);
            var sequence = BinaryPrimitives.ReadUInt32LittleEndian(page[18..]);
            var beginning = (_pageFlags & FlagBeginning) != 0;
            if (_serial is null)
            {
                if (!beginning)
                {
                    throw Invalid(offset, _pages == 0 ? "the first Ogg page lacks the beginning-of-stream flag" : NoAudioStreamReason());
                }

                var codec = OggCodecs.Identify(page.Slice(HeaderSize + _segmentCount, Math.Min(8, page.Length - HeaderSize - _segmentCount)));
                if (OggCodecs.IsAudio(codec))
                {
                    _serial = serial;
                    Codec = codec;
                    _expectedSequence = sequence;
                }
                else
                {
                    _otherStreams.Add(codec.ToString());
                }
            }

            if (serial != _serial)
            {
                if (beginning && _serial is not null)
                {
                    throw Invalid(offset, _endOfStream
                        ? "chained Ogg streams (a new stream after the end of the first) are not supported"
                        : "a new Ogg logical stream begins after the audio stream started");
                }

                _reader.Advance(_pageLength);
                _pageLength = 0;
                continue;
            }

            CheckOwnPage(offset, sequence, beginning);
            return true;
        }
    }

    private void CheckOwnPage(long offset, uint sequence, bool beginning)
    {
        if (_endOfStream)
        {
            throw Invalid(offset, "an Ogg page follows the end-of-stream page of its stream");
        }

        if (beginning && sequence != _expectedSequence)
        {
            throw Invalid(offset, "a second beginning-of-stream page for the same Ogg stream");
        }

        if (sequence != _expectedSequence)
        {
            throw Invalid(offset, string.Create(CultureInfo.InvariantCulture, $"Ogg page sequence gap: expected page {_expectedSequence}, found {sequence} (pages are missing)"));
        }

        _expectedSequence = sequence + 1;
        var continued = (_pageFlags & FlagContinued) != 0;
        if (continued && _packetStart < 0)
        {
            throw Invalid(offset, "Ogg page continues a packet that never started");
        }

        if (!continued && _packetStart >= 0)
        {
            throw Invalid(offset, "Ogg page does not continue the packet the previous page left open (continuation missing)");
        }
    }

    /// <summary>Buffers and checks the page at the reader's position; false at the end of the file.</summary>
    private async ValueTask<bool> LoadPageAsync(CancellationToken cancellationToken)
    {
        var offset = _reader.Position;
        var remaining = _reader.Remaining;
        if (remaining == 0)
        {
            return false;
        }

        await RequireAsync(HeaderSize, offset, "Ogg page header", cancellationToken);
        var header = _reader.Buffered;
        if (!header[..4].SequenceEqual("OggS"u8))
        {
            throw Invalid(offset, $"lost Ogg page sync: expected 'OggS', found 0x{Convert.ToHexString(header[..4])} (junk or corrupted data)");
        }

        if (header[4] != 0)
        {
            throw Invalid(offset + 4, $"unsupported Ogg version {header[4]}");
        }

        _pageFlags = header[5];
        if ((_pageFlags & ~(FlagContinued | FlagBeginning | FlagEnd)) != 0)
        {
            throw Invalid(offset + 5, $"Ogg page has undefined header flags 0x{_pageFlags:X2}");
        }

        _pageGranule = BinaryPrimitives.ReadInt64LittleEndian(header[6..]);
        _segmentCount = header[26];
        await RequireAsync(HeaderSize + _segmentCount, offset, "Ogg page header", cancellationToken);
        var lacing = _reader.Buffered.Slice(HeaderSize, _segmentCount);
        var bodyLength = 0;
        _lastCompleteSegment = -1;
        for (var i = 0; i < lacing.Length; i++)
        {
            bodyLength += lacing[i];
            if (lacing[i] < 255)
            {
                _lastCompleteSegment = i;
            }
        }

        var pageLength = HeaderSize + _segmentCount + bodyLength;
        if (pageLength > remaining)
        {
            throw Invalid(offset, $"truncated file: Ogg page {_pages} declares {pageLength} bytes but only {remaining} remain");
        }

        await RequireAsync(pageLength, offset, "Ogg page", cancellationToken);
        var page = _reader.Buffered[..pageLength];
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(page[22..]);
        var crc = OggCrc.Update(0, page[..22]);
        crc = OggCrc.Update(crc, [0, 0, 0, 0]);
        crc = OggCrc.Update(crc, page[26..]);
        if (crc != stored)
        {
            throw Invalid(offset, $"Ogg page {_pages} fails its CRC-32 check (stored 0x{stored:X8}, computed 0x{crc:X8}): corrupted page");
        }

        _pageOffset = offset;
        _pageLength = pageLength;
        _segmentIndex = 0;
        _bodyCursor = 0;
        _pages++;
        return true;
    }

    private async ValueTask RequireAsync(int count, long pageOffset, string what, CancellationToken cancellationToken)
    {
        if (count > _reader.Remaining || !await _reader.EnsureAsync(count, _reader.Remaining, cancellationToken))
        {
            throw Invalid(pageOffset, $"truncated file: the stream ends inside the {what} at byte {pageOffset}");
        }
    }

    private string NoAudioStreamReason() => _otherStreams.Count == 0
        ? "the Ogg file has no Vorbis or Opus stream"
        : $"the Ogg file has no Vorbis or Opus stream (found: {string.Join(", ", _otherStreams)}; only Vorbis and Opus are decoded)";

    private InvalidMediaException Invalid(long offset, string reason) => new(_reader.SourceUri, offset, reason);
}
