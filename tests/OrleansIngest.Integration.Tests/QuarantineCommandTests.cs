using OrleansIngest.Processing.Synthetic;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Integration.Tests;

[Trait("Category", "Integration")]
public sealed class QuarantineCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task QuarantineRetry_ReleasesTheChosenFileAndTheNextIngestProcessesItAgain()
    {
        using var temp = new TempDirectory("oi-quarantine");
        var manifest = CorpusGenerator.Generate(temp.Combine("src"), new CorpusSettings(AudioMinutes: 0.2, SensorFiles: 1, BadFiles: 3, Seed: 4));
        var bad = manifest.OfKind(CorpusFileKind.Bad).Select(f => new Uri(temp.Combine("src", f.RelativePath)).AbsoluteUri).Order().ToList();
        Assert.True((await CliRunner.RunAsync(Timeout, "ingest", "--source", temp.Combine("src"), "--output", temp.Combine("out"))).ExitCode == 0);

        var listed = await CliRunner.RunAsync(Timeout, "quarantine", "list", "--output", temp.Combine("out"));
        var retried = await CliRunner.RunAsync(Timeout, "quarantine", "retry", "--output", temp.Combine("out"), "--source-uri", bad[0]);
        var afterRetry = await CliRunner.RunAsync(Timeout, "quarantine", "list", "--output", temp.Combine("out"));
        var rerun = await CliRunner.RunAsync(Timeout, "ingest", "--source", temp.Combine("src"), "--output", temp.Combine("out"));
        var afterRerun = await CliRunner.RunAsync(Timeout, "quarantine", "list", "--output", temp.Combine("out"));

        Assert.All(bad, uri => Assert.Contains(uri, listed.Stdout, StringComparison.Ordinal));
        Assert.Contains($"released\t{bad[0]}", retried.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(bad[0], afterRetry.Stdout, StringComparison.Ordinal);
        Assert.Contains(bad[1], afterRetry.Stdout, StringComparison.Ordinal);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        // The same bytes fail the same way: the released file is processed again and quarantined again, once.
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(rerun.Stdout, @"files processed\s*│\s*1\s*│"), rerun.ToString());
        Assert.Single(afterRerun.Stdout.Split('\n'), line => line.Contains(bad[0], StringComparison.Ordinal));
        Assert.Equal(bad.Count, afterRerun.Stdout.Split('\n').Count(line => line.Contains("file:///", StringComparison.Ordinal)));
    }
}
