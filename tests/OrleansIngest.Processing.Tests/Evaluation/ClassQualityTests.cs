using OrleansIngest.Processing.Evaluation;

namespace OrleansIngest.Processing.Tests.Evaluation;

[Trait("Category", "Unit")]
public sealed class ClassQualityTests
{
    [Fact]
    public void Classification_GivesPerClassPrecisionRecallF1AccuracyAndMacroF1()
    {
        // truth:     a a a b b c
        // predicted: a a b b c c   → a: tp 2 fp 0 fn 1; b: tp 1 fp 1 fn 1; c: tp 1 fp 1 fn 0
        var score = EvaluationMetrics.Classification(["a", "a", "a", "b", "b", "c"], ["a", "a", "b", "b", "c", "c"]);

        Assert.Equal(6, score.Items);
        Assert.Equal(4 / 6.0, score.Accuracy, 12);
        Assert.Equal(["a", "b", "c"], score.Classes.Select(c => c.Label));
        var a = score.Classes[0];
        Assert.Equal((3L, 2L, 1.0, 2 / 3.0, 0.8), (a.Support, a.Predicted, a.Precision, a.Recall, a.F1));
        var b = score.Classes[1];
        Assert.Equal((0.5, 0.5, 0.5), (b.Precision, b.Recall, b.F1));
        var c = score.Classes[2];
        Assert.Equal((0.5, 1.0), (c.Precision, c.Recall));
        Assert.Equal(2 / 3.0, c.F1, 12);
        Assert.Equal((0.8 + 0.5 + (2 / 3.0)) / 3, score.MacroF1, 12);
    }

    [Fact]
    public void Classification_AClassNeverPredictedHasNaNPrecisionAndZeroF1()
    {
        var score = EvaluationMetrics.Classification(["x", "y"], ["x", "x"]);

        var y = score.Classes.Single(c => c.Label == "y");
        Assert.True(double.IsNaN(y.Precision));
        Assert.Equal((0.0, 0.0), (y.Recall, y.F1));
    }

    [Fact]
    public void LabelSet_RowClassNamesAreKeptAndNormalIsTheNegativeClassOfScores()
    {
        var labels = LabelSet.Parse(["row_id,label", "w1,normal", "w2,drift", "w3,spike", "w4,1"], jsonLines: false);

        Assert.Equal("drift", labels.RowClasses["w2"]);
        Assert.Equal([false, true, true, true], new[] { "w1", "w2", "w3", "w4" }.Select(id => labels.Rows[id]));
    }

    [Fact]
    public void LabelSet_IntervalLabelsStayStrictAboutUnknownWords()
    {
        var error = Assert.Throws<FormatException>(() => LabelSet.Parse(["source_uri,start_s,end_s,label", "a.wav,0,1,speach"], jsonLines: false));

        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelEvaluator_ScoresEachModelsClassColumnAgainstRowLabels()
    {
        string[] truth = ["normal", "drift", "spike", "normal"];
        string[] baseline = ["normal", "drift", "spike", "spike"];
        string[] candidate = ["normal", "normal", "spike", "normal"];
        var rows = Enumerable.Range(0, 4).SelectMany(i => new[]
        {
            Record($"w{i}", "prod", baseline[i], i == 3 ? 0.9 : 0.1 * i),
            Record($"w{i}", "cand", candidate[i], 0.2 * i),
        }).ToList();
        var labels = LabelSet.Parse(["row_id,label", .. truth.Select((t, i) => $"w{i},{t}")], jsonLines: false);

        var report = ModelEvaluator.Evaluate(rows, new EvaluationOptions("prod", "cand") { Labels = labels }, "id", DateTimeOffset.UnixEpoch, "out", "eval_step", 1);

        var classes = Assert.Single(report.Classes);
        Assert.Equal(0.5, classes.Agreement, 12);
        var prod = report.ClassQuality.Single(q => q.Model == "prod");
        var cand = report.ClassQuality.Single(q => q.Model == "cand");
        Assert.Equal(("label", 4L, 0.75, 0.75), (prod.Column, prod.Items, prod.Accuracy, cand.Accuracy));
        Assert.Equal(EvaluationMetrics.Classification(truth, baseline).MacroF1, prod.MacroF1, 12);
        Assert.Equal(EvaluationMetrics.Classification(truth, candidate).MacroF1, cand.MacroF1, 12);
        Assert.Equal("row", report.Quality.Single(q => q.Model == "prod").Level);
    }

    private static EvalRecord Record(string rowId, string model, string label, double score) => new(
        rowId, "u", "s", 0, 10, model, "1", "sha", model == "prod" ? EvalRoles.Baseline : EvalRoles.Candidate, "cpu", 0.001, 10,
        new Dictionary<string, object?> { ["label"] = label, ["score"] = score });
}
