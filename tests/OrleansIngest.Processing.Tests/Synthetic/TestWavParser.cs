using System.Buffers.Binary;
using System.Text;

namespace OrleansIngest.Processing.Tests.Synthetic;

/// <summary>Header fields of a WAVE file as read by <see cref="TestWavParser"/>.</summary>
internal sealed record TestWavInfo(
    string Container,
    long RiffSize,
    int FormatTag,
    int Channels,
    long SampleRate,
    long ByteRate,
    int BlockAlign,
    int BitsPerSample,
    int FmtSize,
    int? ExtensionSize,
    int? ValidBits,
    long? ChannelMask,
    Guid? SubFormat,
    long? FactFrames,
    long? Ds64RiffSize,
    long? Ds64DataSize,
    long? Ds64SampleCount,
    long DeclaredDataSize,
    long DataOffset,
    IReadOnlyList<string> ChunkIds)
{
    /// <summary>The format tag, or for WAVE_FORMAT_EXTENSIBLE the tag inside the sub-format GUID.</summary>
    public int EffectiveFormat => FormatTag == 0xFFFE && SubFormat is { } g ? BitConverter.ToUInt16(g.ToByteArray(), 0) : FormatTag;
}

/// <summary>
/// A deliberately small WAVE reader written from the RIFF/RF64 specifications, independent of the encoder
/// under test: walks chunks, reads fmt/fact/ds64 and decodes the samples to doubles.
/// </summary>
internal static class TestWavParser
{
    public static TestWavInfo Parse(byte[] file)
    {
        var container = Encoding.ASCII.GetString(file, 0, 4);
        Assert.True(container is "RIFF" or "RF64", $"not a RIFF file: '{container}'");
        Assert.Equal("WAVE", Encoding.ASCII.GetString(file, 8, 4));
        var riffSize = (long)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(4));
        int formatTag = 0, channels = 0, blockAlign = 0, bits = 0, fmtSize = 0;
        long sampleRate = 0, byteRate = 0;
        int? extensionSize = null, validBits = null;
        long? channelMask = null, factFrames = null, ds64Riff = null, ds64Data = null, ds64Samples = null;
        Guid? subFormat = null;
        var ids = new List<string>();
        var position = 12;
        while (position + 8 <= file.Length)
        {
            var id = Encoding.ASCII.GetString(file, position, 4);
            var size = (long)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(position + 4));
            ids.Add(id);
            var body = file.AsSpan(position + 8);
            switch (id)
            {
                case "ds64":
                    ds64Riff = (long)BinaryPrimitives.ReadUInt64LittleEndian(body);
                    ds64Data = (long)BinaryPrimitives.ReadUInt64LittleEndian(body[8..]);
                    ds64Samples = (long)BinaryPrimitives.ReadUInt64LittleEndian(body[16..]);
                    break;
                case "fmt ":
                    fmtSize = (int)size;
                    formatTag = BinaryPrimitives.ReadUInt16LittleEndian(body);
                    channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                    sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
                    byteRate = BinaryPrimitives.ReadUInt32LittleEndian(body[8..]);
                    blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(body[12..]);
                    bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                    if (size >= 18)
                    {
                        extensionSize = BinaryPrimitives.ReadUInt16LittleEndian(body[16..]);
                    }

                    if (size >= 40)
                    {
                        validBits = BinaryPrimitives.ReadUInt16LittleEndian(body[18..]);
                        channelMask = BinaryPrimitives.ReadUInt32LittleEndian(body[20..]);
                        subFormat = new Guid(body.Slice(24, 16));
                    }

                    break;
                case "fact":
                    factFrames = BinaryPrimitives.ReadUInt32LittleEndian(body);
                    break;
                case "data":
                    var dataSize = size == uint.MaxValue && ds64Data is { } big ? big : size;
                    return new TestWavInfo(container, riffSize, formatTag, channels, sampleRate, byteRate, blockAlign, bits, fmtSize, extensionSize, validBits, channelMask, subFormat, factFrames, ds64Riff, ds64Data, ds64Samples, dataSize, position + 8, ids);
                default:
                    break;
            }

            position += 8 + (int)size + (int)(size & 1);
        }

        throw new InvalidDataException("no data chunk");
    }

    /// <summary>Decodes the data chunk to doubles in [-1, 1] (integer formats scaled by 2^(bits-1) - 1).</summary>
    public static double[] DecodeSamples(byte[] file, TestWavInfo info)
    {
        var bytesPerSample = info.BitsPerSample / 8;
        var count = (int)(info.DeclaredDataSize / bytesPerSample);
        var samples = new double[count];
        var data = file.AsSpan((int)info.DataOffset, (int)info.DeclaredDataSize);
        var isFloat = info.EffectiveFormat == 3;
        for (var i = 0; i < count; i++)
        {
            var s = data.Slice(i * bytesPerSample, bytesPerSample);
            samples[i] = (isFloat, info.BitsPerSample) switch
            {
                (true, 32) => BinaryPrimitives.ReadSingleLittleEndian(s),
                (true, 64) => BinaryPrimitives.ReadDoubleLittleEndian(s),
                (false, 8) => (s[0] - 128) / 127.0,
                (false, 16) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32767.0,
                (false, 24) => (((s[2] << 24) | (s[1] << 16) | (s[0] << 8)) >> 8) / 8388607.0,
                (false, 32) => BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483647.0,
                _ => throw new InvalidDataException($"unsupported {info.BitsPerSample}-bit format {info.EffectiveFormat}"),
            };
        }

        return samples;
    }
}
