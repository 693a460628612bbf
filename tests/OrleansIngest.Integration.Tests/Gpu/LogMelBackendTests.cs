using Microsoft.Extensions.Options;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Silo.Worker;

namespace OrleansIngest.Integration.Tests.Gpu;

[Trait("Category", "Unit")]
public sealed class LogMelBackendTests
{
    [Fact]
    public async Task LogMelBackend_OnnxSettingGivesABatcherOnTheVadProvider()
    {
        using var vad = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath, SileroVadModel.PinnedSha256));
        await using var backend = new LogMelBackend(Options.Create(new WorkerOptions { LogMel = "onnx", LogMelMaxBatch = 2 }), vad);

        Assert.Equal(LogMelBackend.Onnx, backend.Implementation);
        Assert.Equal(SileroVadModel.CpuProvider, backend.Provider);
        Assert.NotNull(backend.Batcher);
        Assert.Equal(2, backend.Batcher.MaxBatch);
    }

    [Fact]
    public async Task LogMelBackend_AutoOnACpuSiloKeepsTheManagedPath()
    {
        using var vad = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath, SileroVadModel.PinnedSha256));
        await using var backend = new LogMelBackend(Options.Create(new WorkerOptions()), vad);

        Assert.Equal(LogMelBackend.Managed, backend.Implementation);
        Assert.Null(backend.Batcher);
    }
}
