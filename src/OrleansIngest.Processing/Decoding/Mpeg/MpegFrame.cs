using NLayer;

namespace OrleansIngest.Processing.Decoding.Mpeg;

/// <summary>
/// One whole MPEG audio frame handed to NLayer's <see cref="MpegFrameDecoder"/>: we frame and validate the
/// stream ourselves, NLayer only decodes. The object and its buffer are reused for every frame.
/// </summary>
internal sealed class MpegFrame : IMpegFrame
{
    // Largest frame: layer II at 384 kbit/s and 32 kHz with padding is 1,729 bytes; layer I, 1,680.
    public const int MaxLength = 2048;

    private readonly byte[] _data = new byte[MaxLength];
    private MpegFrameHeader _header;
    private int _bitPosition;
    private int _dataStartBits;

    public int SampleRate => _header.SampleRate;

    public int SampleRateIndex => _header.SampleRateIndex;

    public int FrameLength => _header.FrameLength;

    public int BitRate => _header.BitRate;

    public MpegVersion Version => _header.Version switch
    {
        MpegFrameHeader.Mpeg1 => MpegVersion.Version1,
        MpegFrameHeader.Mpeg2 => MpegVersion.Version2,
        _ => MpegVersion.Version25,
    };

    public MpegLayer Layer => (MpegLayer)_header.Layer;

    public MpegChannelMode ChannelMode => (MpegChannelMode)_header.ChannelMode;

    public int ChannelModeExtension => _header.ModeExtension;

    public int SampleCount => _header.SampleCount;

    public int BitRateIndex => _header.BitRateIndex;

    public bool IsCopyrighted => _header.Copyright;

    public bool HasCrc => _header.HasCrc;

    // CRCs are checked before a frame reaches the decoder; a failing frame never gets here.
    public bool IsCorrupted => false;

    public MpegFrameHeader Header => _header;

    public ReadOnlySpan<byte> Bytes => _data.AsSpan(0, _header.FrameLength);

    public void Load(MpegFrameHeader header, ReadOnlySpan<byte> bytes)
    {
        _header = header;
        bytes[..header.FrameLength].CopyTo(_data);
        _dataStartBits = (4 + (header.HasCrc ? 2 : 0)) * 8;
        _bitPosition = _dataStartBits;
    }

    public void Reset() => _bitPosition = _dataStartBits;

    public int ReadBits(int bitCount)
    {
        if (bitCount is < 1 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(bitCount));
        }

        if (_bitPosition + bitCount > _header.FrameLength * 8)
        {
            return -1;
        }

        var value = 0;
        for (var remaining = bitCount; remaining > 0;)
        {
            var index = _bitPosition >> 3;
            var offset = _bitPosition & 7;
            var take = Math.Min(8 - offset, remaining);
            var bits = (_data[index] >> (8 - offset - take)) & ((1 << take) - 1);
            value = (value << take) | bits;
            remaining -= take;
            _bitPosition += take;
        }

        return value;
    }
}
