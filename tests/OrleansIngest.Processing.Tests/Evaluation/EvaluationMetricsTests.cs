using OrleansIngest.Processing.Evaluation;

namespace OrleansIngest.Processing.Tests.Evaluation;

[Trait("Category", "Unit")]
public sealed class EvaluationMetricsTests
{
    [Fact]
    public void MatchSegments_CountsIoUMatchesOneToOneAndGivesF1AndBoundaryError()
    {
        // Reference: [0,1) [2,3) [5,6). Predicted: [0.1,1.1) (IoU 0.9/1.1 = 0.818), [2.5,3.5) (IoU 0.5/1.5 = 0.333), [5,6.2) (IoU 1/1.2 = 0.833), [8,9).
        TimeInterval[] reference = [new(0, 1), new(2, 3), new(5, 6)];
        TimeInterval[] predicted = [new(0.1, 1.1), new(2.5, 3.5), new(5, 6.2), new(8, 9)];

        var match = EvaluationMetrics.MatchSegments(reference, predicted, 0.5);

        // 2 matches of 3 reference and 4 predicted: P = 2/4, R = 2/3, F1 = 2·2/(3+4) = 4/7.
        Assert.Equal(new DetectionScore(2, 2, 1), match.Score);
        Assert.Equal(0.5, match.Score.Precision, 12);
        Assert.Equal(2.0 / 3, match.Score.Recall, 12);
        Assert.Equal(4.0 / 7, match.Score.F1, 12);
        // Boundary errors: (0.1 + 0.1)/2 = 0.1 s and (0 + 0.2)/2 = 0.1 s → mean 100 ms.
        Assert.Equal(100, match.MeanBoundaryErrorMs, 9);
    }

    [Fact]
    public void MatchSegments_GivesEachReferenceSegmentToItsBestPredictionOnly()
    {
        TimeInterval[] reference = [new(0, 2)];
        TimeInterval[] predicted = [new(0, 1.2), new(0, 1.9)];

        var match = EvaluationMetrics.MatchSegments(reference, predicted, 0.5);

        Assert.Equal(new DetectionScore(1, 1, 0), match.Score);
        Assert.Equal(new TimeInterval(0, 1.9), match.Pairs.Single().Predicted);
        Assert.Equal(50, match.MeanBoundaryErrorMs, 9);
    }

    [Fact]
    public void SpeechSegments_MergesShortGapsAndDropsShortRuns()
    {
        // 32 ms frames: speech 0–9 (320 ms), gap of 2 frames (64 ms < 100 ms, merged), speech 12–20, gap of 5 (160 ms),
        // a 3-frame run (96 ms < 250 ms, dropped), silence.
        var p = new float[40];
        foreach (var i in Enumerable.Range(0, 10).Concat(Enumerable.Range(12, 9)).Concat(Enumerable.Range(26, 3)))
        {
            p[i] = 0.9f;
        }

        var segments = EvaluationMetrics.SpeechSegments(p, offsetSeconds: 30, threshold: 0.5f);

        var only = Assert.Single(segments);
        Assert.Equal(30, only.Start, 9);
        Assert.Equal(30 + (21 * 0.032), only.End, 9);
    }

    [Fact]
    public void RocAuc_TrapezoidEqualsThePairCountingProbabilityWithTiesCountedHalf()
    {
        var random = new Random(3);
        var scores = Enumerable.Range(0, 300).Select(_ => Math.Round(random.NextDouble(), 1)).ToList();
        var labels = scores.Select(s => random.NextDouble() < 0.2 + (0.6 * s)).ToList();

        // Independent: P(score of a positive > score of a negative) + ½ P(equal), over all pairs.
        double wins = 0;
        long pairs = 0;
        for (var i = 0; i < scores.Count; i++)
        {
            for (var j = 0; j < scores.Count; j++)
            {
                if (labels[i] && !labels[j])
                {
                    pairs++;
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                }
            }
        }

        Assert.Equal(wins / pairs, EvaluationMetrics.RocAuc(scores, labels), 12);
    }

    [Fact]
    public void PrAuc_IsTheStepSumOfPrecisionOverRecallIncrements()
    {
        // Descending scores: +, -, +, - (no ties). Recall 0.5 at precision 1, recall 1 at precision 2/3.
        double[] scores = [0.9, 0.8, 0.7, 0.1];
        bool[] labels = [true, false, true, false];

        Assert.Equal((0.5 * 1) + (0.5 * 2.0 / 3), EvaluationMetrics.PrAuc(scores, labels), 12);
        Assert.Equal(0.75, EvaluationMetrics.RocAuc(scores, labels), 12);
    }

    [Fact]
    public void CohenKappa_MatchesTheTextbookTwoByTwoExample()
    {
        // 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15. p_o = 0.7; p_e = 0.5·0.6 + 0.5·0.4 = 0.5 → κ = 0.4.
        var a = new List<string>();
        var b = new List<string>();
        void Add(int n, string x, string y)
        {
            a.AddRange(Enumerable.Repeat(x, n));
            b.AddRange(Enumerable.Repeat(y, n));
        }

        Add(20, "yes", "yes");
        Add(5, "yes", "no");
        Add(10, "no", "yes");
        Add(15, "no", "no");

        Assert.Equal(0.7, EvaluationMetrics.Agreement(a, b), 12);
        Assert.Equal(0.4, EvaluationMetrics.CohenKappa(a, b), 12);
    }

    [Fact]
    public void MeanAbsoluteErrorCorrelationAndHistogram_AreTheTextbookValues()
    {
        double[] a = [1, 2, 3, 4];
        double[] b = [2, 4, 6, 8.5];

        Assert.Equal((1 + 2 + 3 + 4.5) / 4, EvaluationMetrics.MeanAbsoluteError(a, b), 12);
        var meanB = b.Average();
        var expected = a.Zip(b, (x, y) => (x - 2.5) * (y - meanB)).Sum() / Math.Sqrt(a.Sum(x => (x - 2.5) * (x - 2.5)) * b.Sum(y => (y - meanB) * (y - meanB)));
        Assert.Equal(expected, EvaluationMetrics.PearsonCorrelation(a, b), 12);
        var histogram = EvaluationMetrics.Histogram([-1, -0.5, 0, 0.01, 0.99, 1, 3], 4, -1, 1);
        Assert.Equal([1L, 1, 2, 3], histogram.Counts);
    }
}
