using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansIngest.Cli.Commands;
using OrleansIngest.Silo.Hosting;

namespace OrleansIngest.Integration.Tests.Hosting;

/// <summary>The silo's memory settings: Orleans' grain-location cache sized for ingest, the CLI's GC configuration.</summary>
[Trait("Category", "Unit")]
public sealed class SiloMemorySettingsTests
{
    [Fact]
    public void EmbeddedCluster_SizesTheGrainDirectoryCacheForIngestNotOrleansDefault()
    {
        using var host = EmbeddedCluster.Build(lanes: 0, verbose: false);

        var options = host.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value;
        Assert.Equal(OrleansIngestHostingExtensions.GrainDirectoryCacheSize, options.CacheSize);
        Assert.True(options.CacheSize < GrainDirectoryOptions.DEFAULT_CACHE_SIZE);
    }

    [Fact]
    public void CliRuntimeConfig_StartsArraysUpTo8MBInGenerationZero()
    {
        // The CLI is the silo's entry point (docker/silo.Dockerfile); its runtimeconfig travels with the build output.
        var path = Path.Combine(AppContext.BaseDirectory, "orleans-ingest.runtimeconfig.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var properties = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.Equal(8 * 1024 * 1024, properties.GetProperty("System.GC.LOHThreshold").GetInt32());
        Assert.Equal(7, properties.GetProperty("System.GC.ConserveMemory").GetInt32());
    }
}
