using System.Buffers.Binary;
using System.Text;

namespace OrleansIngest.Processing.Tests.Decoding;

/// <summary>
/// Builds WAV files byte by byte for tests, honest by default, with every size and field overridable
/// so that tests can write lying headers.
/// </summary>
internal sealed class WavFileBuilder
{
    public ushort FormatTag { get; set; } = 1;

    public ushort Channels { get; set; } = 1;

    public uint SampleRate { get; set; } = 16000;

    public ushort BitsPerSample { get; set; } = 16;

    public ushort? BlockAlign { get; set; }

    /// <summary>Writes WAVE_FORMAT_EXTENSIBLE with this sub-format tag (1 = PCM, 3 = float).</summary>
    public ushort? ExtensibleSubFormat { get; set; }

    public ushort? ValidBitsPerSample { get; set; }

    public bool Rf64 { get; set; }

    public bool OmitDs64 { get; set; }

    public string RiffMagic { get; set; } = "RIFF";

    public string FormType { get; set; } = "WAVE";

    public uint? RiffSize { get; set; }

    public uint? FmtSize { get; set; }

    public uint? DataSize { get; set; }

    public long? Ds64DataSize { get; set; }

    public bool OmitFmt { get; set; }

    public bool OmitData { get; set; }

    public byte[] Data { get; set; } = [];

    public List<(string Id, byte[] Body)> ChunksBeforeFmt { get; } = [];

    public List<(string Id, byte[] Body)> ChunksBeforeData { get; } = [];

    public List<(string Id, byte[] Body)> ChunksAfterData { get; } = [];

    public int DataOffset { get; private set; }

    public byte[] Build()
    {
        var body = new MemoryStream();
        body.Write(Encoding.ASCII.GetBytes(FormType));
        var ds64Position = -1L;
        if (Rf64 && !OmitDs64)
        {
            WriteChunkHeader(body, "ds64", 28);
            ds64Position = body.Position;
            body.Write(new byte[28]);
        }

        foreach (var (id, chunk) in ChunksBeforeFmt)
        {
            WriteChunk(body, id, chunk);
        }

        if (!OmitFmt)
        {
            var fmt = FormatBytes();
            WriteChunkHeader(body, "fmt ", FmtSize ?? (uint)fmt.Length);
            body.Write(fmt);
        }

        foreach (var (id, chunk) in ChunksBeforeData)
        {
            WriteChunk(body, id, chunk);
        }

        if (!OmitData)
        {
            WriteChunkHeader(body, "data", DataSize ?? (Rf64 ? uint.MaxValue : (uint)Data.Length));
            DataOffset = (int)body.Position + 8;
            body.Write(Data);
            if (Data.Length % 2 == 1)
            {
                body.WriteByte(0);
            }
        }

        foreach (var (id, chunk) in ChunksAfterData)
        {
            WriteChunk(body, id, chunk);
        }

        var bytes = body.ToArray();
        if (ds64Position >= 0)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan((int)ds64Position), bytes.Length);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan((int)ds64Position + 8), Ds64DataSize ?? Data.Length);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan((int)ds64Position + 16), Data.Length / Math.Max(1, Channels * BitsPerSample / 8));
        }

        var file = new MemoryStream();
        file.Write(Encoding.ASCII.GetBytes(Rf64 && RiffMagic == "RIFF" ? "RF64" : RiffMagic));
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, RiffSize ?? (Rf64 ? uint.MaxValue : (uint)bytes.Length));
        file.Write(size);
        file.Write(bytes);
        return file.ToArray();
    }

    public static byte[] Pcm16(params short[] samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2 * i), samples[i]);
        }

        return bytes;
    }

    public static byte[] Pcm24(params int[] samples)
    {
        var bytes = new byte[samples.Length * 3];
        for (var i = 0; i < samples.Length; i++)
        {
            bytes[3 * i] = (byte)samples[i];
            bytes[(3 * i) + 1] = (byte)(samples[i] >> 8);
            bytes[(3 * i) + 2] = (byte)(samples[i] >> 16);
        }

        return bytes;
    }

    public static byte[] Pcm32(params int[] samples)
    {
        var bytes = new byte[samples.Length * 4];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), samples[i]);
        }

        return bytes;
    }

    public static byte[] Float32(params float[] samples)
    {
        var bytes = new byte[samples.Length * 4];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), samples[i]);
        }

        return bytes;
    }

    public static byte[] Float64(params double[] samples)
    {
        var bytes = new byte[samples.Length * 8];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), samples[i]);
        }

        return bytes;
    }

    private byte[] FormatBytes()
    {
        var extensible = ExtensibleSubFormat is not null;
        var fmt = new byte[extensible ? 40 : 16];
        var blockAlign = BlockAlign ?? (ushort)(Channels * BitsPerSample / 8);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt, extensible ? (ushort)0xFFFE : FormatTag);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(2), Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(4), SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(8), SampleRate * blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(12), blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(14), BitsPerSample);
        if (extensible)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(16), 22);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(18), ValidBitsPerSample ?? BitsPerSample);
            BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(20), 0);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(24), ExtensibleSubFormat!.Value);
            byte[] tail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
            tail.CopyTo(fmt.AsSpan(26));
        }

        return fmt;
    }

    private static void WriteChunk(Stream stream, string id, byte[] body)
    {
        WriteChunkHeader(stream, id, (uint)body.Length);
        stream.Write(body);
        if (body.Length % 2 == 1)
        {
            stream.WriteByte(0);
        }
    }

    private static void WriteChunkHeader(Stream stream, string id, uint size)
    {
        stream.Write(Encoding.ASCII.GetBytes(id));
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, size);
        stream.Write(bytes);
    }
}
