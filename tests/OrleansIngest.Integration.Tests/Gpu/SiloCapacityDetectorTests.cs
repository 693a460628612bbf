using OrleansIngest.Abstractions;
using OrleansIngest.Silo.Worker;

namespace OrleansIngest.Integration.Tests.Gpu;

[Trait("Category", "Unit")]
public sealed class SiloCapacityDetectorTests
{
    [Fact]
    public void ParseNvidiaSmi_ReadsNameAndMemoryOfEachGpu()
    {
        var gpus = SiloCapacityDetector.ParseNvidiaSmi("NVIDIA H200, 143771\nNVIDIA A100-SXM4-80GB, 81920 MiB\n");

        Assert.Equal([("NVIDIA H200", 143771L), ("NVIDIA A100-SXM4-80GB", 81920L)], gpus);
    }

    [Fact]
    public void ParseNvidiaSmi_SkipsDriverErrorLines()
    {
        var gpus = SiloCapacityDetector.ParseNvidiaSmi(
            "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\nTesla T4, [N/A]\n");

        Assert.Empty(gpus);
    }

    [Fact]
    public void Detect_DerivesWeightFromDetectedGpus()
    {
        var capacity = SiloCapacityDetector.Detect(new WorkerCapacityOptions { Cores = 16 }, () => "NVIDIA H200, 143771\n");

        Assert.Equal(new SiloCapacity(16, 1, 143771, "NVIDIA H200", 4), capacity);
    }

    [Fact]
    public void Detect_WithoutNvidiaSmiAdvertisesNoGpuAndWeightOne()
    {
        var capacity = SiloCapacityDetector.Detect(new WorkerCapacityOptions(), () => null);

        Assert.Equal(new SiloCapacity(Environment.ProcessorCount, 0, 0, "", 1), capacity);
    }

    [Fact]
    public void Detect_ConfigurationOverridesWhatIsDetected()
    {
        var options = new WorkerCapacityOptions { Cores = 8, GpuCount = 2, GpuMemoryMiB = 1000, Weight = 2.5 };

        var capacity = SiloCapacityDetector.Detect(options, () => "NVIDIA H200, 143771\n");

        Assert.Equal(new SiloCapacity(8, 2, 1000, "NVIDIA H200", 2.5), capacity);
    }

    [Fact]
    public void Detect_GpuCountZeroDoesNotRunNvidiaSmi()
    {
        var ran = false;

        var capacity = SiloCapacityDetector.Detect(new WorkerCapacityOptions { GpuCount = 0 }, () =>
        {
            ran = true;
            return "NVIDIA H200, 143771\n";
        });

        Assert.False(ran);
        Assert.Equal(0, capacity.GpuCount);
        Assert.Equal(1, capacity.Weight);
    }

    [Theory]
    [InlineData(1, 4.0, 4)]
    [InlineData(2, 1.0, 2)]
    [InlineData(3, 1.5, 5)]
    [InlineData(1, 0.2, 1)]
    public void WeightedLanes_ScalesLanesByWeightAndKeepsAtLeastOne(int lanes, double weight, int expected)
    {
        Assert.Equal(expected, SiloCapacityDetector.WeightedLanes(lanes, new SiloCapacity(2, 0, 0, "", weight)));
    }

    [Theory]
    [InlineData("auto", "cuda", "onnx")]
    [InlineData("auto", "cpu", "managed")]
    [InlineData("onnx", "cpu", "onnx")]
    [InlineData("managed", "cuda", "managed")]
    public void LogMelBackend_ResolvesAutoToOnnxOnlyOnCuda(string configured, string provider, string expected)
    {
        Assert.Equal(expected, LogMelBackend.Resolve(configured, provider));
    }
}
