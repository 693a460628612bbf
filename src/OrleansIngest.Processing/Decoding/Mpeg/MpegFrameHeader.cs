using System.Buffers.Binary;

namespace OrleansIngest.Processing.Decoding.Mpeg;

/// <summary>A parsed MPEG-1/2/2.5 audio frame header (layers I, II, III).</summary>
internal readonly record struct MpegFrameHeader(
    int Version,
    int Layer,
    bool HasCrc,
    int BitRateIndex,
    int BitRate,
    int SampleRateIndex,
    int SampleRate,
    int Padding,
    int ChannelMode,
    int ModeExtension,
    bool Copyright,
    int FrameLength,
    int SampleCount)
{
    /// <summary>MPEG-1 (ISO 11172-3).</summary>
    public const int Mpeg1 = 1;

    /// <summary>MPEG-2 low sampling frequencies.</summary>
    public const int Mpeg2 = 2;

    /// <summary>The unofficial MPEG-2.5 extension.</summary>
    public const int Mpeg25 = 3;

    public const int ModeMono = 3;

    private static readonly int[][] BitRates =
    [
        [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
        [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    ];

    private static readonly int[] SampleRates = [44100, 48000, 32000];

    public int Channels => ChannelMode == ModeMono ? 1 : 2;

    /// <summary>Bytes of layer III side information after the header (and CRC).</summary>
    public int SideInfoSize => (Version == Mpeg1, Channels == 1) switch
    {
        (true, false) => 32,
        (true, true) => 17,
        (false, false) => 17,
        _ => 9,
    };

    public string Codec => Layer switch
    {
        1 => "mp1",
        2 => "mp2",
        _ => "mp3",
    };

    /// <summary>Parses the 4 bytes at the start of <paramref name="bytes"/>; null with a reason when they are not a usable header.</summary>
    public static MpegFrameHeader? TryParse(ReadOnlySpan<byte> bytes, out string reason)
    {
        reason = "";
        if (bytes.Length < 4)
        {
            reason = "fewer than 4 bytes";
            return null;
        }

        var h = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (h >> 21 != 0x7FF)
        {
            reason = $"no frame sync (found 0x{h:X8})";
            return null;
        }

        var version = ((h >> 19) & 3) switch
        {
            0 => Mpeg25,
            2 => Mpeg2,
            3 => Mpeg1,
            _ => 0,
        };
        var layer = 4 - (int)((h >> 17) & 3);
        var bitRateIndex = (int)((h >> 12) & 0xF);
        var rateIndex = (int)((h >> 10) & 3);
        reason = (version, layer, bitRateIndex, rateIndex, h & 3) switch
        {
            (0, _, _, _, _) => "reserved MPEG version",
            (_, 4, _, _, _) => "reserved layer",
            (_, _, 15, _, _) => "invalid bit rate index 15",
            (_, _, 0, _, _) => "free-format bit rate (not supported)",
            (_, _, _, 3, _) => "reserved sample rate index",
            (_, _, _, _, 2) => "reserved emphasis",
            (Mpeg25, not 3, _, _, _) => "MPEG-2.5 defines layer III only",
            _ => "",
        };
        if (reason.Length > 0)
        {
            return null;
        }

        var table = version == Mpeg1 ? layer - 1 : (layer == 1 ? 3 : 4);
        var bitRate = BitRates[table][bitRateIndex] * 1000;
        var sampleRate = SampleRates[rateIndex] >> (version - 1);
        var padding = (int)((h >> 9) & 1);
        var frameLength = layer switch
        {
            1 => ((12 * bitRate / sampleRate) + padding) * 4,
            3 when version != Mpeg1 => (72 * bitRate / sampleRate) + padding,
            _ => (144 * bitRate / sampleRate) + padding,
        };
        var samples = layer switch
        {
            1 => 384,
            3 when version != Mpeg1 => 576,
            _ => 1152,
        };
        return new MpegFrameHeader(
            version,
            layer,
            ((h >> 16) & 1) == 0,
            bitRateIndex,
            bitRate,
            rateIndex,
            sampleRate,
            padding,
            (int)((h >> 6) & 3),
            (int)((h >> 4) & 3),
            ((h >> 3) & 1) != 0,
            frameLength,
            samples);
    }
}
