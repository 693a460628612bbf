using System.Buffers.Binary;

namespace OrleansIngest.Processing.Decoding.Flac;

/// <summary>The STREAMINFO metadata block: the stream's fixed parameters.</summary>
internal sealed record FlacStreamInfo(
    int MinBlockSize,
    int MaxBlockSize,
    int MinFrameSize,
    int MaxFrameSize,
    int SampleRate,
    int Channels,
    int BitsPerSample,
    long TotalSamples,
    byte[] Md5)
{
    public const int Size = 34;

    /// <summary>Parses the 34-byte block body; <paramref name="offset"/> is where it starts in the file.</summary>
    public static FlacStreamInfo Parse(ReadOnlySpan<byte> body, long offset, string sourceUri)
    {
        var minBlock = BinaryPrimitives.ReadUInt16BigEndian(body);
        var maxBlock = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
        var minFrame = (body[4] << 16) | (body[5] << 8) | body[6];
        var maxFrame = (body[7] << 16) | (body[8] << 8) | body[9];
        var packed = BinaryPrimitives.ReadUInt64BigEndian(body[10..]);
        var sampleRate = (int)(packed >> 44);
        var channels = (int)((packed >> 41) & 0x7) + 1;
        var bits = (int)((packed >> 36) & 0x1F) + 1;
        var total = (long)(packed & 0xF_FFFF_FFFF);

        if (maxBlock < 16 || minBlock < 16 || minBlock > maxBlock)
        {
            throw new InvalidMediaException(sourceUri, offset, $"STREAMINFO block sizes {minBlock}..{maxBlock} are invalid (16..65535, min ≤ max)");
        }

        if (sampleRate == 0)
        {
            throw new InvalidMediaException(sourceUri, offset + 10, "STREAMINFO declares a sample rate of 0 Hz");
        }

        if (bits < 4)
        {
            throw new InvalidMediaException(sourceUri, offset + 12, $"STREAMINFO declares {bits} bits per sample (4..32 allowed)");
        }

        return new FlacStreamInfo(minBlock, maxBlock, minFrame, maxFrame, sampleRate, channels, bits, total, body.Slice(18, 16).ToArray());
    }

    /// <summary>Whether the encoder recorded the MD5 of the decoded audio (all zeros means it did not).</summary>
    public bool HasMd5 => Md5.AsSpan().IndexOfAnyExcept((byte)0) >= 0;

    /// <summary>
    /// The largest a valid frame can be: a verbatim frame of the largest block (side channels carry one extra
    /// bit), plus up to 10 bits per sample of Rice partition headers (one-sample partitions with escape codes)
    /// and header room. Frames are buffered whole, so this bounds memory per stream (at most ~2.8 MB).
    /// </summary>
    public int MaxFrameBytes => checked(64 + (Channels * ((MaxBlockSize * (BitsPerSample + 11) / 8) + 512)));
}
