using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using OrleansIngest.Abstractions;
using OrleansIngest.Grains;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.Silo.Hosting;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Integration.Tests.Gpu;

/// <summary>
/// Three in-process silos of one cluster, each with one configured lane: one advertises a GPU with capacity weight 4,
/// two are CPU silos of weight 1. Their workers pull units of one job; the GPU silo runs four lanes, so it settles
/// about 4/6 of the units (measured 0.58–0.81 over runs on a shared 2-core machine, 0.77–0.80 at 288 units on a faster
/// one; asserted: 0.45–0.95, each CPU silo at most 0.35).
/// </summary>
[Trait("Category", "Cluster")]
public sealed class CapacityWeightedSchedulingTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // Enough work that the job outlasts the workers' discovery of it (a 50 ms poll each): at 96 units the job took under
    // a second on a faster VM, and under CI load one run settled 99% on the GPU silo before the CPU silos saw the job.
    private const int Units = 288;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task GpuSiloOfWeight4_SettlesAProportionallyLargerShareThanCpuSilos()
    {
        using var temp = new TempDirectory("oi-capacity");
        CorpusGenerator.Generate(temp.Combine("src"), new CorpusSettings(AudioMinutes: 0, SensorFiles: Units, BadFiles: 0, Seed: 7));
        var primaryPort = FreePort();
        var hosts = new List<IHost>
        {
            BuildSilo("gpu-silo", primaryPort, primaryPort, weight: 4, gpus: 1),
            BuildSilo("cpu-silo-1", FreePort(), primaryPort, weight: 1, gpus: 0),
            BuildSilo("cpu-silo-2", FreePort(), primaryPort, weight: 1, gpus: 0),
        };
        try
        {
            foreach (var host in hosts)
            {
                await host.StartAsync();
            }

            var grains = hosts[0].Services.GetRequiredService<IGrainFactory>();
            await WaitForSilosAsync(grains, hosts.Count);

            // Every worker running before the job starts: a silo whose lanes start late would see the job late and
            // leave its share to the others (seen once under CI load: 96% to the first silo of 48 units).
            foreach (var silo in new[] { "gpu-silo", "cpu-silo-1", "cpu-silo-2" })
            {
                await WaitForReportAsync(grains, silo);
            }
            var pipeline = PipelineDefinition.Default;
            var job = grains.GetGrain<IIngestJobGrain>("capacity");
            await job.StartAsync(new JobSpec(
                new Uri(temp.Combine("src") + "/").AbsoluteUri.TrimEnd('/'),
                new Uri(temp.Combine("out") + "/").AbsoluteUri.TrimEnd('/'),
                pipeline.ToJson(),
                pipeline.LineageVersion));

            var progress = await WaitForFinishAsync(job);

            Assert.Equal(JobPhase.Completed, progress.Phase);
            Assert.Equal(Units, progress.Committed);
            var shares = progress.SiloShares.ToDictionary(s => s.Silo, s => s.Units / (double)Units, StringComparer.Ordinal);
            var described = JsonSerializer.Serialize(shares);
            output.WriteLine($"unit shares: {described}");
            Assert.True(shares.GetValueOrDefault("gpu-silo") is >= 0.45 and <= 0.95, $"GPU silo share outside [0.45, 0.95]: {described}");
            Assert.True(shares.GetValueOrDefault("cpu-silo-1") <= 0.35, $"CPU silo 1 share above 0.35: {described}");
            Assert.True(shares.GetValueOrDefault("cpu-silo-2") <= 0.35, $"CPU silo 2 share above 0.35: {described}");

            var gpuReport = await WaitForReportAsync(grains, "gpu-silo");
            Assert.Equal(4, gpuReport.Lanes);
            Assert.Equal(new SiloCapacity(Environment.ProcessorCount, 1, 81920, "", 4), gpuReport.Capacity);
        }
        finally
        {
            foreach (var host in Enumerable.Reverse(hosts))
            {
                await host.StopAsync();
                host.Dispose();
            }
        }
    }

    private static IHost BuildSilo(string name, int siloPort, int primaryPort, double weight, int gpus)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        builder.Configuration["OrleansIngest:Worker:Lanes"] = "1";
        builder.Configuration["OrleansIngest:Worker:PollInterval"] = "00:00:00.050";
        builder.Configuration["OrleansIngest:Worker:Capacity:Weight"] = weight.ToString(invariant);
        builder.Configuration["OrleansIngest:Worker:Capacity:GpuCount"] = gpus.ToString(invariant);
        builder.Configuration["OrleansIngest:Worker:Capacity:GpuMemoryMiB"] = (gpus * 81920).ToString(invariant);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: siloPort, gatewayPort: FreePort(), primarySiloEndpoint: new IPEndPoint(IPAddress.Loopback, primaryPort));
            silo.Configure<SiloOptions>(o => o.SiloName = name);
            silo.AddMemoryGrainStorage(IngestStorageNames.Jobs);
            silo.AddOrleansIngest();
        });
        return builder.Build();
    }

    private static async Task WaitForSilosAsync(IGrainFactory grains, int count)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while ((await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{count} silos did not join within {Timeout}.");
            await Task.Delay(100);
        }
    }

    private static async Task<SiloReport> WaitForReportAsync(IGrainFactory grains, string silo)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var reports = await grains.GetGrain<IClusterMetricsGrain>(0).GetSilosAsync();
            if (reports.Select(r => r.Latest).SingleOrDefault(r => r.Silo == silo) is { } report)
            {
                return report;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Silo {silo} did not report within {Timeout}.");
            await Task.Delay(200);
        }
    }

    private static async Task<JobProgress> WaitForFinishAsync(IIngestJobGrain job)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var progress = await job.GetProgressAsync();
            if (progress.IsFinished)
            {
                return progress;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The job did not finish within {Timeout}: {progress.Committed} committed.");
            await Task.Delay(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
