using System.Text.Json;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.Azurite;

namespace OrleansIngest.Integration.Tests.Gpu;

/// <summary>
/// <c>status --silos</c> against a real cluster: a silo process (Azure Table clustering on Azurite) that advertises a
/// simulated GPU capacity through <c>OrleansIngest__Worker__Capacity__*</c>, read back through a gateway.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class SiloStatusClusterTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ReportTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task StatusSilos_ShowsTheCapacityLanesAndVadBatchASiloAdvertises()
    {
        var clusterId = $"silos-{Guid.NewGuid().ToString("N")[..8]}";
        var environment = new Dictionary<string, string>
        {
            ["OrleansIngest__Worker__Capacity__Cores"] = "12",
            ["OrleansIngest__Worker__Capacity__GpuCount"] = "2",
            ["OrleansIngest__Worker__Capacity__GpuMemoryMiB"] = "163840",
        };
        using var silo = ClusterScenario.StartSilo(azurite.ConnectionString, clusterId, "gpu-sim", environment);
        string[] status = ["status", "--silos", "--json", "--cluster-connection-string", azurite.ConnectionString, "--cluster-id", clusterId];

        var entry = await WaitForSiloAsync(status, "gpu-sim", silo);

        Assert.Equal(12, entry.GetProperty("cores").GetInt32());
        Assert.Equal(2, entry.GetProperty("gpus").GetInt32());
        Assert.Equal(163840, entry.GetProperty("gpu_memory_mib").GetInt64());
        Assert.Equal(160, entry.GetProperty("gpu_memory_gib").GetDouble());
        // Weight derived as 1 + 3 per GPU; one configured lane (--lanes 1) × 7.
        Assert.Equal(7, entry.GetProperty("weight").GetDouble());
        Assert.Equal(7, entry.GetProperty("lanes").GetInt32());
        // No GPU here: the VAD runs on the CPU and its batch resolves to 64.
        Assert.Equal(64, entry.GetProperty("vad_max_batch").GetInt32());
        Assert.Equal("active", entry.GetProperty("status").GetString());

        var table = await CliRunner.RunAsync(CommandTimeout, status.Where(a => a != "--json").ToArray());
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches("│ silo +│ gpu-sim +│", table.Stdout);
        Assert.Matches("│ GPU memory +│ 160 GiB +│", table.Stdout);
        Assert.Matches("│ VAD batch +│ 64 +│", table.Stdout);
    }

    private static async Task<JsonElement> WaitForSiloAsync(string[] status, string name, CliRunner.BackgroundProcess silo)
    {
        var deadline = DateTime.UtcNow + ReportTimeout;
        while (true)
        {
            var result = await CliRunner.RunAsync(CommandTimeout, status);
            Assert.True(result.ExitCode == 0, result + "\n--- silo\n" + silo.Output);
            var silos = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("silos");
            if (silos.EnumerateArray().FirstOrDefault(s => s.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } entry)
            {
                return entry.Clone();
            }

            Assert.True(DateTime.UtcNow < deadline, $"Silo {name} did not report within {ReportTimeout}:\n{result}\n--- silo\n{silo.Output}");
            await Task.Delay(1000);
        }
    }
}
