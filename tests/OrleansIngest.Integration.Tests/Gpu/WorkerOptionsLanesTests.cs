using OrleansIngest.Silo.Worker;

namespace OrleansIngest.Integration.Tests.Gpu;

public sealed class WorkerOptionsLanesTests
{
    [Fact]
    [Trait("Category", "Unit")]
    public void DefaultLanes_AreEnoughToFillAVadBatchOnASmallMachine()
    {
        var options = new WorkerOptions { VadMaxBatch = 64, MaxSegmentsInFlight = 8 };

        Assert.Equal(Math.Max(Environment.ProcessorCount, 8), options.EffectiveLanes);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void DefaultLanes_RoundUpWhenTheBatchIsNotAMultipleOfTheSegmentsInFlight()
    {
        var options = new WorkerOptions { VadMaxBatch = 100, MaxSegmentsInFlight = 8 };

        Assert.Equal(Math.Max(Environment.ProcessorCount, 13), options.EffectiveLanes);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void ConfiguredLanes_AreTakenAsGiven()
    {
        var options = new WorkerOptions { Lanes = 3 };

        Assert.Equal(3, options.EffectiveLanes);
    }
}
