using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace OrleansIngest.Processing.Decoding;

/// <summary>
/// Converts little-endian PCM bytes to float samples in [-1, 1) (integer formats scaled by 2^-(bits-1),
/// unsigned 8-bit centred on 128) and downmixes interleaved channels to their arithmetic mean.
/// </summary>
internal static class PcmConverter
{
    public static int BytesPerSample(SampleKind kind) => kind switch
    {
        SampleKind.UInt8 => 1,
        SampleKind.Int16 => 2,
        SampleKind.Int24 => 3,
        SampleKind.Int32 => 4,
        SampleKind.Float32 => 4,
        SampleKind.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Index of the first NaN or infinity in <paramref name="samples"/>; -1 when all are finite.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> samples)
    {
        // x - x is 0 for finite values and NaN for NaN or infinity.
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= samples.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(samples[i..]);
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero))
                {
                    break;
                }
            }
        }

        for (; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Converts <c>destination.Length</c> samples from <paramref name="source"/>.</summary>
    public static void Convert(ReadOnlySpan<byte> source, Span<float> destination, SampleKind kind)
    {
        switch (kind)
        {
            case SampleKind.UInt8:
                ConvertUInt8(source, destination);
                break;
            case SampleKind.Int16:
                ConvertInt16(source, destination);
                break;
            case SampleKind.Int24:
                ConvertInt24(source, destination);
                break;
            case SampleKind.Int32:
                ConvertInt32(source, destination);
                break;
            case SampleKind.Float32:
                ConvertFloat32(source, destination);
                break;
            case SampleKind.Float64:
                ConvertFloat64(source, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    /// <summary>Writes the mean of each frame's <paramref name="channels"/> samples.</summary>
    public static void Downmix(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
    {
        var frames = mono.Length;
        if (channels == 1)
        {
            interleaved[..frames].CopyTo(mono);
            return;
        }

        var scale = 1f / channels;
        if (channels == 2)
        {
            var pairs = interleaved[..(frames * 2)];
            for (var i = 0; i < frames; i++)
            {
                mono[i] = (pairs[2 * i] + pairs[(2 * i) + 1]) * scale;
            }

            return;
        }

        for (var i = 0; i < frames; i++)
        {
            var frame = interleaved.Slice(i * channels, channels);
            var sum = 0f;
            foreach (var sample in frame)
            {
                sum += sample;
            }

            mono[i] = sum * scale;
        }
    }

    private static void ConvertUInt8(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (source[i] - 128) * (1f / 128);
        }
    }

    private static void ConvertInt16(ReadOnlySpan<byte> source, Span<float> destination)
    {
        const float Scale = 1f / 32768;
        var count = destination.Length;
        var i = 0;
        if (BitConverter.IsLittleEndian)
        {
            var shorts = MemoryMarshal.Cast<byte, short>(source[..(count * 2)]);
            if (Vector.IsHardwareAccelerated)
            {
                var width = Vector<short>.Count;
                var intWidth = Vector<int>.Count;
                var scale = new Vector<float>(Scale);
                for (; i <= count - width; i += width)
                {
                    Vector.Widen(new Vector<short>(shorts[i..]), out var low, out var high);
                    (Vector.ConvertToSingle(low) * scale).CopyTo(destination[i..]);
                    (Vector.ConvertToSingle(high) * scale).CopyTo(destination[(i + intWidth)..]);
                }
            }

            for (; i < count; i++)
            {
                destination[i] = shorts[i] * Scale;
            }

            return;
        }

        for (; i < count; i++)
        {
            destination[i] = BinaryPrimitives.ReadInt16LittleEndian(source[(2 * i)..]) * Scale;
        }
    }

    private static void ConvertInt24(ReadOnlySpan<byte> source, Span<float> destination)
    {
        const float Scale = 1f / 8388608;
        for (var i = 0; i < destination.Length; i++)
        {
            var b = source.Slice(3 * i, 3);
            var value = b[0] | (b[1] << 8) | ((sbyte)b[2] << 16);
            destination[i] = value * Scale;
        }
    }

    private static void ConvertInt32(ReadOnlySpan<byte> source, Span<float> destination)
    {
        const float Scale = 1f / 2147483648;
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadInt32LittleEndian(source[(4 * i)..]) * Scale;
        }
    }

    private static void ConvertFloat32(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(source[..(destination.Length * 4)]).CopyTo(destination);
            return;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
        }
    }

    private static void ConvertFloat64(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source[(8 * i)..]);
        }
    }
}
