namespace OrleansIngest.Processing.Decoding.Ogg;

/// <summary>Codecs an Ogg logical stream can carry, told apart by the first bytes of its first packet.</summary>
internal enum OggCodec
{
    Unknown,
    Vorbis,
    Opus,
    Flac,
    Speex,
    Skeleton,
    Theora,
}

/// <summary>Identifies the codec of an Ogg logical stream from its first (identification) packet.</summary>
internal static class OggCodecs
{
    private static ReadOnlySpan<byte> VorbisSignature => [0x01, (byte)'v', (byte)'o', (byte)'r', (byte)'b', (byte)'i', (byte)'s'];

    private static ReadOnlySpan<byte> FlacSignature => [0x7F, (byte)'F', (byte)'L', (byte)'A', (byte)'C'];

    private static ReadOnlySpan<byte> TheoraSignature => [0x80, (byte)'t', (byte)'h', (byte)'e', (byte)'o', (byte)'r', (byte)'a'];

    public static OggCodec Identify(ReadOnlySpan<byte> firstPacket)
    {
        if (firstPacket.StartsWith(VorbisSignature))
        {
            return OggCodec.Vorbis;
        }

        if (firstPacket.StartsWith("OpusHead"u8))
        {
            return OggCodec.Opus;
        }

        if (firstPacket.StartsWith(FlacSignature))
        {
            return OggCodec.Flac;
        }

        if (firstPacket.StartsWith("Speex   "u8))
        {
            return OggCodec.Speex;
        }

        if (firstPacket.StartsWith("fishead\0"u8))
        {
            return OggCodec.Skeleton;
        }

        return firstPacket.StartsWith(TheoraSignature) ? OggCodec.Theora : OggCodec.Unknown;
    }

    public static bool IsAudio(OggCodec codec) => codec is OggCodec.Vorbis or OggCodec.Opus;
}
