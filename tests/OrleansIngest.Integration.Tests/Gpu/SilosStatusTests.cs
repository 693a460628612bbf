using System.Text.Json;
using OrleansIngest.Cli.Commands;
using OrleansIngest.Silo.Admin;
using Spectre.Console;

namespace OrleansIngest.Integration.Tests.Gpu;

/// <summary><c>status --silos</c>: the document and the table it prints from the silos' views.</summary>
[Trait("Category", "Unit")]
public sealed class SilosStatusTests
{
    private static readonly DateTimeOffset Seen = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static readonly SiloView[] Silos =
    [
        new("silo-gpu", "10.0.0.2:11111", "active", 16, 512, "silero_vad=cuda", 40, 7.5, 65536, Seen,
            GpuCount: 1, GpuMemoryMiB: 143771, GpuName: "NVIDIA H200", Weight: 4, VadMaxBatch: 1024),
        new("silo-cpu", "10.0.0.1:11111", "active", 8, 8, "silero_vad=cpu", 2, 1.5, 4096, Seen, VadMaxBatch: 64),
    ];

    [Fact]
    public void ToDocument_CarriesEachSilosCapacityLanesAndVadBatchInNameOrder()
    {
        var document = SilosStatus.ToDocument(Silos);

        Assert.Equal(["silo-cpu", "silo-gpu"], document.Silos.Select(s => s.Name));
        var gpu = document.Silos[1];
        Assert.Equal((16, 1, 143771L, 140.4, "NVIDIA H200", 4.0, 512, 1024), (gpu.Cores, gpu.Gpus, gpu.GpuMemoryMiB, gpu.GpuMemoryGiB, gpu.GpuName, gpu.Weight, gpu.Lanes, gpu.VadMaxBatch));
        var cpu = document.Silos[0];
        Assert.Equal((8, 0, 0L, 1.0, 8, 64), (cpu.Cores, cpu.Gpus, cpu.GpuMemoryMiB, cpu.Weight, cpu.Lanes, cpu.VadMaxBatch));
    }

    [Fact]
    public void ToDocument_SerializesSnakeCaseFields()
    {
        var json = JsonSerializer.Serialize(SilosStatus.ToDocument(Silos), SiloStatusJson.Default.SiloStatusDocument);

        using var parsed = JsonDocument.Parse(json);
        var gpu = parsed.RootElement.GetProperty("silos")[1];
        Assert.Equal(1, gpu.GetProperty("gpus").GetInt32());
        Assert.Equal(143771, gpu.GetProperty("gpu_memory_mib").GetInt64());
        Assert.Equal(140.4, gpu.GetProperty("gpu_memory_gib").GetDouble());
        Assert.Equal(4, gpu.GetProperty("weight").GetDouble());
        Assert.Equal(512, gpu.GetProperty("lanes").GetInt32());
        Assert.Equal(1024, gpu.GetProperty("vad_max_batch").GetInt32());
    }

    [Fact]
    public void Print_ShowsCoresGpusMemoryWeightLanesAndVadBatchPerSilo()
    {
        var silos = Blocks(Render(SilosStatus.ToDocument(Silos)));

        Assert.Equal(["silo-cpu", "silo-gpu"], silos.Select(s => s["silo"]));
        var gpu = silos[1];
        Assert.Equal(
            ("16", "1 (NVIDIA H200)", "140.4 GiB", "4", "512", "1024", "40", "silero_vad=cuda"),
            (gpu["cores"], gpu["GPUs"], gpu["GPU memory"], gpu["weight"], gpu["lanes"], gpu["VAD batch"], gpu["units in flight"], gpu["providers"]));
        var cpu = silos[0];
        Assert.Equal(("8", "0", "-", "1", "8", "64"), (cpu["cores"], cpu["GPUs"], cpu["GPU memory"], cpu["weight"], cpu["lanes"], cpu["VAD batch"]));
    }

    [Fact]
    public void Print_FitsEightyColumns()
    {
        var text = Render(SilosStatus.ToDocument(Silos), width: 80);

        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 80, line));
        Assert.Equal(2, Blocks(text).Count);
    }

    [Fact]
    public void Print_SaysSoWhenNoSiloHasReported()
    {
        Assert.Contains("No silo has reported yet.", Render(SilosStatus.ToDocument([])), StringComparison.Ordinal);
    }

    private static string Render(SiloStatusDocument document, int width = 200)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = width;
        SilosStatus.Print(document, console);
        return writer.ToString();
    }

    // The key/value rows of each printed silo table, in order; a new table starts at its "silo" row.
    private static List<Dictionary<string, string>> Blocks(string text)
    {
        var blocks = new List<Dictionary<string, string>>();
        foreach (var line in text.Split('\n'))
        {
            var cells = line.Split('│', StringSplitOptions.TrimEntries);
            if (cells.Length != 4)
            {
                continue;
            }

            if (cells[1] == "silo")
            {
                blocks.Add(new Dictionary<string, string>(StringComparer.Ordinal));
            }

            blocks[^1][cells[1]] = cells[2];
        }

        return blocks;
    }
}
