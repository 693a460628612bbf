using System.Buffers.Binary;

namespace OrleansIngest.Processing.Synthetic;

/// <summary>
/// Writes a WAVE file of a known frame count block by block, so long recordings never sit in memory whole.
/// The header goes out in the constructor; <see cref="Complete"/> checks the count and writes the pad byte.
/// The output need not be seekable and is not disposed.
/// </summary>
public sealed class WavStreamWriter
{
    private const int FmtPcmBytes = 16;
    private const int FmtFloatBytes = 18;
    private const int FmtExtensibleBytes = 40;
    private const int Ds64Bytes = 28;
    private const int FactBytes = 4;
    private const int BlockSamples = 8192;

    // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: the format tag in the first two bytes, then a fixed suffix.
    private static readonly byte[] SubFormatSuffix = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    private readonly Stream _output;
    private readonly WavSampleFormat _format;
    private readonly int _channels;
    private readonly long _frameCount;
    private readonly byte[] _block;
    private long _samplesWritten;

    /// <summary>Validates the parameters and writes the header for <paramref name="frameCount"/> frames.</summary>
    public WavStreamWriter(Stream output, int sampleRate, int channels, WavSampleFormat format, long frameCount, WavWriteOptions options = WavWriteOptions.None)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        var bytesPerSample = WavEncoder.BytesPerSample(format);
        var blockAlign = (long)bytesPerSample * channels;
        if (blockAlign > ushort.MaxValue || blockAlign * sampleRate > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(channels), "The frame size or byte rate does not fit a WAVE header.");
        }

        _output = output;
        _format = format;
        _channels = channels;
        _frameCount = frameCount;
        _block = new byte[BlockSamples * bytesPerSample];
        DataBytes = checked(frameCount * blockAlign);
        WriteHeader(sampleRate, (int)blockAlign, bytesPerSample, options);
    }

    /// <summary>Size of the data chunk's payload in bytes (without the pad byte).</summary>
    public long DataBytes { get; }

    /// <summary>Writes interleaved samples; the total over all calls must equal the declared frame count.</summary>
    public void Write(ReadOnlySpan<float> interleaved)
    {
        if (_samplesWritten + interleaved.Length > _frameCount * _channels)
        {
            throw new InvalidOperationException("More samples than the header declares.");
        }

        var bytesPerSample = WavEncoder.BytesPerSample(_format);
        while (!interleaved.IsEmpty)
        {
            var count = Math.Min(interleaved.Length, BlockSamples);
            WavEncoder.Encode(interleaved[..count], _format, _block);
            _output.Write(_block, 0, count * bytesPerSample);
            _samplesWritten += count;
            interleaved = interleaved[count..];
        }
    }

    /// <summary>Checks that every declared frame was written and writes the pad byte of an odd data chunk.</summary>
    public void Complete()
    {
        if (_samplesWritten != _frameCount * _channels)
        {
            throw new InvalidOperationException($"The header declares {_frameCount * _channels} samples but {_samplesWritten} were written.");
        }

        if ((DataBytes & 1) == 1)
        {
            _output.WriteByte(0);
        }
    }

    private void WriteHeader(int sampleRate, int blockAlign, int bytesPerSample, WavWriteOptions options)
    {
        var isFloat = _format is WavSampleFormat.Float32 or WavSampleFormat.Float64;
        var extensible = options.HasFlag(WavWriteOptions.Extensible);
        var fmtBytes = extensible ? FmtExtensibleBytes : isFloat ? FmtFloatBytes : FmtPcmBytes;

        // The spec asks for a fact chunk (frame count) with every non-PCM format.
        var factChunk = isFloat ? 8 + FactBytes : 0;
        var paddedData = DataBytes + (DataBytes & 1);
        var riffBytes = 4 + (8 + fmtBytes) + factChunk + 8 + paddedData;
        var rf64 = options.HasFlag(WavWriteOptions.Rf64) || riffBytes > uint.MaxValue;
        if (rf64)
        {
            riffBytes += 8 + Ds64Bytes;
        }

        var header = new List<byte>(128);
        void Ascii(string id) => header.AddRange(System.Text.Encoding.ASCII.GetBytes(id));
        void U16(int value)
        {
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value);
            header.AddRange(b);
        }

        void U32(long value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)value);
            header.AddRange(b);
        }

        void U64(long value)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)value);
            header.AddRange(b);
        }

        Ascii(rf64 ? "RF64" : "RIFF");
        U32(rf64 ? uint.MaxValue : riffBytes);
        Ascii("WAVE");
        if (rf64)
        {
            Ascii("ds64");
            U32(Ds64Bytes);
            U64(riffBytes);
            U64(DataBytes);
            U64(_frameCount);
            U32(0);
        }

        var formatTag = isFloat ? 3 : 1;
        var bits = bytesPerSample * 8;
        Ascii("fmt ");
        U32(fmtBytes);
        U16(extensible ? 0xFFFE : formatTag);
        U16(_channels);
        U32(sampleRate);
        U32((long)sampleRate * blockAlign);
        U16(blockAlign);
        U16(bits);
        if (extensible)
        {
            U16(22);
            U16(bits);
            U32(ChannelMask(_channels));
            U16(formatTag);
            header.AddRange(SubFormatSuffix);
        }
        else if (isFloat)
        {
            U16(0);
        }

        if (isFloat)
        {
            Ascii("fact");
            U32(FactBytes);
            U32(rf64 && _frameCount > uint.MaxValue ? uint.MaxValue : _frameCount);
        }

        Ascii("data");
        U32(rf64 ? uint.MaxValue : DataBytes);
        _output.Write(header.ToArray());
    }

    private static long ChannelMask(int channels) => channels switch
    {
        1 => 0x4, // front centre
        2 => 0x3, // front left, front right
        <= 18 => (1L << channels) - 1, // the first n speaker positions in WAVE order
        _ => 0, // more than the defined positions: unassigned
    };
}
