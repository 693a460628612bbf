using System.Diagnostics;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Integration.Tests.Governance;

/// <summary>
/// A full embedded ingest (audio with the VAD model, sensors, quarantine) inside a network namespace that has only
/// loopback: it can only succeed if nothing in a run reaches outside the machine (no telemetry, no model download,
/// no metadata endpoint). Needs <c>unshare</c> and <c>ip</c> and the right to create a network namespace (root in CI).
/// </summary>
[Trait("Category", "Integration")]
public sealed class NoEgressTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task EmbeddedIngest_SucceedsInALoopbackOnlyNetworkNamespace()
    {
        using var temp = new TempDirectory("no-egress");
        var source = temp.Combine("src");
        var output = temp.Combine("out");
        var generated = await CliRunner.RunAsync(Timeout, "generate", "--out", source, "--audio-minutes", "0.5", "--sensor-files", "2", "--bad-files", "1", "--seed", "3");
        Assert.True(generated.ExitCode == 0, generated.ToString());

        var (exitCode, stdout, stderr) = await RunIsolatedAsync(temp.Combine("home"), ["ingest", "--source", source, "--output", output]);

        Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
        foreach (var table in new[] { "audio_segments", "sensor_windows" })
        {
            var rows = await DuckDbQuery.QueryAsync($"SELECT count(*) AS n FROM read_parquet({DuckDbQuery.Literal(Path.Combine(output, table, "*.parquet"))})");
            Assert.True(rows[0].GetProperty("n").GetInt64() > 0, $"{table} is empty");
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunIsolatedAsync(string home, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("unshare")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["-n", "--", "sh", "-c", "ip link set lo up && exec dotnet \"$0\" \"$@\"", Path.Combine(AppContext.BaseDirectory, "orleans-ingest.dll"), .. args])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOME"] = home;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"The isolated ingest did not finish within {Timeout}.\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
