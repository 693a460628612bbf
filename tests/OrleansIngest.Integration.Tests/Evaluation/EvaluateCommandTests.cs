using OrleansIngest.TestSupport;

namespace OrleansIngest.Integration.Tests.Evaluation;

[Trait("Category", "Integration")]
public sealed class EvaluateCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Evaluate_AKpiThatDoesNotParseIsRefusedWithWhereAndWhat()
    {
        using var temp = new TempDirectory();

        var result = await CliRunner.RunAsync(
            Timeout, "evaluate", "--output", temp.Combine("out"), "--baseline", "silero_vad", "--candidate", "silero_op15", "--kpi", "x = sum(end_s");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("KPI 'x' at position 14: expected ')' to close 'sum(' but found the end.", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_AnOutputWithoutShadowRowsSaysWhichModelsItHas()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("out"));

        var result = await CliRunner.RunAsync(Timeout, "evaluate", "--output", temp.Combine("out"), "--baseline", "silero_vad", "--candidate", "silero_op15");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("eval_vad has no rows of model 'silero_vad'; models present: none.", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("out", "_ingest", "evaluations")));
    }
}
