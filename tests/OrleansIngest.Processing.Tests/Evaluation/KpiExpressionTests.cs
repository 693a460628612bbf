using OrleansIngest.Processing.Evaluation;

namespace OrleansIngest.Processing.Tests.Evaluation;

[Trait("Category", "Unit")]
public sealed class KpiExpressionTests
{
    private static readonly IReadOnlyList<IReadOnlyDictionary<string, double>> Rows =
    [
        new Dictionary<string, double> { ["start_s"] = 0, ["end_s"] = 30, ["speech_ratio"] = 0.8 },
        new Dictionary<string, double> { ["start_s"] = 30, ["end_s"] = 60, ["speech_ratio"] = 0.1 },
        new Dictionary<string, double> { ["start_s"] = 60, ["end_s"] = 72, ["speech_ratio"] = 0.6 },
        new Dictionary<string, double> { ["start_s"] = 0, ["end_s"] = 18, ["speech_ratio"] = 0.2 },
    ];

    [Theory]
    [InlineData("speech_hours = sum(end_s - start_s) / 3600 where speech_ratio > 0.5", (30.0 + 12) / 3600)]
    [InlineData("usable_segment_ratio = avg(speech_ratio >= 0.2)", 0.75)]
    [InlineData("n = count(*)", 4)]
    [InlineData("long = count(*) filter (where end_s - start_s >= 30) + 0 * max(start_s)", 2)]
    [InlineData("mix = max(speech_ratio) - min(speech_ratio) * 2", 0.8 - 0.2)]
    [InlineData("logic = avg(speech_ratio > 0.5 and not (start_s = 60) or end_s < 20)", 0.5)]
    [InlineData("precedence = 1 + 2 * 3 - -4 % 3", 1 + 6 + 1)]
    [InlineData("Weighted = SUM(speech_ratio * (end_s - start_s)) / Sum(end_s - start_s)", ((0.8 * 30) + (0.1 * 30) + (0.6 * 12) + (0.2 * 18)) / 90)]
    public void Kpi_EvaluatesToTheValueComputedByHand(string definition, double expected)
    {
        var kpi = KpiExpression.Parse(definition);

        Assert.Equal(expected, kpi.Evaluate(Rows), 12);
    }

    [Fact]
    public void Kpi_EmptyRowsGiveZeroSumsAndCountsAndNaNAverages()
    {
        Assert.Equal(0, KpiExpression.Parse("a = sum(end_s) + count(*)").Evaluate([]));
        Assert.True(double.IsNaN(KpiExpression.Parse("a = avg(end_s)").Evaluate([])));
        Assert.True(double.IsNaN(KpiExpression.Parse("a = sum(end_s) / count(*) where end_s > 1000").Evaluate(Rows)));
    }

    [Theory]
    [InlineData("x = sum(end_s", "KPI 'x' at position 14: expected ')' to close 'sum(' but found the end")]
    [InlineData("x = end_s - start_s", "KPI 'x' at position 5: column 'end_s' is used outside an aggregate")]
    [InlineData("x = sum(avg(end_s))", "KPI 'x' at position 9: aggregate 'avg' inside another aggregate")]
    [InlineData("= sum(end_s)", "KPI at position 1: expected a KPI name but found '='")]
    [InlineData("x sum(end_s)", "KPI 'x' at position 3: expected '=' after the KPI name but found 'sum'")]
    [InlineData("x = sum(end_s) $", "KPI at position 16: unexpected character '$'")]
    [InlineData("x = sum(end_s) filter (end_s > 1)", "KPI 'x' at position 24: expected 'where' after 'filter ('")]
    [InlineData("x = sum(end_s) sum(start_s)", "KPI 'x' at position 16: unexpected 'sum'")]
    [InlineData("sum = count(*)", "KPI at position 1: 'sum' is a keyword and cannot name a KPI")]
    public void Kpi_ParseErrorsSayWhereAndWhat(string definition, string message)
    {
        var error = Assert.Throws<KpiException>(() => KpiExpression.Parse(definition));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Contains(definition, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kpi_UnknownColumnIsNamedWithTheAvailableOnes()
    {
        var kpi = KpiExpression.Parse("x = avg(speech_ratoi)");

        var error = Assert.Throws<KpiException>(() => kpi.Evaluate(Rows));

        Assert.Equal("KPI 'x': unknown column 'speech_ratoi'; available: end_s, speech_ratio, start_s.", error.Message);
    }
}
