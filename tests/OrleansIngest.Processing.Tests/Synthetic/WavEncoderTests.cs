using OrleansIngest.Processing.Synthetic;

namespace OrleansIngest.Processing.Tests.Synthetic;

[Trait("Category", "Unit")]
public sealed class WavEncoderTests
{
    public static TheoryData<WavSampleFormat, int, int> Formats()
    {
        var data = new TheoryData<WavSampleFormat, int, int>();
        foreach (var format in Enum.GetValues<WavSampleFormat>())
        {
            data.Add(format, 1, 8000);
            data.Add(format, 2, 44100);
            data.Add(format, 3, 48000);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Write_RoundTripsHeaderAndSamples(WavSampleFormat format, int channels, int sampleRate)
    {
        var (bits, tag) = Describe(format);
        var samples = Signal(channels * 101, seed: channels);

        var file = Encode(samples, sampleRate, channels, format, WavWriteOptions.None);
        var info = TestWavParser.Parse(file);

        Assert.Equal("RIFF", info.Container);
        Assert.Equal(file.Length - 8, info.RiffSize);
        Assert.Equal(tag, info.FormatTag);
        Assert.Equal(channels, info.Channels);
        Assert.Equal(sampleRate, info.SampleRate);
        Assert.Equal(bits, info.BitsPerSample);
        Assert.Equal(channels * bits / 8, info.BlockAlign);
        Assert.Equal((long)sampleRate * info.BlockAlign, info.ByteRate);
        Assert.Equal(samples.Length * bits / 8, info.DeclaredDataSize);
        Assert.Equal(tag == 3 ? 18 : 16, info.FmtSize);
        Assert.Equal(tag == 3 ? 101 : null, info.FactFrames);
        Assert.Equal(0, file.Length % 2);
        AssertSamples(samples, TestWavParser.DecodeSamples(file, info), format);
    }

    [Theory]
    [InlineData(WavSampleFormat.Pcm16, 16, 1)]
    [InlineData(WavSampleFormat.Pcm24, 24, 1)]
    [InlineData(WavSampleFormat.Float32, 32, 3)]
    public void Write_ExtensibleHeaderCarriesValidBitsMaskAndSubFormat(WavSampleFormat format, int bits, int subFormatTag)
    {
        var samples = Signal(2 * 50, seed: 7);

        var file = Encode(samples, 16000, 2, format, WavWriteOptions.Extensible);
        var info = TestWavParser.Parse(file);

        Assert.Equal(0xFFFE, info.FormatTag);
        Assert.Equal(40, info.FmtSize);
        Assert.Equal(22, info.ExtensionSize);
        Assert.Equal(bits, info.ValidBits);
        Assert.Equal(0x3, info.ChannelMask);
        Assert.Equal(new Guid($"{subFormatTag:x8}-0000-0010-8000-00aa00389b71"), info.SubFormat);
        AssertSamples(samples, TestWavParser.DecodeSamples(file, info), format);
    }

    [Fact]
    public void Write_Rf64FlagWritesDs64WithTheRealSizes()
    {
        var samples = Signal(333, seed: 3);

        var file = Encode(samples, 22050, 1, WavSampleFormat.Pcm16, WavWriteOptions.Rf64);
        var info = TestWavParser.Parse(file);

        Assert.Equal("RF64", info.Container);
        Assert.Equal(uint.MaxValue, info.RiffSize);
        Assert.Equal(["ds64", "fmt ", "data"], info.ChunkIds);
        Assert.Equal(file.Length - 8, info.Ds64RiffSize);
        Assert.Equal(666, info.Ds64DataSize);
        Assert.Equal(333, info.Ds64SampleCount);
        Assert.Equal(666, info.DeclaredDataSize);
        AssertSamples(samples, TestWavParser.DecodeSamples(file, info), WavSampleFormat.Pcm16);
    }

    [Fact]
    public void Write_PadsAnOddDataChunkAndCountsThePadInTheRiffSize()
    {
        var file = Encode([0f, 0.5f, -0.5f], 8000, 1, WavSampleFormat.Pcm8, WavWriteOptions.None);
        var info = TestWavParser.Parse(file);

        Assert.Equal(3, info.DeclaredDataSize);
        Assert.Equal(44 + 3 + 1, file.Length);
        Assert.Equal(file.Length - 8, info.RiffSize);
        Assert.Equal(0, file[^1]);
    }

    [Fact]
    public void Write_ClampsOutOfRangeSamplesAndSilencesNaN()
    {
        float[] samples = [1.5f, -2f, float.NaN, float.PositiveInfinity, float.NegativeInfinity];
        foreach (var format in new[] { WavSampleFormat.Pcm8, WavSampleFormat.Pcm16, WavSampleFormat.Pcm24, WavSampleFormat.Pcm32 })
        {
            var file = Encode(samples, 8000, 1, format, WavWriteOptions.None);

            var decoded = TestWavParser.DecodeSamples(file, TestWavParser.Parse(file));

            Assert.Equal([1.0, -1.0, 0.0, 1.0, -1.0], decoded);
        }
    }

    [Fact]
    public void Write_FloatFormatsKeepValuesBeyondFullScale()
    {
        var file = Encode([1.5f, -2f], 8000, 1, WavSampleFormat.Float32, WavWriteOptions.None);

        Assert.Equal([1.5, -2.0], TestWavParser.DecodeSamples(file, TestWavParser.Parse(file)));
    }

    [Theory]
    [InlineData(100.4, 100)]
    [InlineData(100.6, 101)]
    [InlineData(-100.6, -101)]
    public void Write_RoundsPcmToTheNearestStep(double steps, int expected)
    {
        var file = Encode([(float)(steps / 32767.0)], 8000, 1, WavSampleFormat.Pcm16, WavWriteOptions.None);

        Assert.Equal(expected, BitConverter.ToInt16(file, 44));
    }

    [Fact]
    public void Write_RoundsHalfStepsAwayFromZero()
    {
        // 0.5 × 127 = 63.5 exactly, so this is a true midpoint.
        var file = Encode([0.5f, -0.5f], 8000, 1, WavSampleFormat.Pcm8, WavWriteOptions.None);

        Assert.Equal([128 + 64, 128 - 64], file[44..46]);
    }

    [Fact]
    public void Write_RejectsAPartialFrame()
    {
        using var stream = new MemoryStream();

        Assert.Throws<ArgumentException>(() => WavEncoder.Write(stream, new float[5], 8000, 2, WavSampleFormat.Pcm16));
    }

    [Fact]
    public void StreamWriter_RefusesToCompleteWithMissingSamplesOrTakeExtraOnes()
    {
        using var stream = new MemoryStream();
        var writer = new WavStreamWriter(stream, 8000, 1, WavSampleFormat.Pcm16, frameCount: 4);
        writer.Write([0f, 0f, 0f]);

        Assert.Throws<InvalidOperationException>(writer.Complete);
        Assert.Throws<InvalidOperationException>(() => writer.Write([0f, 0f]));
    }

    [Fact]
    public void StreamWriter_WrittenInBlocksEqualsTheWholeWrite()
    {
        var samples = Signal(2 * 20_000, seed: 11);
        var whole = Encode(samples, 16000, 2, WavSampleFormat.Pcm24, WavWriteOptions.None);
        using var stream = new MemoryStream();
        var writer = new WavStreamWriter(stream, 16000, 2, WavSampleFormat.Pcm24, 20_000);
        for (var i = 0; i < samples.Length; i += 998)
        {
            writer.Write(samples.AsSpan(i, Math.Min(998, samples.Length - i)));
        }

        writer.Complete();

        Assert.Equal(whole, stream.ToArray());
    }

    private static byte[] Encode(float[] samples, int sampleRate, int channels, WavSampleFormat format, WavWriteOptions options)
    {
        using var stream = new MemoryStream();
        WavEncoder.Write(stream, samples, sampleRate, channels, format, options);
        return stream.ToArray();
    }

    private static float[] Signal(int count, int seed)
    {
        var random = new Random(seed);
        var samples = new float[count];
        for (var i = 0; i < count; i++)
        {
            samples[i] = (float)((random.NextDouble() * 2) - 1);
        }

        samples[0] = 1f;
        samples[1] = -1f;
        samples[2] = 0f;
        return samples;
    }

    private static (int Bits, int Tag) Describe(WavSampleFormat format) => format switch
    {
        WavSampleFormat.Pcm8 => (8, 1),
        WavSampleFormat.Pcm16 => (16, 1),
        WavSampleFormat.Pcm24 => (24, 1),
        WavSampleFormat.Pcm32 => (32, 1),
        WavSampleFormat.Float32 => (32, 3),
        _ => (64, 3),
    };

    private static void AssertSamples(float[] expected, double[] actual, WavSampleFormat format)
    {
        Assert.Equal(expected.Length, actual.Length);
        var step = format switch
        {
            WavSampleFormat.Pcm8 => 1 / 127.0,
            WavSampleFormat.Pcm16 => 1 / 32767.0,
            WavSampleFormat.Pcm24 => 1 / 8388607.0,
            WavSampleFormat.Pcm32 => 1 / 2147483647.0,
            _ => 0,
        };
        for (var i = 0; i < expected.Length; i++)
        {
            // Rounding to nearest is off by at most half a step (plus float noise for 32-bit PCM).
            Assert.True(Math.Abs(expected[i] - actual[i]) <= (step / 2) + 1e-12, $"sample {i}: {expected[i]} became {actual[i]}");
        }
    }
}
