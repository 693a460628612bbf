using OrleansIngest.Processing.Evaluation;

namespace OrleansIngest.Processing.Tests.Evaluation;

[Trait("Category", "Unit")]
public sealed class ModelEvaluatorTests
{
    private static EvalRecord Vad(string rowId, string model, double start, float[] probabilities, double compute) => new(
        rowId, "u", "file:///a.wav", start, start + (probabilities.Length * 0.032), model, "v", "sha", model == "base" ? "baseline" : "candidate", "cpu",
        compute, probabilities.Length * 0.032,
        new Dictionary<string, object?>
        {
            ["speech_probs"] = probabilities,
            ["speech_prob_mean"] = (double)probabilities.Average(),
            ["speech_ratio"] = probabilities.Count(p => p > 0.5f) / (double)probabilities.Length,
        });

    private static float[] Frames(int count, params (int From, int To, float P)[] runs)
    {
        var frames = Enumerable.Repeat(0.1f, count).ToArray();
        foreach (var (from, to, p) in runs)
        {
            Array.Fill(frames, p, from, to - from);
        }

        return frames;
    }

    [Fact]
    public void Evaluate_VadFiguresAreThoseOfTheJoinedFrames()
    {
        // Row r1: baseline speech at frames 10–29, candidate at 12–29 (same segment, 64 ms later start).
        // Row r2: baseline speech at 0–19, candidate none. Row r3 exists only for the baseline (unpaired).
        EvalRecord[] rows =
        [
            Vad("r1", "base", 0, Frames(50, (10, 30, 0.9f)), 1.0),
            Vad("r1", "cand", 0, Frames(50, (12, 30, 0.8f)), 0.5),
            Vad("r2", "base", 1.6, Frames(50, (0, 20, 0.9f)), 1.0),
            Vad("r2", "cand", 1.6, Frames(50), 0.5),
            Vad("r3", "base", 3.2, Frames(50), 1.0),
        ];

        var report = ModelEvaluator.Evaluate(rows, new EvaluationOptions("base", "cand") { PricePerCoreHour = 0.1 }, "id", DateTimeOffset.UnixEpoch, "/out", "eval_vad", 1);

        var vad = report.Vad!;
        Assert.Equal((2, 1), (report.PairedRows, report.UnpairedRows));
        Assert.Equal(100, vad.Frames);
        // Disagreeing frames: 2 in r1, 20 in r2.
        Assert.Equal(78 / 100.0, vad.FrameAgreement, 12);
        // Candidate speech frames 18, baseline 40, both 18: F1 = 36 / 58.
        Assert.Equal(36 / 58.0, vad.FrameF1, 12);
        Assert.Equal((2L, 1L, 1L), (vad.BaselineSegments, vad.CandidateSegments, vad.MatchedSegments));
        Assert.Equal(2 / 3.0, vad.SegmentF1, 12);
        Assert.Equal(32, vad.MeanBoundaryErrorMs, 9);
        // |Δp|: r1 frames 10–11 0.8, 12–29 0.1; r2 frames 0–19 0.8.
        Assert.Equal(((2 * 0.8) + (18 * 0.1) + (20 * 0.8)) / 100, vad.ProbabilityMae, 5);
        Assert.Equal(100, vad.DifferenceHistogram.Counts.Sum());
        var candidateCost = report.Cost.Single(c => c.Model == "cand");
        Assert.Equal(3.2 / 1.0, candidateCost.MediaSecondsPerComputeSecond, 9);
        Assert.Equal(1.0 / 3.2 * 0.1, candidateCost.CostPerAudioHour, 12);
    }

    [Fact]
    public void Evaluate_IntervalLabelsGiveFrameLevelQualityPerModel()
    {
        EvalRecord[] rows = [Vad("r1", "base", 0, Frames(50, (10, 30, 0.9f)), 1), Vad("r1", "cand", 0, Frames(50, (12, 30, 0.8f)), 1)];
        var labels = LabelSet.Parse(["source_uri,start_s,end_s", "file:///a.wav,0.32,0.96"], jsonLines: false);

        var report = ModelEvaluator.Evaluate(rows, new EvaluationOptions("base", "cand") { Labels = labels }, "id", DateTimeOffset.UnixEpoch, "/out", "eval_vad", 1);

        var baseline = report.Quality.Single(q => q.Model == "base");
        var candidate = report.Quality.Single(q => q.Model == "cand");
        Assert.Equal(("frame", 50L), (baseline.Level, baseline.Items));
        Assert.Equal((1.0, 1.0, 1.0), (baseline.Precision, baseline.Recall, baseline.RocAuc));
        // Candidate misses 2 of 20 speech frames; its scores still rank every speech frame at or above every other.
        Assert.Equal(18 / 20.0, candidate.Recall, 12);
        Assert.Equal(1.0, candidate.Precision, 12);
        Assert.Equal(EvaluationMetrics.RocAuc(
            Frames(50, (12, 30, 0.8f)).Select(p => (double)p).ToList(),
            Enumerable.Range(0, 50).Select(i => i is >= 10 and < 30).ToList()), candidate.RocAuc, 12);
    }

    [Fact]
    public void Evaluate_ClassOutputsGetAgreementAndKappaAndKpisTheirDelta()
    {
        static EvalRecord Window(string id, string model, string label, double score) => new(
            id, "u", "s", 0, 10, model, "1", "sha", "x", "cpu", 0.01, 10, new Dictionary<string, object?> { ["odour_class"] = label, ["anomaly_score"] = score });
        EvalRecord[] rows =
        [
            Window("w1", "base", "clean", 0.1), Window("w1", "cand", "clean", 0.2),
            Window("w2", "base", "smoke", 0.9), Window("w2", "cand", "clean", 0.4),
            Window("w3", "base", "smoke", 0.8), Window("w3", "cand", "smoke", 0.8),
            Window("w4", "base", "clean", 0.0), Window("w4", "cand", "clean", 0.1),
        ];

        var report = ModelEvaluator.Evaluate(
            rows, new EvaluationOptions("base", "cand") { Kpis = [KpiExpression.Parse("alarms = count(*) where anomaly_score > 0.5")] }, "id", DateTimeOffset.UnixEpoch, "/o", "eval_sensor_anomaly", 1);

        var classes = Assert.Single(report.Classes);
        Assert.Equal(0.75, classes.Agreement, 12);
        // p_o = 0.75; base clean 2/4, smoke 2/4; cand clean 3/4, smoke 1/4 → p_e = 0.5; κ = 0.5.
        Assert.Equal(0.5, classes.Kappa, 12);
        Assert.Null(report.Vad);
        Assert.Equal(0.1 + 0.5 + 0 + 0.1, Assert.Single(report.Scores).MeanAbsoluteError * 4, 12);
        var kpi = Assert.Single(report.Kpis);
        Assert.Equal((2.0, 1.0, -1.0), (kpi.Baseline, kpi.Candidate, kpi.Delta));
    }

    [Fact]
    public void Evaluate_NamesTheModelsPresentWhenOneIsMissing()
    {
        EvalRecord[] rows = [Vad("r1", "base", 0, Frames(5), 1)];

        var error = Assert.Throws<ArgumentException>(() => ModelEvaluator.Evaluate(rows, new EvaluationOptions("base", "nope"), "id", DateTimeOffset.UnixEpoch, "/o", "eval_vad", 1));

        Assert.Equal("eval_vad has no rows of model 'nope'; models present: base.", error.Message);
    }

    [Fact]
    public void Reports_AreSelfContainedWithCurvesHistogramAndKpiTable()
    {
        EvalRecord[] rows = [Vad("r1", "base", 0, Frames(50, (10, 30, 0.9f)), 1), Vad("r1", "cand", 0, Frames(50, (12, 30, 0.8f)), 1)];
        var labels = LabelSet.Parse(["{\"source_uri\":\"file:///a.wav\",\"start_s\":0.32,\"end_s\":0.96,\"label\":\"speech\"}"], jsonLines: true);
        var report = ModelEvaluator.Evaluate(
            rows, new EvaluationOptions("base", "cand") { Labels = labels, Kpis = [KpiExpression.Parse("speech = avg(speech_ratio)")] }, "ev-1", DateTimeOffset.UnixEpoch, "/out", "eval_vad", 1);

        var html = EvaluationReportWriter.ToHtml(report);
        var markdown = EvaluationReportWriter.ToMarkdown(report);

        Assert.Equal(3, html.Split("<svg", StringSplitOptions.None).Length - 1);
        Assert.Contains("<title>ROC</title>", html, StringComparison.Ordinal);
        Assert.Contains("<title>Precision-recall</title>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=", html, StringComparison.Ordinal);
        Assert.Contains("| speech | `avg(speech_ratio)` | 0.4 | 0.36 | -0.04 |", markdown, StringComparison.Ordinal);
        Assert.Equal(report.Vad!.SegmentF1, EvaluationReport.FromJson(report.ToJson()).Vad!.SegmentF1);
    }
}
