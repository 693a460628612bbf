using OrleansIngest.Processing.Parquet;

namespace OrleansIngest.Processing.Tests.Parquet;

[Trait("Category", "Unit")]
public sealed class MantissaRoundingTests
{
    [Fact]
    public void RoundCopy_WithAllTwentyThreeBitsCopiesEveryValueExactly()
    {
        var values = Values(1001);
        var copy = new float[values.Length];

        MantissaRounding.RoundCopy(values, copy, MantissaRounding.FullMantissaBits);

        Assert.Equal(values, copy);
    }

    [Theory]
    [InlineData(15)]
    [InlineData(10)]
    [InlineData(22)]
    public void RoundCopy_KeepsTheNearestValueWithTheLowBitsZeroTiesToEven(int bits)
    {
        var values = Values(4099);
        var rounded = new float[values.Length];

        MantissaRounding.RoundCopy(values, rounded, bits);

        var dropped = 23 - bits;
        for (var i = 0; i < values.Length; i++)
        {
            var expected = NearestByDoubles(values[i], dropped);
            Assert.True(expected == rounded[i], $"value {values[i]:R}: expected {expected:R}, got {rounded[i]:R}");
            Assert.Equal(0u, BitConverter.SingleToUInt32Bits(rounded[i]) & ((1u << dropped) - 1));
            Assert.True(Math.Abs(rounded[i] - (double)values[i]) <= Math.Abs(values[i]) * Math.Pow(2, -(bits + 1)), $"value {values[i]:R} moved too far");
        }
    }

    [Fact]
    public void RoundCopy_FifteenBitsStaysWithinOnePointFiveTimesTenToTheMinusFiveBelowTwo()
    {
        var values = Values(20_000).Select(v => Math.Clamp(v, -1.99f, 1.99f)).ToArray();
        var rounded = new float[values.Length];

        MantissaRounding.RoundCopy(values, rounded, MantissaRounding.DefaultLogMelMantissaBits);

        Assert.All(values.Zip(rounded), p => Assert.True(Math.Abs(p.First - p.Second) <= 1.53e-5, $"{p.First:R} → {p.Second:R}"));
        Assert.All(rounded, r => Assert.Equal(0u, BitConverter.SingleToUInt32Bits(r) & 0xFF));
    }

    [Fact]
    public void RoundCopy_BreaksTiesToTheEvenNeighbour()
    {
        // 1 + 2^-16 + 2^-24 … : with 15 bits kept, 0x3F800080 is exactly halfway between 0x3F800000 and 0x3F800100.
        var halfwayDown = BitConverter.UInt32BitsToSingle(0x3F80_0080);
        var halfwayUp = BitConverter.UInt32BitsToSingle(0x3F80_0180);

        Assert.Equal(0x3F80_0000u, BitConverter.SingleToUInt32Bits(MantissaRounding.Round(halfwayDown, 15)));
        Assert.Equal(0x3F80_0200u, BitConverter.SingleToUInt32Bits(MantissaRounding.Round(halfwayUp, 15)));
    }

    [Fact]
    public void RoundCopy_KeepsNaNInfinitiesZeroAndSignsInTheVectorAndTheScalarPath()
    {
        // A NaN with only low payload bits would round up into an infinity if it were treated as a number.
        var specials = new[] { float.NaN, BitConverter.UInt32BitsToSingle(0x7F80_0001), float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, -1.2345678f, float.Epsilon };
        var values = Enumerable.Repeat(specials, 9).SelectMany(s => s).ToArray();
        var rounded = new float[values.Length];

        MantissaRounding.RoundCopy(values, rounded, 15);

        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (float.IsNaN(v) || float.IsInfinity(v))
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits(v), BitConverter.SingleToUInt32Bits(rounded[i]));
            }
            else
            {
                Assert.Equal(float.IsNegative(v), float.IsNegative(rounded[i]));
                Assert.Equal(NearestByDoubles(v, 8), rounded[i]);
            }
        }
    }

    [Fact]
    public void RoundCopy_RoundsInPlace()
    {
        var values = Values(777);
        var expected = values.Select(v => MantissaRounding.Round(v, 15)).ToArray();

        MantissaRounding.RoundCopy(values, values, 15);

        Assert.Equal(expected, values);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(24)]
    public void RoundCopy_RejectsBitCountsOutsideOneToTwentyThree(int bits)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MantissaRounding.RoundCopy(new float[4], new float[4], bits));
    }

    private static float[] Values(int count)
    {
        var random = new Random(12345);
        return [.. Enumerable.Range(0, count).Select(i => (float)((random.NextDouble() - 0.3) * Math.Pow(10, (i % 9) - 4)))];
    }

    /// <summary>A reference that shares no bit arithmetic with the code: the two float neighbours, compared in doubles.</summary>
    private static float NearestByDoubles(float value, int dropped)
    {
        if (value == 0)
        {
            return value;
        }

        var bits = BitConverter.SingleToUInt32Bits(value);
        var step = 1u << dropped;
        var down = BitConverter.UInt32BitsToSingle(bits & ~(step - 1));
        var up = BitConverter.UInt32BitsToSingle((bits & ~(step - 1)) + step);
        var toDown = Math.Abs((double)value - down);
        var toUp = Math.Abs((double)up - value);
        if (toDown != toUp)
        {
            return toDown < toUp ? down : up;
        }

        return ((BitConverter.SingleToUInt32Bits(down) >> dropped) & 1) == 0 ? down : up;
    }
}
