using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansIngest.Processing.Evaluation;

/// <summary>
/// The result of one evaluation of a candidate against a baseline on the committed rows of an evaluation table;
/// stored as <c>&lt;output&gt;/_ingest/evaluations/&lt;id&gt;.json</c>. Metrics that have no data are NaN.
/// </summary>
public sealed record EvaluationReport
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    /// <summary>Evaluation id (file name of the record).</summary>
    public required string Id { get; init; }

    /// <summary>When it was made.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Output root evaluated.</summary>
    public required string Output { get; init; }

    /// <summary>Evaluation table read (<c>eval_vad</c>, …).</summary>
    public required string Table { get; init; }

    /// <summary>Baseline model name.</summary>
    public required string Baseline { get; init; }

    /// <summary>Candidate model name.</summary>
    public required string Candidate { get; init; }

    /// <summary>Committed files read.</summary>
    public int Files { get; init; }

    /// <summary>Rows (production rows) scored by both models and compared.</summary>
    public long PairedRows { get; init; }

    /// <summary>Rows of either model without a partner (not compared).</summary>
    public long UnpairedRows { get; init; }

    /// <summary>Speech threshold used for frames and segments.</summary>
    public double Threshold { get; init; }

    /// <summary>VAD comparison; null when the table has no <c>speech_probs</c>.</summary>
    public VadComparison? Vad { get; init; }

    /// <summary>Numeric output columns compared value by value.</summary>
    public IReadOnlyList<ScoreComparison> Scores { get; init; } = [];

    /// <summary>Class (string) output columns compared.</summary>
    public IReadOnlyList<ClassComparison> Classes { get; init; } = [];

    /// <summary>Class quality against reference row labels, per model and class column; empty without row labels.</summary>
    public IReadOnlyList<ClassQuality> ClassQuality { get; init; } = [];

    /// <summary>Quality against reference labels, per model; empty without labels.</summary>
    public IReadOnlyList<LabelQuality> Quality { get; init; } = [];

    /// <summary>Throughput and cost per model.</summary>
    public IReadOnlyList<ModelCost> Cost { get; init; } = [];

    /// <summary>User KPIs.</summary>
    public IReadOnlyList<KpiResult> Kpis { get; init; } = [];

    /// <summary>Serializes to indented camelCase JSON (NaN as <c>"NaN"</c>).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses a stored record.</summary>
    public static EvaluationReport FromJson(string json) =>
        JsonSerializer.Deserialize<EvaluationReport>(json, JsonOptions) ?? throw new FormatException("The evaluation record is empty.");
}

/// <summary>Frame- and segment-level comparison of two VAD models (the baseline is the reference).</summary>
/// <param name="Frames">Frames compared.</param>
/// <param name="FrameAgreement">Fraction of frames both call speech or both call non-speech.</param>
/// <param name="FrameKappa">Cohen's kappa of the frame decisions.</param>
/// <param name="FrameF1">F1 of the candidate's speech frames against the baseline's.</param>
/// <param name="BaselineSegments">Speech segments of the baseline.</param>
/// <param name="CandidateSegments">Speech segments of the candidate.</param>
/// <param name="MatchedSegments">Segment pairs matched.</param>
/// <param name="SegmentPrecision">Matched / candidate segments.</param>
/// <param name="SegmentRecall">Matched / baseline segments.</param>
/// <param name="SegmentF1">2 · matched / (baseline + candidate segments).</param>
/// <param name="MatchingRule">How segments are made and matched, in words.</param>
/// <param name="MeanBoundaryErrorMs">Mean boundary error of matched pairs, ms.</param>
/// <param name="ProbabilityMae">Mean absolute difference of frame probabilities.</param>
/// <param name="ProbabilityCorrelation">Pearson correlation of frame probabilities.</param>
/// <param name="DifferenceHistogram">Histogram of candidate − baseline frame probabilities over [-1, 1].</param>
public sealed record VadComparison(
    long Frames,
    double FrameAgreement,
    double FrameKappa,
    double FrameF1,
    long BaselineSegments,
    long CandidateSegments,
    long MatchedSegments,
    double SegmentPrecision,
    double SegmentRecall,
    double SegmentF1,
    string MatchingRule,
    double MeanBoundaryErrorMs,
    double ProbabilityMae,
    double ProbabilityCorrelation,
    Histogram DifferenceHistogram);

/// <summary>Value comparison of one numeric output column.</summary>
/// <param name="Column">Column name.</param>
/// <param name="MeanAbsoluteError">Mean |candidate − baseline|.</param>
/// <param name="Correlation">Pearson correlation.</param>
public sealed record ScoreComparison(string Column, double MeanAbsoluteError, double Correlation);

/// <summary>Comparison of one class output column.</summary>
/// <param name="Column">Column name.</param>
/// <param name="Agreement">Fraction of rows with the same class.</param>
/// <param name="Kappa">Cohen's kappa.</param>
public sealed record ClassComparison(string Column, double Agreement, double Kappa);

/// <summary>Quality of one model against the reference labels.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Level">"frame" (interval labels, VAD frames) or "row" (row labels).</param>
/// <param name="Items">Frames or rows scored.</param>
/// <param name="Precision">Precision at the threshold.</param>
/// <param name="Recall">Recall at the threshold.</param>
/// <param name="F1">F1 at the threshold.</param>
/// <param name="RocAuc">ROC AUC (trapezoid).</param>
/// <param name="PrAuc">PR AUC (average precision, step sum).</param>
/// <param name="Roc">ROC curve (thinned for plotting).</param>
/// <param name="PrecisionRecall">PR curve (thinned for plotting).</param>
public sealed record LabelQuality(
    string Model, string Level, long Items, double Precision, double Recall, double F1, double RocAuc, double PrAuc,
    IReadOnlyList<CurvePoint> Roc, IReadOnlyList<CurvePoint> PrecisionRecall);

/// <summary>Class quality of one model's class column against the reference row labels.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Column">Class column (a <c>class_probabilities</c> output's <c>_label</c> column).</param>
/// <param name="Items">Labelled rows scored.</param>
/// <param name="Accuracy">Fraction of rows whose class equals the label.</param>
/// <param name="MacroF1">Mean F1 over the classes.</param>
/// <param name="Classes">Precision, recall and F1 per class.</param>
public sealed record ClassQuality(string Model, string Column, long Items, double Accuracy, double MacroF1, IReadOnlyList<ClassScore> Classes);

/// <summary>Throughput and cost of one model on this hardware.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Provider">Execution provider of its rows.</param>
/// <param name="MediaSeconds">Media seconds scored.</param>
/// <param name="ComputeSeconds">Compute seconds attributed.</param>
/// <param name="MediaSecondsPerComputeSecond">Throughput (real-time factor).</param>
/// <param name="CostPerAudioHour">Price per core-hour × core-hours per audio hour.</param>
public sealed record ModelCost(string Model, string Provider, double MediaSeconds, double ComputeSeconds, double MediaSecondsPerComputeSecond, double CostPerAudioHour);

/// <summary>A user KPI evaluated with each model's rows.</summary>
/// <param name="Name">KPI name.</param>
/// <param name="Expression">The expression.</param>
/// <param name="Baseline">Value with the baseline's rows.</param>
/// <param name="Candidate">Value with the candidate's rows.</param>
/// <param name="Delta">Candidate − baseline.</param>
public sealed record KpiResult(string Name, string Expression, double Baseline, double Candidate, double Delta);
