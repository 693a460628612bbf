using OrleansIngest.Processing.Features;

namespace OrleansIngest.Processing.Tests.Features;

[Trait("Category", "Unit")]
public sealed class MfccTests
{
    [Fact]
    public void Mfcc_MatchesTheOrthonormalDctIIDefinitionInDoublePrecision()
    {
        const int frames = 7;
        var random = new Random(11);
        var logMel = Enumerable.Range(0, 80 * frames).Select(_ => (float)((random.NextDouble() * 8) - 6)).ToArray();

        var mfcc = new Mfcc().Compute(logMel, frames);

        // scipy.fft.dct(x, type=2, norm="ortho"): y[k] = f(k) · 2 Σ x[n] cos(πk(2n+1)/2N), f(0) = √(1/4N), f(k) = √(1/2N).
        for (var t = 0; t < frames; t++)
        {
            for (var k = 0; k < 13; k++)
            {
                var sum = 0.0;
                for (var n = 0; n < 80; n++)
                {
                    sum += logMel[(n * frames) + t] * Math.Cos(Math.PI * k * ((2 * n) + 1) / 160.0);
                }

                var expected = 2 * sum * (k == 0 ? Math.Sqrt(1.0 / 320) : Math.Sqrt(1.0 / 160));
                Assert.Equal(expected, mfcc[(k * frames) + t], 1e-4);
            }
        }
    }

    [Fact]
    public void Mfcc_WithAllCoefficientsPreservesEachFramesEnergy()
    {
        const int frames = 3;
        var random = new Random(12);
        var logMel = Enumerable.Range(0, 80 * frames).Select(_ => (float)random.NextDouble()).ToArray();

        var mfcc = new Mfcc(80, 80).Compute(logMel, frames);

        for (var t = 0; t < frames; t++)
        {
            var input = Enumerable.Range(0, 80).Sum(n => (double)logMel[(n * frames) + t] * logMel[(n * frames) + t]);
            var output = Enumerable.Range(0, 80).Sum(k => (double)mfcc[(k * frames) + t] * mfcc[(k * frames) + t]);
            Assert.Equal(input, output, 3);
        }
    }

    [Fact]
    public void Mfcc_OfAConstantSpectrumIsItsScaledFirstCoefficientOnly()
    {
        var logMel = Enumerable.Repeat(-0.5f, 80 * 2).ToArray();

        var mfcc = new Mfcc().Compute(logMel, 2);

        Assert.Equal(-0.5 * Math.Sqrt(80), mfcc[0], 4);
        Assert.All(mfcc.Skip(2), c => Assert.Equal(0, c, 4));
    }

    [Fact]
    public void Mfcc_RejectsSpansOfTheWrongLength() =>
        Assert.Throws<ArgumentException>(() => new Mfcc().Compute(new float[80 * 3], 4));
}
