using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansIngest.Grains;
using OrleansIngest.Silo.Admin;
using OrleansIngest.Silo.Hosting;

namespace OrleansIngest.Integration.Tests;

/// <summary>
/// A real silo in the test process (localhost clustering, in-memory grain state, the full OrleansIngest worker) and
/// the admin service over it: what the admin, evaluation and model tests drive jobs through.
/// </summary>
internal sealed class InProcessSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessSilo(IHost host)
    {
        _host = host;
        Admin = host.Services.GetRequiredService<IAdminService>();
    }

    /// <summary>
    /// A simulated GPU silo's <c>OrleansIngest:Worker:Capacity:*</c>: 6 cores, two GPUs of 80 GiB, weight 1.4, so one
    /// configured lane stays one (1 × 1.4 rounds to 1).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> SimulatedGpuCapacity = new Dictionary<string, string?>
    {
        ["OrleansIngest:Worker:Capacity:Cores"] = "6",
        ["OrleansIngest:Worker:Capacity:GpuCount"] = "2",
        ["OrleansIngest:Worker:Capacity:GpuMemoryMiB"] = "163840",
        ["OrleansIngest:Worker:Capacity:Weight"] = "1.4",
    };

    /// <summary>The admin service of the silo.</summary>
    public IAdminService Admin { get; }

    /// <summary>
    /// Starts a silo with <paramref name="lanes"/> lanes polling for work every 100 ms, and any further
    /// <paramref name="configuration"/> (e.g. simulated <c>OrleansIngest:Worker:Capacity:*</c>).
    /// </summary>
    public static async Task<InProcessSilo> StartAsync(int lanes, IReadOnlyDictionary<string, string?>? configuration = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Configuration["OrleansIngest:Worker:Lanes"] = lanes.ToString(CultureInfo.InvariantCulture);
        builder.Configuration["OrleansIngest:Worker:PollInterval"] = "00:00:00.100";
        foreach (var (key, value) in configuration ?? new Dictionary<string, string?>())
        {
            builder.Configuration[key] = value;
        }

        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: ClusterScenario.FreePort(), gatewayPort: ClusterScenario.FreePort());
            silo.AddMemoryGrainStorage(IngestStorageNames.Jobs);
            silo.AddOrleansIngest();
        });
        var host = builder.Build();
        await host.StartAsync();
        return new InProcessSilo(host);
    }

    /// <summary>Polls the job until <paramref name="condition"/> holds; fails the test after <paramref name="timeout"/>.</summary>
    public async Task<JobDetail> WaitForJobAsync(string jobId, Func<JobDetail, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await Admin.GetJobAsync(jobId) is { } detail && condition(detail))
            {
                return detail;
            }

            Assert.True(DateTime.UtcNow < deadline, string.Create(CultureInfo.InvariantCulture, $"job {jobId} did not reach the condition within {timeout}"));
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
