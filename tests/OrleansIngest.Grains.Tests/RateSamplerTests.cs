namespace OrleansIngest.Grains.Tests;

/// <summary>Per-second rates of a job's counters over about the last minute of progress reads.</summary>
[Trait("Category", "Unit")]
public sealed class RateSamplerTests
{
    private static readonly DateTimeOffset Start = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Sample_IsZeroForTheFirstSample()
    {
        var sampler = new RateSampler();

        var rate = sampler.Sample(Start, 1_000, 1_000_000);

        Assert.Equal((0d, 0d), rate);
    }

    [Fact]
    public void Sample_IsZeroUntilTwoSamplesAreASecondApart()
    {
        var sampler = new RateSampler();
        sampler.Sample(Start, 0, 0);

        var halfASecond = sampler.Sample(Start + Milliseconds(500), 50, 500);
        var almostASecond = sampler.Sample(Start + Milliseconds(999), 99, 990);
        var aSecond = sampler.Sample(Start + Milliseconds(1_000), 100, 1_000);

        Assert.Equal((0d, 0d), halfASecond);
        Assert.Equal((0d, 0d), almostASecond);
        Assert.Equal((100d, 1_000d), aSecond);
    }

    [Fact]
    public void Sample_GivesPerSecondRatesSinceTheOldestSampleKept()
    {
        var sampler = new RateSampler();
        sampler.Sample(Start, 0, 0);
        sampler.Sample(Start + Milliseconds(10_000), 50, 500);

        var rate = sampler.Sample(Start + Milliseconds(30_000), 300, 3_000);

        Assert.Equal((10d, 100d), rate);
    }

    [Fact]
    public void Sample_DoesNotKeepSamplesCloserThanASecondToThePreviousOne()
    {
        var sampler = new RateSampler();
        sampler.Sample(Start, 0, 0);
        sampler.Sample(Start + Milliseconds(10_000), 100, 100);
        // Half a second after the previous kept sample: not kept, so it never becomes the oldest sample.
        sampler.Sample(Start + Milliseconds(10_500), 1_000, 1_000);
        sampler.Sample(Start + Milliseconds(30_000), 2_000, 2_000);

        // The samples at 0 s and 10 s are over a minute old; had the one at 10.5 s been kept it would be the oldest.
        var (unitsPerSecond, bytesPerSecond) = sampler.Sample(Start + Milliseconds(70_200), 5_000, 5_000);

        Assert.Equal(3_000 / 40.2, unitsPerSecond, 9);
        Assert.Equal(3_000 / 40.2, bytesPerSecond, 9);
    }

    [Fact]
    public void Sample_ReflectsTheLastMinuteNotTheWholeHistory()
    {
        var sampler = new RateSampler();
        (double UnitsPerSecond, double BytesPerSecond) rate = default;
        // 1 unit/s for two minutes, then 100 units/s for a minute.
        for (var t = 0; t <= 180; t += 10)
        {
            long units = t <= 120 ? t : 120 + (100 * (t - 120));
            rate = sampler.Sample(Start + Milliseconds(t * 1_000), units, units * 10);
        }

        Assert.Equal(100, rate.UnitsPerSecond, 9);
        Assert.Equal(1_000, rate.BytesPerSecond, 9);
    }

    [Fact]
    public void Sample_IsZeroNotNegativeWhenCountersGoDown()
    {
        var sampler = new RateSampler();
        sampler.Sample(Start, 100, 1_000);

        var bothDown = sampler.Sample(Start + Milliseconds(5_000), 10, 50);
        var bytesDown = sampler.Sample(Start + Milliseconds(10_000), 200, 500);

        Assert.Equal((0d, 0d), bothDown);
        Assert.Equal(10, bytesDown.UnitsPerSecond, 9);
        Assert.Equal(0, bytesDown.BytesPerSecond);
    }

    private static TimeSpan Milliseconds(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);
}
