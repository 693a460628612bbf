using System.Buffers.Binary;
using System.Globalization;

namespace OrleansIngest.Processing.Decoding;

/// <summary>
/// Streaming WAV decoder: RIFF, RF64/BW64 (ds64), PCM 8 (unsigned), 16, 24 and 32 bit, IEEE float 32 and
/// 64 bit, WAVE_FORMAT_EXTENSIBLE with a PCM or float sub-format, 1 to 64 channels, 1000 to 768000 Hz.
/// The header is validated against the declared stream length before any sample is read; anything
/// malformed raises <see cref="InvalidMediaException"/> naming the problem and its byte offset.
/// <para>
/// Sizes: in RF64/BW64 a RIFF or data size of 0xFFFFFFFF defers to the ds64 chunk. In plain RIFF a
/// header a streaming writer never patched (data size 0xFFFFFFFF, or RIFF and data sizes both 0 or
/// 0xFFFFFFFF) means the samples run to the end of the RIFF chunk, or of the file. Any other declared
/// size beyond the end of the file is an error. Unknown chunks (LIST, fact, junk, …) are skipped with
/// their pad byte; chunks after the data chunk are never read.
/// </para>
/// </summary>
public static class WavDecoder
{
    /// <summary>Lowest sample rate accepted; anything below is a corrupt header, not audio.</summary>
    public const int MinSampleRate = 1000;

    /// <summary>Highest sample rate accepted.</summary>
    public const int MaxSampleRate = 768000;

    /// <summary>Highest channel count accepted.</summary>
    public const int MaxChannels = 64;

    private const ushort FormatPcm = 0x0001;
    private const ushort FormatFloat = 0x0003;
    private const ushort FormatExtensible = 0xFFFE;
    private const uint SizeUnknown = 0xFFFFFFFF;
    private const int ChunkHeaderSize = 8;
    private const int WaveFormatSize = 16;
    private const int ExtensibleFormatSize = 40;
    private const int Ds64MinSize = 28;
    private const int Ds64RiffSizeOffset = 20;

    // The fixed tail of KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: {0000xxxx-0000-0010-8000-00AA00389B71}.
    private static ReadOnlySpan<byte> SubFormatGuidTail =>
        [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <summary>
    /// Parses the header of the WAV file that starts at the current position of <paramref name="stream"/>
    /// and returns a source positioned at the first sample. The stream is read forward only, in blocks;
    /// the caller keeps ownership of it and must keep it open while the source is read.
    /// </summary>
    /// <param name="stream">The file's bytes, from its first byte on.</param>
    /// <param name="streamLength">The file's length in bytes (e.g. the blob size); sizes declared in the
    /// header are checked against it.</param>
    /// <param name="sourceUri">Name of the source, used in error messages.</param>
    /// <param name="cancellationToken">Cancels the header read.</param>
    /// <exception cref="InvalidMediaException">The header is malformed or the format unsupported.</exception>
    public static async ValueTask<IAudioSource> OpenAsync(
        Stream stream, long streamLength, string sourceUri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceUri);
        ArgumentOutOfRangeException.ThrowIfNegative(streamLength);

        var reader = new ForwardStreamReader(stream, streamLength, sourceUri);
        try
        {
            var source = await ParseHeaderAsync(reader, cancellationToken);
            reader = null;
            return source;
        }
        finally
        {
            reader?.Dispose();
        }
    }

    /// <summary>Parses the header at the reader's position (its start); the source owns the reader on success.</summary>
    internal static async ValueTask<IAudioSource> OpenAsync(ForwardStreamReader reader, CancellationToken cancellationToken) =>
        await ParseHeaderAsync(reader, cancellationToken);

    private static async ValueTask<WavAudioSource> ParseHeaderAsync(ForwardStreamReader reader, CancellationToken cancellationToken)
    {
        var length = reader.Length;
        if (length == 0)
        {
            throw Invalid(reader, 0, "file is empty");
        }

        if (length < 12)
        {
            throw Invalid(reader, 0, $"file is {length} bytes, too short for a RIFF/WAVE header (12 bytes)");
        }

        await RequireAsync(reader, 12, "RIFF header", cancellationToken);
        var magic = reader.Buffered[..4];
        var isRf64 = magic.SequenceEqual("RF64"u8) || magic.SequenceEqual("BW64"u8);
        if (!isRf64 && !magic.SequenceEqual("RIFF"u8))
        {
            var reason = magic.SequenceEqual("RIFX"u8)
                ? "big-endian RIFX files are not supported"
                : $"missing RIFF magic (found {Describe(magic)})";
            throw Invalid(reader, 0, reason);
        }

        if (!reader.Buffered.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            throw Invalid(reader, 8, $"missing WAVE form type (found {Describe(reader.Buffered.Slice(8, 4))})");
        }

        var riffSize32 = BinaryPrimitives.ReadUInt32LittleEndian(reader.Buffered[4..]);
        reader.Advance(12);

        long riffEnd;
        var riffSizeUnknown = false;
        long? ds64DataSize = null;
        if (isRf64)
        {
            (var riffSize64, ds64DataSize) = await ReadDs64Async(reader, cancellationToken);
            riffEnd = CheckRiffSize(reader, riffSize64, Ds64RiffSizeOffset);
        }
        else if (riffSize32 is 0 or SizeUnknown)
        {
            // Written by a streaming encoder that never came back to patch the header.
            riffSizeUnknown = true;
            riffEnd = length;
        }
        else
        {
            riffEnd = CheckRiffSize(reader, riffSize32, 4);
        }

        WaveFormat? format = null;
        while (true)
        {
            var chunkStart = reader.Position;
            if (riffEnd - chunkStart < ChunkHeaderSize)
            {
                var missing = format is null ? "fmt" : "data";
                throw Invalid(reader, chunkStart, $"missing {missing} chunk (RIFF data ends at byte {riffEnd})");
            }

            await RequireAsync(reader, ChunkHeaderSize, "chunk header", cancellationToken);
            var id = reader.Buffered[..4];
            var size32 = BinaryPrimitives.ReadUInt32LittleEndian(reader.Buffered[4..]);
            var isFmt = id.SequenceEqual("fmt "u8);
            var isData = id.SequenceEqual("data"u8);
            var idText = Describe(id);
            reader.Advance(ChunkHeaderSize);
            var available = riffEnd - reader.Position;

            if (isFmt)
            {
                if (format is not null)
                {
                    throw Invalid(reader, chunkStart, "duplicate fmt chunk");
                }

                if (size32 < WaveFormatSize)
                {
                    throw Invalid(reader, chunkStart, $"fmt chunk is {size32} bytes, shorter than the {WaveFormatSize} bytes of WAVEFORMAT");
                }

                if (size32 > available)
                {
                    throw Invalid(reader, chunkStart, $"truncated file: fmt chunk declares {size32} bytes but only {available} remain");
                }

                format = await ReadFormatAsync(reader, (int)Math.Min(size32, ExtensibleFormatSize), cancellationToken);
                await SkipAsync(reader, size32 - Math.Min(size32, ExtensibleFormatSize) + (size32 & 1), riffEnd, cancellationToken);
            }
            else if (isData)
            {
                if (format is null)
                {
                    throw Invalid(reader, chunkStart, "data chunk comes before the fmt chunk");
                }

                var dataStart = reader.Position;
                var remainingInFile = length - dataStart;
                long dataSize;
                if (isRf64 && size32 == SizeUnknown)
                {
                    dataSize = ds64DataSize!.Value;
                }
                else if (!isRf64 && (size32 == SizeUnknown || (size32 == 0 && riffSizeUnknown)))
                {
                    // Streaming writer: the samples run to the end of the RIFF chunk (the file, when
                    // its size is unknown too).
                    dataSize = riffEnd - dataStart;
                }
                else
                {
                    dataSize = size32;
                }

                if (dataSize > remainingInFile)
                {
                    throw Invalid(reader, chunkStart, $"truncated file: data chunk declares {dataSize} bytes but only {remainingInFile} remain");
                }

                if (dataStart + dataSize > riffEnd)
                {
                    throw Invalid(reader, chunkStart, $"data chunk ends at byte {dataStart + dataSize}, beyond the end of the RIFF chunk at byte {riffEnd} (RIFF size is wrong)");
                }

                if (dataSize % format.BlockAlign != 0)
                {
                    throw Invalid(reader, chunkStart, $"data chunk size {dataSize} is not a multiple of the block align {format.BlockAlign} (partial frame)");
                }

                var info = new AudioFormatInfo(format.Codec, format.SampleRate, format.Channels, format.BitsPerSample, dataSize / format.BlockAlign);
                return new WavAudioSource(reader, info, format.Kind, format.BlockAlign, dataSize);
            }
            else
            {
                if (size32 > available)
                {
                    throw Invalid(reader, chunkStart, $"truncated file: chunk {idText} declares {size32} bytes but only {available} remain");
                }

                // RIFF pads odd-sized chunks with one byte; a file may end without it.
                var skip = Math.Min(size32 + (size32 & 1), available);
                await SkipAsync(reader, skip, riffEnd, cancellationToken);
            }
        }
    }

    private static long CheckRiffSize(ForwardStreamReader reader, long riffSize, long offset)
    {
        if (riffSize < 4)
        {
            throw Invalid(reader, offset, $"RIFF chunk declares {riffSize} bytes, less than its 4-byte form type");
        }

        var remaining = reader.Length - 8;

        // One byte of slack: some writers count the pad byte of an odd final chunk and omit it.
        if (riffSize > remaining + 1)
        {
            throw Invalid(reader, offset, $"truncated file: RIFF chunk declares {riffSize} bytes but only {remaining} remain");
        }

        return Math.Min(8 + riffSize, reader.Length);
    }

    private static async ValueTask<(long RiffSize, long DataSize)> ReadDs64Async(ForwardStreamReader reader, CancellationToken cancellationToken)
    {
        var chunkStart = reader.Position;
        if (reader.Remaining < ChunkHeaderSize + Ds64MinSize)
        {
            throw Invalid(reader, chunkStart, "RF64 file ends before its ds64 chunk");
        }

        await RequireAsync(reader, ChunkHeaderSize + Ds64MinSize, "ds64 chunk", cancellationToken);
        var header = reader.Buffered;
        if (!header[..4].SequenceEqual("ds64"u8))
        {
            throw Invalid(reader, chunkStart, $"RF64 file lacks the ds64 chunk (found {Describe(header[..4])})");
        }

        var size = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (size < Ds64MinSize)
        {
            throw Invalid(reader, chunkStart, $"ds64 chunk is {size} bytes, shorter than {Ds64MinSize}");
        }

        var riffSize = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        var dataSize = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        if (riffSize < 0 || dataSize < 0)
        {
            throw Invalid(reader, chunkStart + 8, "ds64 chunk declares a negative size");
        }

        reader.Advance(ChunkHeaderSize + Ds64MinSize);
        var rest = size - Ds64MinSize + (size & 1);
        if (rest > reader.Remaining)
        {
            throw Invalid(reader, chunkStart, $"truncated file: ds64 chunk declares {size} bytes but only {reader.Remaining + Ds64MinSize} remain");
        }

        await SkipAsync(reader, rest, reader.Length, cancellationToken);
        return (riffSize, dataSize);
    }

    private static async ValueTask<WaveFormat> ReadFormatAsync(ForwardStreamReader reader, int size, CancellationToken cancellationToken)
    {
        var start = reader.Position;
        await RequireAsync(reader, size, "fmt chunk", cancellationToken);
        var format = ParseFormat(reader, reader.Buffered[..size], start);
        reader.Advance(size);
        return format;
    }

    private static WaveFormat ParseFormat(ForwardStreamReader reader, ReadOnlySpan<byte> fmt, long start)
    {
        var tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        var sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        var blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);

        if (channels == 0)
        {
            throw Invalid(reader, start + 2, "fmt chunk declares zero channels");
        }

        if (channels > MaxChannels)
        {
            throw Invalid(reader, start + 2, $"fmt chunk declares {channels} channels, more than the supported {MaxChannels}");
        }

        if (sampleRate is < MinSampleRate or > MaxSampleRate)
        {
            throw Invalid(reader, start + 4, $"sample rate {sampleRate} Hz is outside the supported range {MinSampleRate}..{MaxSampleRate} Hz");
        }

        var effectiveTag = tag;
        if (tag == FormatExtensible)
        {
            if (fmt.Length < ExtensibleFormatSize)
            {
                throw Invalid(reader, start, $"WAVE_FORMAT_EXTENSIBLE fmt chunk is {fmt.Length} bytes, shorter than {ExtensibleFormatSize}");
            }

            var extensionSize = BinaryPrimitives.ReadUInt16LittleEndian(fmt[16..]);
            if (extensionSize < 22)
            {
                throw Invalid(reader, start + 16, $"WAVE_FORMAT_EXTENSIBLE extension is {extensionSize} bytes, shorter than 22");
            }

            var validBits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[18..]);
            if (validBits > bits)
            {
                throw Invalid(reader, start + 18, $"valid bits per sample {validBits} exceed the container size of {bits} bits");
            }

            if (!fmt.Slice(26, SubFormatGuidTail.Length).SequenceEqual(SubFormatGuidTail))
            {
                throw Invalid(reader, start + 24, "WAVE_FORMAT_EXTENSIBLE sub-format is not a standard KSDATAFORMAT GUID");
            }

            effectiveTag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
        }

        SampleKind kind;
        string codec;
        switch (effectiveTag, bits)
        {
            case (FormatPcm, 8):
                (kind, codec) = (SampleKind.UInt8, "pcm_u8");
                break;
            case (FormatPcm, 16):
                (kind, codec) = (SampleKind.Int16, "pcm_s16le");
                break;
            case (FormatPcm, 24):
                (kind, codec) = (SampleKind.Int24, "pcm_s24le");
                break;
            case (FormatPcm, 32):
                (kind, codec) = (SampleKind.Int32, "pcm_s32le");
                break;
            case (FormatFloat, 32):
                (kind, codec) = (SampleKind.Float32, "pcm_f32le");
                break;
            case (FormatFloat, 64):
                (kind, codec) = (SampleKind.Float64, "pcm_f64le");
                break;
            case (FormatPcm, _):
                throw Invalid(reader, start + 14, $"unsupported PCM sample size of {bits} bits (supported: 8, 16, 24, 32)");
            case (FormatFloat, _):
                throw Invalid(reader, start + 14, $"unsupported IEEE float sample size of {bits} bits (supported: 32, 64)");
            default:
                var tagOffset = tag == FormatExtensible ? start + 24 : start;
                throw Invalid(reader, tagOffset, $"unsupported format tag 0x{effectiveTag:X4}{FormatName(effectiveTag)}; only PCM and IEEE float are decoded");
        }

        var expectedAlign = channels * bits / 8;
        if (blockAlign != expectedAlign)
        {
            throw Invalid(reader, start + 12, $"block align {blockAlign} is inconsistent with {channels} channels × {bits} bits (expected {expectedAlign})");
        }

        return new WaveFormat(kind, codec, channels, (int)sampleRate, bits, blockAlign);
    }

    private static string FormatName(ushort tag) => tag switch
    {
        0x0002 => " (Microsoft ADPCM)",
        0x0006 => " (A-law)",
        0x0007 => " (µ-law)",
        0x0011 => " (IMA ADPCM)",
        0x0031 => " (GSM 6.10)",
        0x0050 => " (MPEG)",
        0x0055 => " (MPEG Layer 3)",
        0x00FF => " (AAC)",
        0x2000 => " (AC-3)",
        0xF1AC => " (FLAC)",
        _ => string.Empty,
    };

    private static async ValueTask RequireAsync(ForwardStreamReader reader, int count, string what, CancellationToken cancellationToken)
    {
        if (!await reader.EnsureAsync(count, reader.Remaining, cancellationToken))
        {
            throw Invalid(reader, reader.Position + reader.BufferedCount, $"stream ended inside the {what}, before its declared length of {reader.Length} bytes");
        }
    }

    private static async ValueTask SkipAsync(ForwardStreamReader reader, long count, long limit, CancellationToken cancellationToken)
    {
        count = Math.Min(count, limit - reader.Position);
        if (count > 0 && !await reader.SkipAsync(count, cancellationToken))
        {
            throw Invalid(reader, reader.Position, $"stream ended while skipping a chunk, before its declared length of {reader.Length} bytes");
        }
    }

    private static string Describe(ReadOnlySpan<byte> id)
    {
        foreach (var b in id)
        {
            if (b is < 0x20 or > 0x7E)
            {
                return "0x" + Convert.ToHexString(id);
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"'{System.Text.Encoding.ASCII.GetString(id)}'");
    }

    private static InvalidMediaException Invalid(ForwardStreamReader reader, long offset, string reason) =>
        new(reader.SourceUri, offset, reason);

    private sealed record WaveFormat(SampleKind Kind, string Codec, int Channels, int SampleRate, int BitsPerSample, int BlockAlign);
}
