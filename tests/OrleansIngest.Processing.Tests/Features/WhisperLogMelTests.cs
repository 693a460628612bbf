using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Features;
using Xunit.Abstractions;

namespace OrleansIngest.Processing.Tests.Features;

[Trait("Category", "Unit")]
public sealed class WhisperLogMelTests(ITestOutputHelper output)
{
    [Fact]
    public async Task WhisperLogMel_MatchesIndependentFloat64ReferenceWithin1e4()
    {
        var samples = await ReadReferenceWavAsync();
        Assert.Equal(480000, samples.Length);
        var expected = SharedReference.ReadFloat64("ref_30s_logmel_f64.f64");
        var frames = WhisperLogMel.FrameCount(samples.Length);
        Assert.Equal(3000, frames);
        Assert.Equal(WhisperLogMel.MelBands * frames, expected.Length);

        var actual = new float[WhisperLogMel.MelBands * frames];
        new WhisperLogMel().Compute(samples, actual);

        var maxError = 0.0;
        var worst = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var error = Math.Abs(actual[i] - expected[i]);
            if (error > maxError)
            {
                maxError = error;
                worst = i;
            }
        }

        output.WriteLine($"max abs error vs float64 reference: {maxError:E3} at band {worst / frames}, frame {worst % frames}");
        Assert.True(maxError <= 1e-4, $"max abs error {maxError:E3} at band {worst / frames}, frame {worst % frames}");
    }

    [Fact]
    public void MelFilterBank_MatchesLibrosaSlaneyReferenceWithin1e6()
    {
        var expected = SharedReference.ReadFloat32("mel_filters_80.f32");
        var actual = WhisperLogMel.MelFilters;
        Assert.Equal(expected.Length, actual.Length);
        var maxError = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            maxError = Math.Max(maxError, Math.Abs(actual[i] - expected[i]));
        }

        output.WriteLine($"mel filter bank max abs error: {maxError:E3}");
        Assert.True(maxError <= 1e-6, $"max abs error {maxError:E3}");
    }

    [Fact]
    public void MelFilterBank_Has391NonZeroWeights()
    {
        var nonZero = 0;
        foreach (var w in WhisperLogMel.MelFilters)
        {
            nonZero += w != 0 ? 1 : 0;
        }

        Assert.Equal(391, nonZero);
    }

    [Fact]
    public void HannWindow_MatchesPeriodicReference()
    {
        var expected = SharedReference.ReadFloat64("hann_400_periodic.f64");
        var actual = WhisperLogMel.HannWindow;
        Assert.Equal(400, expected.Length);
        Assert.Equal(400, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-7, $"window[{i}] = {actual[i]}, expected {expected[i]}");
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(159, 0)]
    [InlineData(160, 1)]
    [InlineData(479999, 2999)]
    [InlineData(480000, 3000)]
    public void FrameCount_IsSampleCountDividedByHop(int samples, int frames) =>
        Assert.Equal(frames, WhisperLogMel.FrameCount(samples));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(159)]
    [InlineData(160)]
    [InlineData(161)]
    [InlineData(200)]
    [InlineData(201)]
    [InlineData(399)]
    public void WhisperLogMel_HandlesShortInputsWithoutThrowing(int length)
    {
        var samples = Tone(length, 440, 0.5f);
        var frames = WhisperLogMel.FrameCount(length);
        var destination = new float[(WhisperLogMel.MelBands * frames) + 1];
        destination[^1] = float.NaN;

        new WhisperLogMel().Compute(samples, destination);

        for (var i = 0; i < destination.Length - 1; i++)
        {
            Assert.True(float.IsFinite(destination[i]), $"value {i} is {destination[i]}");
        }

        Assert.True(float.IsNaN(destination[^1]), "wrote past 80 × frames values");
    }

    [Fact]
    public void WhisperLogMel_ShortInputMatchesNaiveDftWithMirrorPadding()
    {
        // 180 samples: one frame whose padding must reflect more than once.
        var samples = Tone(180, 1000, 0.3f);
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] += 0.01f * (i % 7);
        }

        var actual = new float[WhisperLogMel.MelBands];
        new WhisperLogMel().Compute(samples, actual);

        var padded = new double[400];
        for (var i = 0; i < 400; i++)
        {
            padded[i] = samples[MirrorIndex(i - 200, samples.Length)];
        }

        var expected = NaiveLogMel(padded);
        for (var band = 0; band < WhisperLogMel.MelBands; band++)
        {
            Assert.True(Math.Abs(actual[band] - expected[band]) <= 1e-4, $"band {band}: {actual[band]} vs {expected[band]}");
        }
    }

    [Fact]
    public void WhisperLogMel_PartialLastBatchMatchesFullComputation()
    {
        // 13 frames: not a multiple of the SIMD batch, so the last batch is partial.
        var random = new Random(7);
        var samples = new float[(13 * 160) + 37];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)((random.NextDouble() * 2) - 1) * 0.2f;
        }

        var frames = WhisperLogMel.FrameCount(samples.Length);
        var actual = new float[WhisperLogMel.MelBands * frames];
        new WhisperLogMel().Compute(samples, actual);

        // Per-frame naive reference before the segment-wide floor.
        var raw = new double[WhisperLogMel.MelBands * frames];
        for (var f = 0; f < frames; f++)
        {
            var padded = new double[400];
            for (var i = 0; i < 400; i++)
            {
                padded[i] = samples[MirrorIndex((f * 160) - 200 + i, samples.Length)];
            }

            var mel = NaiveLogMel(padded, applyFloor: false);
            for (var band = 0; band < WhisperLogMel.MelBands; band++)
            {
                raw[(band * frames) + f] = mel[band];
            }
        }

        var max = raw.Max();
        for (var i = 0; i < raw.Length; i++)
        {
            var expected = (Math.Max(raw[i], max - 8) + 4) / 4;
            Assert.True(Math.Abs(actual[i] - expected) <= 1e-4, $"value {i}: {actual[i]} vs {expected}");
        }
    }

    [Fact]
    public void WhisperLogMel_RejectsTooShortDestination()
    {
        var samples = new float[1600];
        Assert.Throws<ArgumentException>(() => new WhisperLogMel().Compute(samples, new float[(80 * 10) - 1]));
    }

    [Fact]
    public async Task WhisperLogMel_InstanceReuseGivesIdenticalResults()
    {
        var samples = (await ReadReferenceWavAsync())[..48000];
        var mel = new WhisperLogMel();
        var first = new float[80 * 300];
        var second = new float[80 * 300];
        mel.Compute(samples, first);
        mel.Compute(new float[4000], new float[80 * 25]);
        mel.Compute(samples, second);
        Assert.Equal(first, second);
    }

    internal static async Task<float[]> ReadReferenceWavAsync()
    {
        var path = SharedReference.Path("ref_30s.wav");
        await using var stream = File.OpenRead(path);
        using var source = await WavDecoder.OpenAsync(stream, stream.Length, path);
        var samples = new float[source.Format.TotalFrames!.Value];
        var read = 0;
        int n;
        while ((n = await source.ReadAsync(samples.AsMemory(read))) > 0)
        {
            read += n;
        }

        Assert.Equal(samples.Length, read);
        return samples;
    }

    private static float[] Tone(int length, double hz, float amplitude)
    {
        var samples = new float[length];
        for (var i = 0; i < length; i++)
        {
            samples[i] = amplitude * (float)Math.Sin(2 * Math.PI * hz * i / 16000);
        }

        return samples;
    }

    private static int MirrorIndex(int index, int length)
    {
        var period = 2 * (length - 1);
        index = ((index % period) + period) % period;
        return index < length ? index : period - index;
    }

    // Direct O(n²) DFT in double: an independent check of the FFT path.
    private static double[] NaiveLogMel(double[] frame, bool applyFloor = true)
    {
        var filters = WhisperLogMel.MelFilters;
        var power = new double[201];
        for (var k = 0; k <= 200; k++)
        {
            double re = 0, im = 0;
            for (var i = 0; i < 400; i++)
            {
                var w = 0.5 - (0.5 * Math.Cos(2 * Math.PI * i / 400));
                var angle = -2 * Math.PI * k * i / 400;
                re += frame[i] * w * Math.Cos(angle);
                im += frame[i] * w * Math.Sin(angle);
            }

            power[k] = (re * re) + (im * im);
        }

        var mel = new double[80];
        for (var band = 0; band < 80; band++)
        {
            double sum = 0;
            for (var k = 0; k <= 200; k++)
            {
                sum += filters[(band * 201) + k] * power[k];
            }

            mel[band] = Math.Log10(Math.Max(sum, 1e-10));
        }

        if (applyFloor)
        {
            var max = mel.Max();
            for (var band = 0; band < 80; band++)
            {
                mel[band] = (Math.Max(mel[band], max - 8) + 4) / 4;
            }
        }

        return mel;
    }
}
