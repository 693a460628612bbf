using System.Numerics;
using OrleansIngest.Processing.Dsp;
using Xunit.Abstractions;

namespace OrleansIngest.Processing.Tests.Dsp;

[Trait("Category", "Unit")]
public sealed class PolyphaseResamplerTests(ITestOutputHelper output)
{
    [Fact]
    public void Resampler_Attenuates10kHzToneByAtLeast60DbFrom44100To16000()
    {
        var input = Tone(44100, 10000, 2.0, 0.5);
        var result = ResampleAll(new PolyphaseResampler(44100, 16000), input);

        // Skip the filter transients at both ends (the edges see zeros outside the signal).
        var steady = result.AsSpan(1600, result.Length - 3200);
        var attenuation = 20 * Math.Log10(Rms(input) / Rms(steady));
        output.WriteLine($"10 kHz tone attenuation 44.1 kHz → 16 kHz: {attenuation:F1} dB");
        Assert.True(attenuation >= 60, $"attenuation {attenuation:F1} dB");
    }

    [Theory]
    [InlineData(48000)]
    [InlineData(44100)]
    [InlineData(22050)]
    [InlineData(8000)]
    [InlineData(44099)]
    public void Resampler_Passes1kHzToneWithin0_1DbAndWithoutDelay(int inputRate)
    {
        const double Frequency = 1000;
        var input = Tone(inputRate, Frequency, 1.0, 0.5);
        var result = ResampleAll(new PolyphaseResampler(inputRate, 16000), input);
        var ideal = Tone(16000, Frequency, 1.0, 0.5);
        Assert.Equal(PolyphaseResampler.GetTotalOutputCount(input.Length, inputRate, 16000), result.Length);

        var margin = 800;
        var steady = result.AsSpan(margin, result.Length - (2 * margin));
        var gainDb = 20 * Math.Log10(Rms(steady) / Rms(ideal.AsSpan(margin, steady.Length)));
        var maxError = 0.0;
        for (var i = 0; i < steady.Length; i++)
        {
            maxError = Math.Max(maxError, Math.Abs(steady[i] - ideal[margin + i]));
        }

        // A one-sample shift of a 1 kHz tone at 16 kHz would differ by up to 0.5 · 2π/16 ≈ 0.2.
        output.WriteLine($"{inputRate} Hz → 16 kHz: gain {gainDb:F4} dB, max deviation from the ideal tone {maxError:E2}");
        Assert.True(Math.Abs(gainDb) < 0.1, $"gain {gainDb:F4} dB");
        Assert.True(maxError < 2e-3, $"max deviation {maxError:E2}");
    }

    [Theory]
    [InlineData(3000)]
    [InlineData(3001)]
    [InlineData(3002)]
    public void Resampler_KeepsImpulseTimingWithinOneSample48000To16000(int impulseIndex)
    {
        var input = new float[6000];
        input[impulseIndex] = 1;
        var result = ResampleAll(new PolyphaseResampler(48000, 16000), input);

        var expectedTime = impulseIndex / 3.0;
        var peak = IndexOfMax(result);
        Assert.True(Math.Abs(peak - expectedTime) <= 1, $"peak at {peak}, expected near {expectedTime:F2}");

        // The energy centroid of the response sits where the impulse was.
        double weighted = 0, total = 0;
        for (var i = 0; i < result.Length; i++)
        {
            var energy = (double)result[i] * result[i];
            weighted += energy * i;
            total += energy;
        }

        var centroid = weighted / total;
        output.WriteLine($"impulse at input {impulseIndex}: peak {peak}, centroid {centroid:F3}, expected {expectedTime:F3}");
        Assert.True(Math.Abs(centroid - expectedTime) < 0.05, $"centroid {centroid:F3}");
    }

    [Theory]
    [InlineData(44100, 16000)]
    [InlineData(48000, 16000)]
    [InlineData(8000, 16000)]
    [InlineData(22050, 16000)]
    [InlineData(44099, 16000)]
    public void Resampler_BlockSizeDoesNotChangeOutput(int inputRate, int outputRate)
    {
        var random = new Random(inputRate);
        var input = new float[30000];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var whole = ResampleAll(new PolyphaseResampler(inputRate, outputRate), input);
        var sizes = new List<int>();
        for (var remaining = input.Length; remaining > 0;)
        {
            var size = Math.Min(remaining, random.Next(6) switch { 0 => 0, 1 => 1, 2 => 7, _ => random.Next(1, 9000) });
            sizes.Add(size);
            remaining -= size;
        }

        var pieces = ResampleAll(new PolyphaseResampler(inputRate, outputRate), input, sizes);
        Assert.Equal(whole, pieces);
    }

    [Theory]
    [InlineData(0, 44100, 16000)]
    [InlineData(1, 44100, 16000)]
    [InlineData(441, 44100, 16000)]
    [InlineData(442, 44100, 16000)]
    [InlineData(100000, 44100, 16000)]
    [InlineData(7, 8000, 16000)]
    [InlineData(12345, 48000, 16000)]
    [InlineData(12345, 16000, 48000)]
    public void Resampler_FullStreamLengthIsCeilOfInputTimesRatio(int inputLength, int inputRate, int outputRate)
    {
        var expected = (int)Math.Ceiling((double)inputLength * outputRate / inputRate);
        var result = ResampleAll(new PolyphaseResampler(inputRate, outputRate), new float[inputLength]);
        Assert.Equal(expected, result.Length);
        Assert.Equal(expected, PolyphaseResampler.GetTotalOutputCount(inputLength, inputRate, outputRate));
    }

    [Theory]
    [InlineData(44100, 16000)]
    [InlineData(48000, 16000)]
    [InlineData(22050, 16000)]
    [InlineData(8000, 16000)]
    public void ResamplerFilter_StopBandIsAtLeast80DbBelowPassBand(int inputRate, int outputRate)
    {
        var bank = PolyphaseFilterBank.Get(inputRate, outputRate);
        Assert.False(bank.Interpolated);

        // The polyphase rows interleave into one long filter on a grid of 1/L input samples.
        var lowerNyquist = Math.Min(inputRate, outputRate) / 2.0;
        var upper = Math.Max(inputRate, outputRate) / 2.0;
        var worst = double.NegativeInfinity;
        var worstAt = 0.0;
        // Fine steps near the band edge, where the worst lobe is; coarser steps above.
        for (var f = lowerNyquist; f <= upper; f += f < lowerNyquist + 400 ? 5 : 60)
        {
            var db = ResponseDb(bank, f / inputRate);
            if (db > worst)
            {
                (worst, worstAt) = (db, f);
            }
        }

        var passEdge = ResponseDb(bank, lowerNyquist * PolyphaseResampler.PassBandEdgeRatio / inputRate);
        output.WriteLine($"{inputRate} → {outputRate}: taps/phase {bank.Taps}, worst stop band {worst:F1} dB at {worstAt} Hz, pass-band edge {passEdge:F3} dB");
        Assert.True(worst <= -80, $"stop band reaches {worst:F1} dB at {worstAt} Hz");
        Assert.True(Math.Abs(passEdge) < 0.01, $"pass-band edge at {passEdge:F3} dB");
    }

    [Fact]
    public void Resampler_PassesSamplesThroughWhenRatesMatch()
    {
        var input = Tone(16000, 440, 0.1, 0.3);
        var resampler = new PolyphaseResampler(16000, 16000);
        Assert.True(resampler.IsPassThrough);
        Assert.Equal(input, ResampleAll(resampler, input));
    }

    [Fact]
    public void Resampler_FlushStartsANewStream()
    {
        var input = Tone(44100, 700, 0.2, 0.4);
        var resampler = new PolyphaseResampler(44100, 16000);
        var first = ResampleAll(resampler, input);
        var second = ResampleAll(resampler, input);
        Assert.Equal(first, second);
        Assert.Equal(0, resampler.InputCount);
        Assert.Equal(0, resampler.OutputCount);
    }

    [Fact]
    public void Resampler_RejectsOutputShorterThanTheOutputCount()
    {
        var resampler = new PolyphaseResampler(8000, 16000);
        var input = new float[1000];
        var needed = resampler.GetOutputCount(input.Length);
        Assert.Throws<ArgumentException>(() => resampler.Process(input, new float[needed - 1]));
    }

    [Fact]
    public void Resampler_KeepsConstantSignalConstant()
    {
        var input = Enumerable.Repeat(0.25f, 20000).ToArray();
        var result = ResampleAll(new PolyphaseResampler(44100, 16000), input);
        for (var i = 500; i < result.Length - 500; i++)
        {
            Assert.True(Math.Abs(result[i] - 0.25f) < 1e-5, $"sample {i} = {result[i]}");
        }
    }

    internal static float[] ResampleAll(PolyphaseResampler resampler, float[] input, IEnumerable<int>? blockSizes = null)
    {
        var result = new List<float>();
        var offset = 0;
        foreach (var size in blockSizes ?? [input.Length])
        {
            var block = input.AsSpan(offset, size);
            var buffer = new float[resampler.GetOutputCount(size)];
            var written = resampler.Process(block, buffer);
            Assert.Equal(buffer.Length, written);
            result.AddRange(buffer);
            offset += size;
        }

        var tail = new float[resampler.GetFlushCount()];
        Assert.Equal(tail.Length, resampler.Flush(tail));
        result.AddRange(tail);
        return [.. result];
    }

    internal static float[] Tone(int sampleRate, double frequency, double seconds, double amplitude)
    {
        var samples = new float[(int)(sampleRate * seconds)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * i / sampleRate));
        }

        return samples;
    }

    private static double Rms(ReadOnlySpan<float> samples)
    {
        var sum = 0.0;
        foreach (var s in samples)
        {
            sum += (double)s * s;
        }

        return Math.Sqrt(sum / samples.Length);
    }

    private static int IndexOfMax(float[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    // |H(f)| in dB for f in cycles per input sample; row p, tap i sits at t = p/L + K - 1 - i.
    private static double ResponseDb(PolyphaseFilterBank bank, double frequency)
    {
        double re = 0, im = 0;
        for (var p = 0; p < bank.Phases; p++)
        {
            var row = bank.Row(p);
            for (var i = 0; i < row.Length; i++)
            {
                var t = ((double)p / bank.Phases) + bank.HalfWidth - 1 - i;
                var angle = -2 * Math.PI * frequency * t;
                re += row[i] * Math.Cos(angle);
                im += row[i] * Math.Sin(angle);
            }
        }

        var magnitude = Math.Sqrt((re * re) + (im * im)) / bank.Phases;
        return 20 * Math.Log10(Math.Max(magnitude, 1e-30));
    }
}
