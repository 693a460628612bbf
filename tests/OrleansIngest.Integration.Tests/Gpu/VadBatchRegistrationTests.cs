using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Silo.Hosting;

namespace OrleansIngest.Integration.Tests.Gpu;

/// <summary>The silo's registration sizes the VAD batcher from the options and the provider the VAD session got.</summary>
[Trait("Category", "Unit")]
public sealed class VadBatchRegistrationTests
{
    [Fact]
    public async Task VadBatcher_OnACpuSiloWithoutAConfiguredBatchAdvances64Streams()
    {
        await using var services = Build([]);

        var vad = services.GetRequiredService<VadBatcher>();

        Assert.Equal(SileroVadModel.CpuProvider, services.GetRequiredService<SileroVadModel>().ActualProvider);
        Assert.Equal(64, vad.Settings.MaxBatch);
    }

    [Fact]
    public async Task VadBatcher_ForACudaRequestIsSizedByTheProviderTheSessionGot()
    {
        await using var services = Build(new() { ["OrleansIngest:Worker:ExecutionProvider"] = "cuda" });
        var model = services.GetRequiredService<SileroVadModel>();

        var vad = services.GetRequiredService<VadBatcher>();

        // Without a GPU (or the CUDA build) the request falls back to the CPU, and so does the batch.
        Assert.Equal(model.ActualProvider == SileroVadModel.CudaProvider ? 1024 : 64, vad.Settings.MaxBatch);
    }

    [Fact]
    public async Task VadBatcher_TakesAConfiguredBatch()
    {
        await using var services = Build(new() { ["OrleansIngest:Worker:VadMaxBatch"] = "200" });

        var vad = services.GetRequiredService<VadBatcher>();

        Assert.Equal(200, vad.Settings.MaxBatch);
    }

    [Fact]
    public async Task SileroVadModel_OnACpuSiloComputesItsStftOnTheHostUnlessTurnedOff()
    {
        await using var byDefault = Build([]);
        await using var turnedOff = Build(new() { ["OrleansIngest:Worker:VadFftFrontEnd"] = "false" });

        Assert.Equal("fft", byDefault.GetRequiredService<SileroVadModel>().FrontEnd);
        Assert.Equal("graph", turnedOff.GetRequiredService<SileroVadModel>().FrontEnd);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddOrleansIngestServices();
        return services.BuildServiceProvider();
    }
}
