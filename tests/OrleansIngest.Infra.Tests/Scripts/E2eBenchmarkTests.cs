using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Infra.Tests.Scripts;

/// <summary>
/// <c>benchmarks/e2e/run.sh</c>, the side-by-side performance run: it lints clean, and a CI-sized run (seconds of
/// audio) completes and prints every row of its table with a figure of ours. No assertion is made on speed: this
/// only keeps the harness from rotting.
/// </summary>
public sealed partial class E2eBenchmarkTests
{
    private static readonly string Root = TestTools.RepositoryRoot;
    private static readonly string Script = Path.Combine(Root, "benchmarks", "e2e", "run.sh");

    [Fact]
    [Trait("Category", "Integration")]
    public async Task E2eBenchmark_PassesShellcheck()
    {
        var result = await TestTools.RunAsync("shellcheck", [Script], Root, TimeSpan.FromMinutes(1));

        Assert.True(result.ExitCode == 0, result.StandardOutput);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task E2eBenchmark_SmokeRun_PrintsEveryRowWithOurFigure()
    {
        var bin = typeof(E2eBenchmarkTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "EndToEndBenchmarkBin").Value!;
        var table = Path.Combine(Path.GetTempPath(), $"oi-e2e-table-{Guid.NewGuid():N}.md");
        try
        {
            var result = await TestTools.RunAsync("bash", [Script, "--smoke", "--bin", Path.GetFullPath(bin), "--out", table], Root, TimeSpan.FromMinutes(8));

            Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
            var rows = File.ReadAllLines(table).Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Skip(1).ToList();
            string[] expected =
            [
                "Whisper log-mel", "Silero VAD, batch 1", "Silero VAD, batch 32, whole graph", "Silero VAD, batch 32, STFT by host FFT", "Silero VAD, batch 64", "32 segments in flight", "64 segments in flight",
                "Decode WAV", "Parquet write", "End to end", "measured in the job", "estimated from the stages run on their own", "paired: each of", "one-time JIT included", "One-second files", "one-second files, cold", "Peak memory",
            ];
            foreach (var label in expected)
            {
                var row = rows.SingleOrDefault(r => r.Contains(label, StringComparison.Ordinal));
                Assert.True(row is not null, $"no row '{label}' in:\n{string.Join('\n', rows)}");
                var ours = row.Split('|', StringSplitOptions.TrimEntries)[2];
                Assert.Matches(OurFigure(), ours);
                Assert.All(Numbers().Matches(ours).Select(m => double.Parse(m.Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)), v => Assert.True(v > 0, row));
            }

            // The peers installed by scripts/setup.sh are measured, not skipped.
            Assert.Contains(rows, r => r.Contains("Silero VAD, batch 32, whole graph", StringComparison.Ordinal) && r.Contains("onnxruntime-node", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("Parquet write", StringComparison.Ordinal) && r.Contains("DuckDB", StringComparison.Ordinal));

            // The VAD verdicts come from the paired round (the peer, then ours, back to back), not from separate runs.
            foreach (var label in new[] { "Silero VAD, batch 32, whole graph", "Silero VAD, batch 32, STFT by host FFT", "32 segments in flight", "64 segments in flight" })
            {
                Assert.Contains(rows, r => r.Contains(label, StringComparison.Ordinal) && r.Contains("paired, median of 1 round(s)", StringComparison.Ordinal) && r.Contains("same rounds", StringComparison.Ordinal));
            }
        }
        finally
        {
            File.Delete(table);
        }
    }

    // A figure with its unit (×, MB/s, files/s, MB, %), e.g. "17,870×", "46.9 MB/s", "204 MB / 265 MB".
    [GeneratedRegex(@"^-?[0-9][0-9,]*(\.[0-9]+)?( ?(×|MB/s|files/s|MB|%))( / [0-9][0-9,]*(\.[0-9]+)? MB)?$")]
    private static partial Regex OurFigure();

    [GeneratedRegex(@"[0-9][0-9,]*(\.[0-9]+)?")]
    private static partial Regex Numbers();
}
