using System.Diagnostics;
using System.Globalization;
using OrleansIngest.Abstractions;

namespace OrleansIngest.Silo.Worker;

/// <summary>Works out a silo's <see cref="SiloCapacity"/> from configuration, falling back to what the machine shows.</summary>
public static class SiloCapacityDetector
{
    private static readonly TimeSpan NvidiaSmiTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Capacity from <paramref name="options"/>; cores and GPUs not configured are detected (<paramref name="queryGpus"/>
    /// returns <c>nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits</c> output, or null when
    /// there is no such tool; by default it runs it).
    /// </summary>
    public static SiloCapacity Detect(WorkerCapacityOptions options, Func<string?>? queryGpus = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cores = options.Cores > 0 ? options.Cores : Environment.ProcessorCount;
        var gpus = options.GpuCount == 0 ? [] : ParseNvidiaSmi((queryGpus ?? QueryNvidiaSmi)() ?? string.Empty);
        var gpuCount = options.GpuCount >= 0 ? options.GpuCount : gpus.Count;
        var memory = options.GpuMemoryMiB >= 0 ? options.GpuMemoryMiB : gpus.Take(gpuCount).Sum(g => g.MemoryMiB);
        var name = gpuCount > 0 && gpus.Count > 0 ? gpus[0].Name : string.Empty;
        var weight = options.Weight > 0 ? options.Weight : 1 + (options.WeightPerGpu * gpuCount);
        return new SiloCapacity(cores, gpuCount, memory, name, weight);
    }

    /// <summary>Lanes a silo runs: its configured lanes scaled by its weight (at least one).</summary>
    public static int WeightedLanes(int lanes, SiloCapacity capacity)
    {
        ArgumentNullException.ThrowIfNull(capacity);
        return Math.Max(1, (int)Math.Round(lanes * capacity.Weight, MidpointRounding.AwayFromZero));
    }

    /// <summary>
    /// Parses <c>nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits</c> lines (<c>NVIDIA H200, 143771</c>;
    /// a trailing <c> MiB</c> is accepted too). Lines that do not parse (driver errors) are skipped.
    /// </summary>
    public static IReadOnlyList<(string Name, long MemoryMiB)> ParseNvidiaSmi(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var gpus = new List<(string, long)>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var comma = line.LastIndexOf(',');
            if (comma <= 0)
            {
                continue;
            }

            var memory = line[(comma + 1)..].Trim();
            if (memory.EndsWith("MiB", StringComparison.OrdinalIgnoreCase))
            {
                memory = memory[..^3].Trim();
            }

            if (long.TryParse(memory, NumberStyles.Integer, CultureInfo.InvariantCulture, out var mib) && mib > 0)
            {
                gpus.Add((line[..comma].Trim(), mib));
            }
        }

        return gpus;
    }

    private static string? QueryNvidiaSmi()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("nvidia-smi", "--query-gpu=name,memory.total --format=csv,noheader,nounits")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(NvidiaSmiTimeout))
            {
                process.Kill();
                return null;
            }

            return process.ExitCode == 0 ? output.GetAwaiter().GetResult() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No nvidia-smi on the PATH: no NVIDIA driver, so no GPU to advertise.
            return null;
        }
    }
}
