using OrleansIngest.Processing.Inference;
using OrleansIngest.Silo.Worker;

namespace OrleansIngest.Integration.Tests.Gpu;

public sealed class WorkerOptionsLanesTests
{
    [Fact]
    [Trait("Category", "Unit")]
    public void DefaultLanes_AreEnoughToFillAVadBatchOnASmallMachine()
    {
        var options = new WorkerOptions { MaxSegmentsInFlight = 8 };

        Assert.Equal(Math.Max(Environment.ProcessorCount, 8), options.EffectiveLanes(64));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void DefaultLanes_RoundUpWhenTheBatchIsNotAMultipleOfTheSegmentsInFlight()
    {
        var options = new WorkerOptions { MaxSegmentsInFlight = 8 };

        Assert.Equal(Math.Max(Environment.ProcessorCount, 13), options.EffectiveLanes(100));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void DefaultLanes_OnACudaSiloAreEnoughToFillItsThousandStreamBatch()
    {
        var options = new WorkerOptions { MaxSegmentsInFlight = 8 };

        var lanes = options.EffectiveLanes(WorkerOptions.ResolveVadMaxBatch(options.VadMaxBatch, SileroVadModel.CudaProvider));

        Assert.Equal(Math.Max(Environment.ProcessorCount, 128), lanes);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void ConfiguredLanes_AreTakenAsGiven()
    {
        var options = new WorkerOptions { Lanes = 3 };

        Assert.Equal(3, options.EffectiveLanes(1024));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void VadMaxBatch_IsAutomaticByDefault()
    {
        Assert.Equal(0, new WorkerOptions().VadMaxBatch);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void ResolveVadMaxBatch_AutomaticIs64OnCpu()
    {
        Assert.Equal(64, WorkerOptions.ResolveVadMaxBatch(0, SileroVadModel.CpuProvider));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void ResolveVadMaxBatch_AutomaticIs1024OnCuda()
    {
        Assert.Equal(1024, WorkerOptions.ResolveVadMaxBatch(0, SileroVadModel.CudaProvider));
    }

    [Theory]
    [Trait("Category", "Unit")]
    [InlineData("cpu")]
    [InlineData("cuda")]
    public void ResolveVadMaxBatch_TakesAConfiguredBatchOnEitherProvider(string provider)
    {
        Assert.Equal(200, WorkerOptions.ResolveVadMaxBatch(200, provider));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void ResolveVadMaxBatch_GoesByTheProviderTheSessionGotNotTheOneAskedFor()
    {
        // A silo configured with ExecutionProvider=auto whose CUDA did not load reports "cpu" as its actual provider.
        Assert.Equal(64, WorkerOptions.ResolveVadMaxBatch(0, "cpu"));
        Assert.NotEqual(1024, WorkerOptions.ResolveVadMaxBatch(0, "auto"));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void EffectiveLanes_RejectsABatchThatWasNotResolved()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerOptions().EffectiveLanes(0));
    }
}
