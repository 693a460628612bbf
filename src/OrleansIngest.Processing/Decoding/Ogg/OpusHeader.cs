using System.Buffers.Binary;

namespace OrleansIngest.Processing.Decoding.Ogg;

/// <summary>The Ogg Opus identification header (RFC 7845 §5.1).</summary>
internal sealed record OpusHeader(int Channels, int PreSkip, int InputSampleRate, short OutputGain, int MappingFamily, int Streams, int CoupledStreams, byte[] Mapping)
{
    private const int FixedSize = 19;

    public static OpusHeader Parse(ReadOnlySpan<byte> packet, long offset, string sourceUri)
    {
        if (packet.Length < FixedSize)
        {
            throw new InvalidMediaException(sourceUri, offset, $"OpusHead is {packet.Length} bytes, shorter than {FixedSize}");
        }

        var version = packet[8];
        if (version >> 4 != 0)
        {
            throw new InvalidMediaException(sourceUri, offset, $"unsupported Ogg Opus version {version >> 4}.{version & 0xF}");
        }

        var channels = packet[9];
        if (channels == 0)
        {
            throw new InvalidMediaException(sourceUri, offset, "OpusHead declares zero channels");
        }

        var preSkip = BinaryPrimitives.ReadUInt16LittleEndian(packet[10..]);
        var inputRate = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(packet[12..]), int.MaxValue);
        var gain = BinaryPrimitives.ReadInt16LittleEndian(packet[16..]);
        var family = packet[18];
        if (family == 0)
        {
            if (channels > 2)
            {
                throw new InvalidMediaException(sourceUri, offset, $"OpusHead mapping family 0 allows 1 or 2 channels, not {channels}");
            }

            return new OpusHeader(channels, preSkip, inputRate, gain, family, 1, channels - 1, channels == 1 ? [0] : [0, 1]);
        }

        if (packet.Length < FixedSize + 2 + channels)
        {
            throw new InvalidMediaException(sourceUri, offset, $"OpusHead channel mapping table is truncated ({packet.Length} bytes for {channels} channels)");
        }

        var streams = packet[19];
        var coupled = packet[20];
        if (streams == 0 || coupled > streams || streams + coupled > 255)
        {
            throw new InvalidMediaException(sourceUri, offset, $"OpusHead declares {streams} streams with {coupled} coupled, which is invalid");
        }

        var mapping = packet.Slice(21, channels).ToArray();
        foreach (var entry in mapping)
        {
            if (entry != 255 && entry >= streams + coupled)
            {
                throw new InvalidMediaException(sourceUri, offset, $"OpusHead maps a channel to stream channel {entry}, beyond the {streams + coupled} decoded");
            }
        }

        return new OpusHeader(channels, preSkip, inputRate, gain, family, streams, coupled, mapping);
    }
}
