using System.Globalization;

namespace OrleansIngest.Processing.Evaluation;

/// <summary>What to compare and how.</summary>
/// <param name="Baseline">Baseline model name (<c>model_name</c>).</param>
/// <param name="Candidate">Candidate model name.</param>
public sealed record EvaluationOptions(string Baseline, string Candidate)
{
    /// <summary>
    /// Default price per core-hour, USD: Azure D2s v5 (2 vCPU) Linux pay-as-you-go in East US, $0.096/h, per vCPU.
    /// </summary>
    public const double DefaultPricePerCoreHour = 0.048;

    /// <summary>Probability above which a frame is speech (as in production).</summary>
    public float Threshold { get; init; } = 0.5f;

    /// <summary>IoU a segment pair needs to match.</summary>
    public double MinIntersectionOverUnion { get; init; } = 0.5;

    /// <summary>Shortest speech segment kept, seconds.</summary>
    public double MinSpeechSeconds { get; init; } = 0.25;

    /// <summary>Gaps shorter than this between speech runs are merged, seconds.</summary>
    public double MinSilenceSeconds { get; init; } = 0.1;

    /// <summary>Price of one core for one hour on this hardware.</summary>
    public double PricePerCoreHour { get; init; } = DefaultPricePerCoreHour;

    /// <summary>Bins of the score-difference histogram.</summary>
    public int HistogramBins { get; init; } = 40;

    /// <summary>User KPIs.</summary>
    public IReadOnlyList<KpiExpression> Kpis { get; init; } = [];

    /// <summary>Reference labels, when given.</summary>
    public LabelSet? Labels { get; init; }
}

/// <summary>Compares two models on the rows of an evaluation table, joined by <c>row_id</c>.</summary>
public static class ModelEvaluator
{
    private const string SpeechProbs = "speech_probs";
    private const int MaxCurvePoints = 200;

    /// <summary>Builds the report.</summary>
    /// <exception cref="ArgumentException">A model has no rows.</exception>
    /// <exception cref="KpiException">A KPI names a column the rows lack.</exception>
    public static EvaluationReport Evaluate(
        IReadOnlyList<EvalRecord> rows, EvaluationOptions options, string id, DateTimeOffset createdAt, string output, string table, int files)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        var baseline = ByRow(rows, options.Baseline);
        var candidate = ByRow(rows, options.Candidate);
        if (baseline.Count == 0 || candidate.Count == 0)
        {
            var models = string.Join(", ", rows.Select(r => r.ModelName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
            throw new ArgumentException(
                $"{table} has no rows of model '{(baseline.Count == 0 ? options.Baseline : options.Candidate)}'; models present: {(models.Length == 0 ? "none" : models)}.");
        }

        var pairs = baseline.Keys.Where(candidate.ContainsKey).Order(StringComparer.Ordinal).Select(k => (Baseline: baseline[k], Candidate: candidate[k])).ToList();
        var unpaired = baseline.Count + candidate.Count - (2L * pairs.Count);
        var baselineRows = pairs.Select(p => p.Baseline).ToList();
        var candidateRows = pairs.Select(p => p.Candidate).ToList();
        var outputs = pairs.Count == 0 ? [] : pairs[0].Baseline.Outputs.Keys.Where(pairs[0].Candidate.Outputs.ContainsKey).Order(StringComparer.Ordinal).ToList();
        return new EvaluationReport
        {
            Id = id,
            CreatedAt = createdAt,
            Output = output,
            Table = table,
            Baseline = options.Baseline,
            Candidate = options.Candidate,
            Files = files,
            PairedRows = pairs.Count,
            UnpairedRows = unpaired,
            Threshold = options.Threshold,
            Vad = outputs.Contains(SpeechProbs) ? CompareVad(pairs, options) : null,
            Scores = [.. outputs.Where(c => c != SpeechProbs && pairs.All(p => p.Baseline.Outputs[c] is double && p.Candidate.Outputs[c] is double)).Select(c => new ScoreComparison(
                c,
                EvaluationMetrics.MeanAbsoluteError(Numbers(baselineRows, c), Numbers(candidateRows, c)),
                EvaluationMetrics.PearsonCorrelation(Numbers(baselineRows, c), Numbers(candidateRows, c))))],
            Classes = [.. outputs.Where(c => pairs.All(p => p.Baseline.Outputs[c] is string && p.Candidate.Outputs[c] is string)).Select(c =>
            {
                var a = baselineRows.Select(r => (string)r.Outputs[c]!).ToList();
                var b = candidateRows.Select(r => (string)r.Outputs[c]!).ToList();
                return new ClassComparison(c, EvaluationMetrics.Agreement(a, b), EvaluationMetrics.CohenKappa(a, b));
            })],
            ClassQuality = options.Labels is { RowClasses.Count: > 0 } rowLabels
                ? [.. outputs.Where(c => pairs.All(p => p.Baseline.Outputs[c] is string && p.Candidate.Outputs[c] is string)).SelectMany(c => new[]
                {
                    ClassQualityOf(options.Baseline, c, baselineRows, rowLabels),
                    ClassQualityOf(options.Candidate, c, candidateRows, rowLabels),
                })]
                : [],
            Quality = options.Labels is { } labels
                ? [.. new[] { (options.Baseline, baselineRows), (options.Candidate, candidateRows) }.Select(m => Quality(m.Item1, m.Item2, labels, options)).OfType<LabelQuality>()]
                : [],
            Cost = [Cost(options.Baseline, baselineRows, options), Cost(options.Candidate, candidateRows, options)],
            Kpis = [.. options.Kpis.Select(k =>
            {
                var a = k.Evaluate(KpiRows(baselineRows));
                var b = k.Evaluate(KpiRows(candidateRows));
                return new KpiResult(k.Name, k.Text, a, b, b - a);
            })],
        };
    }

    /// <summary>The rows a KPI sees: the fixed numeric columns and every numeric output column.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, double>> KpiRows(IEnumerable<EvalRecord> rows) =>
        [.. rows.Select(r =>
        {
            var values = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["start_s"] = r.StartS,
                ["end_s"] = r.EndS,
                ["compute_seconds"] = r.ComputeSeconds,
                ["media_seconds"] = r.MediaSeconds,
            };
            foreach (var (name, value) in r.Outputs)
            {
                if (value is double number)
                {
                    values[name] = number;
                }
            }

            return (IReadOnlyDictionary<string, double>)values;
        })];

    private static Dictionary<string, EvalRecord> ByRow(IReadOnlyList<EvalRecord> rows, string model)
    {
        var byRow = new Dictionary<string, EvalRecord>(StringComparer.Ordinal);
        foreach (var row in rows.Where(r => string.Equals(r.ModelName, model, StringComparison.Ordinal)))
        {
            // Committed files hold each unit once, so a duplicate row id means two files were read twice; keep the first.
            byRow.TryAdd(row.RowId, row);
        }

        return byRow;
    }

    private static List<double> Numbers(List<EvalRecord> rows, string column) => [.. rows.Select(r => (double)r.Outputs[column]!)];

    private static VadComparison CompareVad(List<(EvalRecord Baseline, EvalRecord Candidate)> pairs, EvaluationOptions options)
    {
        var a = new List<double>();
        var b = new List<double>();
        long tp = 0, fp = 0, fn = 0, baselineSegments = 0, candidateSegments = 0;
        double boundarySum = 0;
        foreach (var (baseline, candidate) in pairs)
        {
            var pa = (float[])baseline.Outputs[SpeechProbs]!;
            var pb = (float[])candidate.Outputs[SpeechProbs]!;
            var frames = Math.Min(pa.Length, pb.Length);
            for (var i = 0; i < frames; i++)
            {
                a.Add(pa[i]);
                b.Add(pb[i]);
            }

            var reference = EvaluationMetrics.SpeechSegments(pa.AsSpan(0, frames), baseline.StartS, options.Threshold, options.MinSpeechSeconds, options.MinSilenceSeconds);
            var predicted = EvaluationMetrics.SpeechSegments(pb.AsSpan(0, frames), candidate.StartS, options.Threshold, options.MinSpeechSeconds, options.MinSilenceSeconds);
            var match = EvaluationMetrics.MatchSegments(reference, predicted, options.MinIntersectionOverUnion);
            baselineSegments += reference.Count;
            candidateSegments += predicted.Count;
            tp += match.Score.TruePositives;
            fp += match.Score.FalsePositives;
            fn += match.Score.FalseNegatives;
            if (match.Pairs.Count > 0)
            {
                boundarySum += match.MeanBoundaryErrorMs * match.Pairs.Count;
            }
        }

        var speechA = a.Select(p => p > options.Threshold).ToList();
        var speechB = b.Select(p => p > options.Threshold).ToList();
        var segments = new DetectionScore(tp, fp, fn);
        return new VadComparison(
            a.Count,
            EvaluationMetrics.Agreement(speechA, speechB),
            EvaluationMetrics.CohenKappa(speechA, speechB),
            EvaluationMetrics.Detection(speechA, speechB).F1,
            baselineSegments,
            candidateSegments,
            tp,
            segments.Precision,
            segments.Recall,
            segments.F1,
            string.Create(CultureInfo.InvariantCulture,
                $"segments = runs of 32 ms frames with p > {options.Threshold}, gaps < {options.MinSilenceSeconds * 1000} ms merged, runs < {options.MinSpeechSeconds * 1000} ms dropped, per row; one-to-one greedy matching by IoU ≥ {options.MinIntersectionOverUnion}; baseline is the reference"),
            tp == 0 ? double.NaN : boundarySum / tp,
            EvaluationMetrics.MeanAbsoluteError(a, b),
            EvaluationMetrics.PearsonCorrelation(a, b),
            EvaluationMetrics.Histogram(a.Zip(b, (x, y) => y - x), options.HistogramBins, -1, 1));
    }

    private static LabelQuality? Quality(string model, List<EvalRecord> rows, LabelSet labels, EvaluationOptions options)
    {
        var scores = new List<double>();
        var truth = new List<bool>();
        string level;
        if (labels.Intervals.Count > 0 && rows.Count > 0 && rows[0].Outputs.ContainsKey(SpeechProbs))
        {
            level = "frame";
            foreach (var row in rows.Where(r => labels.Intervals.ContainsKey(r.SourceUri)))
            {
                var probabilities = (float[])row.Outputs[SpeechProbs]!;
                for (var i = 0; i < probabilities.Length; i++)
                {
                    var center = row.StartS + ((i + 0.5) * EvaluationMetrics.VadFrameSeconds);
                    if (center >= row.EndS)
                    {
                        break;
                    }

                    scores.Add(probabilities[i]);
                    truth.Add(labels.IsPositiveAt(row.SourceUri, center));
                }
            }
        }
        else if (labels.Rows.Count > 0)
        {
            level = "row";
            foreach (var row in rows.Where(r => labels.Rows.ContainsKey(r.RowId)))
            {
                var score = row.Outputs.TryGetValue("speech_prob_mean", out var mean) && mean is double m
                    ? m
                    : row.Outputs.Values.OfType<double>().DefaultIfEmpty(double.NaN).First();
                scores.Add(score);
                truth.Add(labels.Rows[row.RowId]);
            }
        }
        else
        {
            return null;
        }

        var detection = EvaluationMetrics.Detection(truth, [.. scores.Select(s => s > options.Threshold)]);
        return new LabelQuality(
            model, level, scores.Count, detection.Precision, detection.Recall, detection.F1,
            EvaluationMetrics.RocAuc(scores, truth), EvaluationMetrics.PrAuc(scores, truth),
            Thin(EvaluationMetrics.RocCurve(scores, truth)), Thin(EvaluationMetrics.PrecisionRecallCurve(scores, truth)));
    }

    private static ClassQuality ClassQualityOf(string model, string column, List<EvalRecord> rows, LabelSet labels)
    {
        var labelled = rows.Where(r => labels.RowClasses.ContainsKey(r.RowId)).ToList();
        var score = EvaluationMetrics.Classification(
            [.. labelled.Select(r => labels.RowClasses[r.RowId])], [.. labelled.Select(r => (string)r.Outputs[column]!)]);
        return new ClassQuality(model, column, score.Items, score.Accuracy, score.MacroF1, score.Classes);
    }

    private static ModelCost Cost(string model, List<EvalRecord> rows, EvaluationOptions options)
    {
        var media = rows.Sum(r => r.MediaSeconds);
        var compute = rows.Sum(r => r.ComputeSeconds);
        var provider = string.Join("+", rows.Select(r => r.Provider).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        return new ModelCost(
            model, provider, media, compute,
            compute > 0 ? media / compute : double.NaN,
            media > 0 ? compute / media * options.PricePerCoreHour : double.NaN);
    }

    private static IReadOnlyList<CurvePoint> Thin(IReadOnlyList<CurvePoint> curve)
    {
        if (curve.Count <= MaxCurvePoints)
        {
            return curve;
        }

        var step = (curve.Count - 1) / (double)(MaxCurvePoints - 1);
        return [.. Enumerable.Range(0, MaxCurvePoints).Select(i => curve[(int)Math.Round(i * step)])];
    }
}
