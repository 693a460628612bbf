using System.Buffers.Binary;

namespace OrleansIngest.Processing.Synthetic;

/// <summary>
/// Writes little-endian RIFF/WAVE (or RF64) files from float samples in [-1, 1]. Integer formats clamp to that
/// range, round to nearest and scale symmetrically (full scale = 2^(bits-1) - 1); NaN becomes silence. Float
/// formats keep the values as given.
/// </summary>
public static class WavEncoder
{
    /// <summary>Writes a whole file: header, samples and the pad byte an odd-sized data chunk needs.</summary>
    public static void Write(Stream output, ReadOnlySpan<float> interleaved, int sampleRate, int channels, WavSampleFormat format) =>
        Write(output, interleaved, sampleRate, channels, format, WavWriteOptions.None);

    /// <summary>Writes a whole file with the given header <paramref name="options"/>.</summary>
    public static void Write(
        Stream output,
        ReadOnlySpan<float> interleaved,
        int sampleRate,
        int channels,
        WavSampleFormat format,
        WavWriteOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (interleaved.Length % channels != 0)
        {
            throw new ArgumentException($"{interleaved.Length} samples are not a whole number of {channels}-channel frames.", nameof(interleaved));
        }

        var writer = new WavStreamWriter(output, sampleRate, channels, format, interleaved.Length / channels, options);
        writer.Write(interleaved);
        writer.Complete();
    }

    /// <summary>Bytes one sample of <paramref name="format"/> takes.</summary>
    public static int BytesPerSample(WavSampleFormat format) => format switch
    {
        WavSampleFormat.Pcm8 => 1,
        WavSampleFormat.Pcm16 => 2,
        WavSampleFormat.Pcm24 => 3,
        WavSampleFormat.Pcm32 or WavSampleFormat.Float32 => 4,
        WavSampleFormat.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown sample format."),
    };

    /// <summary>Encodes samples into <paramref name="destination"/>, which must hold BytesPerSample × count bytes.</summary>
    internal static void Encode(ReadOnlySpan<float> samples, WavSampleFormat format, Span<byte> destination)
    {
        switch (format)
        {
            case WavSampleFormat.Pcm8:
                for (var i = 0; i < samples.Length; i++)
                {
                    destination[i] = (byte)(Quantize(samples[i], 127) + 128);
                }

                break;
            case WavSampleFormat.Pcm16:
                for (var i = 0; i < samples.Length; i++)
                {
                    BinaryPrimitives.WriteInt16LittleEndian(destination[(2 * i)..], (short)Quantize(samples[i], short.MaxValue));
                }

                break;
            case WavSampleFormat.Pcm24:
                for (var i = 0; i < samples.Length; i++)
                {
                    var q = Quantize(samples[i], 8_388_607);
                    destination[3 * i] = (byte)q;
                    destination[(3 * i) + 1] = (byte)(q >> 8);
                    destination[(3 * i) + 2] = (byte)(q >> 16);
                }

                break;
            case WavSampleFormat.Pcm32:
                for (var i = 0; i < samples.Length; i++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(destination[(4 * i)..], Quantize(samples[i], int.MaxValue));
                }

                break;
            case WavSampleFormat.Float32:
                for (var i = 0; i < samples.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(destination[(4 * i)..], samples[i]);
                }

                break;
            case WavSampleFormat.Float64:
                for (var i = 0; i < samples.Length; i++)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(destination[(8 * i)..], samples[i]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown sample format.");
        }
    }

    private static int Quantize(float sample, int fullScale)
    {
        if (float.IsNaN(sample))
        {
            return 0;
        }

        // Double keeps 24- and 32-bit scaling exact; float has only a 24-bit mantissa.
        var clamped = Math.Clamp((double)sample, -1.0, 1.0);
        return (int)Math.Round(clamped * fullScale, MidpointRounding.AwayFromZero);
    }
}
