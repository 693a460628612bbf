using OrleansIngest.Abstractions;
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

        Assert.Equal(8, options.EffectiveLanes(64, Cpu(2)));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void DefaultLanes_RoundUpWhenTheBatchIsNotAMultipleOfTheSegmentsInFlight()
    {
        var options = new WorkerOptions { MaxSegmentsInFlight = 8 };

        Assert.Equal(13, options.EffectiveLanes(100, Cpu(2)));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void DefaultLanes_OnACudaSiloAreEnoughToFillItsThousandStreamBatch()
    {
        var options = new WorkerOptions { MaxSegmentsInFlight = 8 };

        var lanes = options.EffectiveLanes(WorkerOptions.ResolveVadMaxBatch(options.VadMaxBatch, SileroVadModel.CudaProvider), Cpu(16));

        Assert.Equal(128, lanes);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void ConfiguredLanes_AreTakenAsGiven()
    {
        var options = new WorkerOptions { Lanes = 3 };

        Assert.Equal(3, options.EffectiveLanes(1024, Cpu(16)));
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
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerOptions().EffectiveLanes(0, Cpu(2)));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void DefaultLanes_OnAManyCoreSiloAreOnePerCoreTimesItsWeight()
    {
        var options = new WorkerOptions { MaxSegmentsInFlight = 8 };

        Assert.Equal(24, options.EffectiveLanes(64, new SiloCapacity(12, 0, 0, "", 2)));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void DefaultLanes_OnAWeightedGpuSiloAreNotScaledBeyondWhatFillsItsBatch()
    {
        var options = new WorkerOptions { MaxSegmentsInFlight = 8 };

        // Weight 4 (one GPU) on 16 cores: 64 core lanes, 128 to fill a 1024-stream batch, not 4 × 128.
        Assert.Equal(128, options.EffectiveLanes(1024, new SiloCapacity(16, 1, 143_771, "NVIDIA H200", 4)));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void ConfiguredLanes_AreScaledByTheWeight()
    {
        var options = new WorkerOptions { Lanes = 2 };

        Assert.Equal(8, options.EffectiveLanes(64, new SiloCapacity(2, 1, 80_000, "gpu", 4)));
    }

    private static SiloCapacity Cpu(int cores) => new(cores, 0, 0, "", 1);
}
