namespace OrleansIngest.Processing.Evaluation;

/// <summary>A time interval in seconds.</summary>
/// <param name="Start">Start, seconds.</param>
/// <param name="End">End, seconds (exclusive).</param>
public readonly record struct TimeInterval(double Start, double End)
{
    /// <summary>Length in seconds.</summary>
    public double Duration => End - Start;

    /// <summary>Intersection over union with <paramref name="other"/>; 0 when they do not overlap.</summary>
    public double IntersectionOverUnion(TimeInterval other)
    {
        var intersection = Math.Min(End, other.End) - Math.Max(Start, other.Start);
        if (intersection <= 0)
        {
            return 0;
        }

        return intersection / (Duration + other.Duration - intersection);
    }
}

/// <summary>Precision, recall and F1 of a prediction against a reference.</summary>
/// <param name="TruePositives">Predicted and in the reference.</param>
/// <param name="FalsePositives">Predicted, not in the reference.</param>
/// <param name="FalseNegatives">In the reference, not predicted.</param>
public readonly record struct DetectionScore(long TruePositives, long FalsePositives, long FalseNegatives)
{
    /// <summary>TP / (TP + FP); 1 when nothing was predicted.</summary>
    public double Precision => TruePositives + FalsePositives == 0 ? 1 : TruePositives / (double)(TruePositives + FalsePositives);

    /// <summary>TP / (TP + FN); 1 when the reference is empty.</summary>
    public double Recall => TruePositives + FalseNegatives == 0 ? 1 : TruePositives / (double)(TruePositives + FalseNegatives);

    /// <summary>2·TP / (2·TP + FP + FN); 1 when both sides are empty.</summary>
    public double F1 => (2 * TruePositives) + FalsePositives + FalseNegatives == 0
        ? 1
        : 2.0 * TruePositives / ((2 * TruePositives) + FalsePositives + FalseNegatives);
}

/// <summary>Segment matching of a prediction against a reference.</summary>
/// <param name="Score">Matched segments are true positives; unmatched predicted ones false positives; unmatched reference ones false negatives.</param>
/// <param name="MeanBoundaryErrorMs">Mean over matched pairs of (|Δstart| + |Δend|) / 2, milliseconds; NaN without a match.</param>
/// <param name="Pairs">The matched (reference, predicted) pairs.</param>
public sealed record SegmentMatch(DetectionScore Score, double MeanBoundaryErrorMs, IReadOnlyList<(TimeInterval Reference, TimeInterval Predicted)> Pairs);

/// <summary>A point of a ROC or precision-recall curve.</summary>
/// <param name="X">False positive rate (ROC) or recall (PR).</param>
/// <param name="Y">True positive rate (ROC) or precision (PR).</param>
public readonly record struct CurvePoint(double X, double Y);

/// <summary>Scores of one class against reference labels.</summary>
/// <param name="Label">The class.</param>
/// <param name="Support">Reference items of the class.</param>
/// <param name="Predicted">Items predicted as the class.</param>
/// <param name="Precision">Correct / predicted (NaN when none predicted).</param>
/// <param name="Recall">Correct / support (NaN without support).</param>
/// <param name="F1">2·correct / (support + predicted).</param>
public sealed record ClassScore(string Label, long Support, long Predicted, double Precision, double Recall, double F1);

/// <summary>Multi-class scores against reference labels.</summary>
/// <param name="Items">Items scored.</param>
/// <param name="Accuracy">Fraction predicted correctly.</param>
/// <param name="MacroF1">Mean F1 over the classes.</param>
/// <param name="Classes">Per-class scores, ordinal order of the labels.</param>
public sealed record ClassificationScore(long Items, double Accuracy, double MacroF1, IReadOnlyList<ClassScore> Classes);

/// <summary>Counts of values in equal-width bins over [<paramref name="Min"/>, <paramref name="Max"/>].</summary>
/// <param name="Min">Lower edge of the first bin.</param>
/// <param name="Max">Upper edge of the last bin (inclusive).</param>
/// <param name="Counts">Values per bin; values outside the range go to the first or last bin.</param>
public sealed record Histogram(double Min, double Max, IReadOnlyList<long> Counts);

/// <summary>The metric functions of model evaluation; pure and deterministic.</summary>
public static class EvaluationMetrics
{
    /// <summary>Silero's frame: 512 samples at 16 kHz.</summary>
    public const double VadFrameSeconds = 0.032;

    /// <summary>
    /// Speech segments of one stream: runs of frames with probability above <paramref name="threshold"/>, runs
    /// separated by less than <paramref name="minSilenceSeconds"/> merged, runs shorter than
    /// <paramref name="minSpeechSeconds"/> dropped (Silero's own defaults are 100 ms and 250 ms).
    /// </summary>
    public static IReadOnlyList<TimeInterval> SpeechSegments(
        ReadOnlySpan<float> probabilities, double offsetSeconds, float threshold, double minSpeechSeconds = 0.25, double minSilenceSeconds = 0.1, double frameSeconds = VadFrameSeconds)
    {
        var runs = new List<TimeInterval>();
        var start = -1;
        for (var i = 0; i <= probabilities.Length; i++)
        {
            var speech = i < probabilities.Length && probabilities[i] > threshold;
            if (speech && start < 0)
            {
                start = i;
            }
            else if (!speech && start >= 0)
            {
                var run = new TimeInterval(offsetSeconds + (start * frameSeconds), offsetSeconds + (i * frameSeconds));
                if (runs.Count > 0 && run.Start - runs[^1].End < minSilenceSeconds - 1e-9)
                {
                    runs[^1] = runs[^1] with { End = run.End };
                }
                else
                {
                    runs.Add(run);
                }

                start = -1;
            }
        }

        return [.. runs.Where(r => r.Duration >= minSpeechSeconds - 1e-9)];
    }

    /// <summary>
    /// One-to-one matching of predicted to reference segments: pairs with IoU ≥ <paramref name="minIntersectionOverUnion"/>
    /// are taken greedily by descending IoU (ties: earlier reference, then earlier prediction).
    /// </summary>
    public static SegmentMatch MatchSegments(IReadOnlyList<TimeInterval> reference, IReadOnlyList<TimeInterval> predicted, double minIntersectionOverUnion = 0.5)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(predicted);
        var candidates = new List<(double IoU, int R, int P)>();
        for (var r = 0; r < reference.Count; r++)
        {
            for (var p = 0; p < predicted.Count; p++)
            {
                var iou = reference[r].IntersectionOverUnion(predicted[p]);
                if (iou >= minIntersectionOverUnion && iou > 0)
                {
                    candidates.Add((iou, r, p));
                }
            }
        }

        var usedReference = new bool[reference.Count];
        var usedPredicted = new bool[predicted.Count];
        var pairs = new List<(TimeInterval, TimeInterval)>();
        double boundary = 0;
        foreach (var (_, r, p) in candidates.OrderByDescending(c => c.IoU).ThenBy(c => c.R).ThenBy(c => c.P))
        {
            if (usedReference[r] || usedPredicted[p])
            {
                continue;
            }

            usedReference[r] = usedPredicted[p] = true;
            pairs.Add((reference[r], predicted[p]));
            boundary += (Math.Abs(reference[r].Start - predicted[p].Start) + Math.Abs(reference[r].End - predicted[p].End)) / 2;
        }

        var score = new DetectionScore(pairs.Count, predicted.Count - pairs.Count, reference.Count - pairs.Count);
        return new SegmentMatch(score, pairs.Count == 0 ? double.NaN : boundary / pairs.Count * 1000, pairs);
    }

    /// <summary>Precision/recall/F1 of binary predictions against binary truth.</summary>
    public static DetectionScore Detection(IReadOnlyList<bool> truth, IReadOnlyList<bool> predicted)
    {
        RequireSameLength(truth.Count, predicted.Count);
        long tp = 0, fp = 0, fn = 0;
        for (var i = 0; i < truth.Count; i++)
        {
            if (predicted[i] && truth[i])
            {
                tp++;
            }
            else if (predicted[i])
            {
                fp++;
            }
            else if (truth[i])
            {
                fn++;
            }
        }

        return new DetectionScore(tp, fp, fn);
    }

    /// <summary>
    /// Multi-class scores of <paramref name="predicted"/> against <paramref name="truth"/>: per class (every label in
    /// either, ordinal order) precision tp/(tp+fp) (NaN without predictions), recall tp/(tp+fn) (NaN without support)
    /// and F1 2tp/(2tp+fp+fn); accuracy, and macro F1 (mean of the classes' F1). NaN figures when empty.
    /// </summary>
    public static ClassificationScore Classification(IReadOnlyList<string> truth, IReadOnlyList<string> predicted)
    {
        RequireSameLength(truth.Count, predicted.Count);
        var classes = truth.Concat(predicted).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var perClass = classes.Select(label =>
        {
            long tp = 0, fp = 0, fn = 0, support = 0;
            for (var i = 0; i < truth.Count; i++)
            {
                var isTruth = string.Equals(truth[i], label, StringComparison.Ordinal);
                var isPredicted = string.Equals(predicted[i], label, StringComparison.Ordinal);
                support += isTruth ? 1 : 0;
                tp += isTruth && isPredicted ? 1 : 0;
                fp += !isTruth && isPredicted ? 1 : 0;
                fn += isTruth && !isPredicted ? 1 : 0;
            }

            return new ClassScore(
                label, support, tp + fp,
                tp + fp == 0 ? double.NaN : tp / (double)(tp + fp),
                support == 0 ? double.NaN : tp / (double)support,
                (2 * tp) + fp + fn == 0 ? double.NaN : 2.0 * tp / ((2 * tp) + fp + fn));
        }).ToList();
        return new ClassificationScore(
            truth.Count, Agreement(truth, predicted), perClass.Count == 0 ? double.NaN : perClass.Average(c => c.F1), perClass);
    }

    /// <summary>Fraction of positions where the two label sequences are equal; NaN when empty.</summary>
    public static double Agreement<T>(IReadOnlyList<T> a, IReadOnlyList<T> b)
    {
        RequireSameLength(a.Count, b.Count);
        if (a.Count == 0)
        {
            return double.NaN;
        }

        var same = 0L;
        for (var i = 0; i < a.Count; i++)
        {
            same += EqualityComparer<T>.Default.Equals(a[i], b[i]) ? 1 : 0;
        }

        return same / (double)a.Count;
    }

    /// <summary>
    /// Cohen's kappa: (p_o − p_e) / (1 − p_e) with p_e from the two raters' marginal label frequencies;
    /// 1 when both raters always give the same single label (p_e = 1); NaN when empty.
    /// </summary>
    public static double CohenKappa<T>(IReadOnlyList<T> a, IReadOnlyList<T> b)
        where T : notnull
    {
        RequireSameLength(a.Count, b.Count);
        if (a.Count == 0)
        {
            return double.NaN;
        }

        var observed = Agreement(a, b);
        var countsA = a.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        var countsB = b.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        double n = a.Count;
        var expected = countsA.Sum(kv => kv.Value / n * (countsB.TryGetValue(kv.Key, out var c) ? c / n : 0));
        return expected >= 1 ? 1 : (observed - expected) / (1 - expected);
    }

    /// <summary>Mean absolute difference; NaN when empty.</summary>
    public static double MeanAbsoluteError(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        RequireSameLength(a.Count, b.Count);
        if (a.Count == 0)
        {
            return double.NaN;
        }

        double sum = 0;
        for (var i = 0; i < a.Count; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
        }

        return sum / a.Count;
    }

    /// <summary>Pearson correlation; NaN when empty or when either side is constant.</summary>
    public static double PearsonCorrelation(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        RequireSameLength(a.Count, b.Count);
        if (a.Count == 0)
        {
            return double.NaN;
        }

        double meanA = a.Average(), meanB = b.Average(), covariance = 0, varianceA = 0, varianceB = 0;
        for (var i = 0; i < a.Count; i++)
        {
            var da = a[i] - meanA;
            var db = b[i] - meanB;
            covariance += da * db;
            varianceA += da * da;
            varianceB += db * db;
        }

        return varianceA == 0 || varianceB == 0 ? double.NaN : covariance / Math.Sqrt(varianceA * varianceB);
    }

    /// <summary>Counts of <paramref name="values"/> in <paramref name="bins"/> equal bins over [min, max].</summary>
    public static Histogram Histogram(IEnumerable<double> values, int bins, double min, double max)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        if (!(max > min))
        {
            throw new ArgumentOutOfRangeException(nameof(max), max, "max must exceed min.");
        }

        var counts = new long[bins];
        foreach (var value in values)
        {
            var bin = (int)Math.Floor((value - min) / (max - min) * bins);
            counts[Math.Clamp(bin, 0, bins - 1)]++;
        }

        return new Histogram(min, max, counts);
    }

    /// <summary>
    /// ROC curve: one point per distinct score threshold (descending), from (0, 0) to (1, 1); tied scores move
    /// both rates at once, so the curve and its area treat ties exactly (a tie counts half, as in pair counting).
    /// </summary>
    public static IReadOnlyList<CurvePoint> RocCurve(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var (positives, negatives, steps) = Steps(scores, labels);
        var points = new List<CurvePoint> { new(0, 0) };
        long tp = 0, fp = 0;
        foreach (var (p, n) in steps)
        {
            tp += p;
            fp += n;
            points.Add(new CurvePoint(negatives == 0 ? 0 : fp / (double)negatives, positives == 0 ? 0 : tp / (double)positives));
        }

        return points;
    }

    /// <summary>ROC AUC by the trapezoid rule over <see cref="RocCurve"/>; NaN when one class is absent.</summary>
    public static double RocAuc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var (positives, negatives, _) = Steps(scores, labels);
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        var curve = RocCurve(scores, labels);
        double area = 0;
        for (var i = 1; i < curve.Count; i++)
        {
            area += (curve[i].X - curve[i - 1].X) * (curve[i].Y + curve[i - 1].Y) / 2;
        }

        return area;
    }

    /// <summary>Precision-recall curve: one point per distinct score threshold (descending), recall on X.</summary>
    public static IReadOnlyList<CurvePoint> PrecisionRecallCurve(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var (positives, _, steps) = Steps(scores, labels);
        var points = new List<CurvePoint>();
        long tp = 0, fp = 0;
        foreach (var (p, n) in steps)
        {
            tp += p;
            fp += n;
            points.Add(new CurvePoint(positives == 0 ? 0 : tp / (double)positives, tp / (double)(tp + fp)));
        }

        return points;
    }

    /// <summary>
    /// PR AUC as average precision, the step sum Σ (R_k − R_{k−1}) · P_k over <see cref="PrecisionRecallCurve"/>
    /// (no interpolation); NaN when there is no positive.
    /// </summary>
    public static double PrAuc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var (positives, _, _) = Steps(scores, labels);
        if (positives == 0)
        {
            return double.NaN;
        }

        double area = 0, previousRecall = 0;
        foreach (var point in PrecisionRecallCurve(scores, labels))
        {
            area += (point.X - previousRecall) * point.Y;
            previousRecall = point.X;
        }

        return area;
    }

    private static (long Positives, long Negatives, List<(long Positives, long Negatives)> Steps) Steps(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        RequireSameLength(scores.Count, labels.Count);
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        var steps = new List<(long, long)>();
        long positives = 0, negatives = 0;
        for (var k = 0; k < order.Length;)
        {
            long p = 0, n = 0;
            var score = scores[order[k]];
            for (; k < order.Length && scores[order[k]] == score; k++)
            {
                if (labels[order[k]])
                {
                    p++;
                }
                else
                {
                    n++;
                }
            }

            positives += p;
            negatives += n;
            steps.Add((p, n));
        }

        return (positives, negatives, steps);
    }

    private static void RequireSameLength(int a, int b)
    {
        if (a != b)
        {
            throw new ArgumentException($"The two sequences differ in length ({a} and {b}).");
        }
    }
}
