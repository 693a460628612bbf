using System.Diagnostics;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Infra.Tests.Gpu;

/// <summary>
/// <c>benchmarks/gpu/run.sh</c>: it lints clean, refuses clearly on a machine without a GPU, and its CPU-only
/// self-check builds the benchmark console and passes (the same steps as on a GPU, against the CPU provider).
/// </summary>
public sealed class GpuRunScriptTests
{
    private static readonly string Script = Path.Combine(TestTools.RepositoryRoot, "benchmarks", "gpu", "run.sh");

    [Fact]
    [Trait("Category", "Integration")]
    public async Task GpuRunScript_PassesShellcheck()
    {
        var (exitCode, output) = await RunAsync("shellcheck", [Script], environment: null);

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public async Task GpuRunScript_WithoutNvidiaSmiExitsNonZeroSayingThereIsNoGpu()
    {
        using var empty = new TempDirectory("oi-gpu-path");

        // A PATH with nothing on it: no nvidia-smi, as on a machine without an NVIDIA driver.
        var (exitCode, output) = await RunAsync("/bin/bash", [Script], new Dictionary<string, string> { ["PATH"] = empty.Path });

        Assert.Equal(3, exitCode);
        Assert.Contains("no NVIDIA GPU", output, StringComparison.Ordinal);
        Assert.Contains("--self-check", output, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task GpuRunScript_SelfCheckOnCpuMatchesTheManagedLogMelAndPrintsTheTable()
    {
        var (exitCode, output) = await RunAsync("/bin/bash", [Script, "--self-check"], environment: null);

        Assert.True(exitCode == 0, output);
        Assert.Contains("PASSED: results match the CPU path.", output, StringComparison.Ordinal);
        Assert.Contains("| log-mel | managed, 1 CPU core |", output, StringComparison.Ordinal);
        Assert.Contains("| log-mel | onnx cpu, batch 2 |", output, StringComparison.Ordinal);
        Assert.Contains("| VAD | onnx cpu, 1 core, batch 4 |", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] arguments, Dictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestTools.RepositoryRoot,
        };
        if (environment is not null)
        {
            start.Environment.Clear();
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
