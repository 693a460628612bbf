namespace OrleansIngest.Silo.Admin;

/// <summary>
/// One recorded evaluation (<c>orleans-ingest evaluate</c>) of a candidate model against a baseline, as the dashboard
/// lists it; the full record is <c>&lt;output&gt;/_ingest/evaluations/&lt;id&gt;.json</c>.
/// </summary>
/// <param name="Id">Evaluation id.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="Output">Output root evaluated.</param>
/// <param name="Table">Evaluation table (<c>eval_vad</c>, …).</param>
/// <param name="Baseline">Baseline model.</param>
/// <param name="Candidate">Candidate model.</param>
/// <param name="PairedRows">Rows compared.</param>
/// <param name="FrameAgreement">VAD frame agreement; null for other steps or without data.</param>
/// <param name="SegmentF1">VAD segment F1; null for other steps or without data.</param>
/// <param name="ProbabilityMae">VAD probability MAE; null for other steps or without data.</param>
/// <param name="Kpis">User KPIs with baseline, candidate and delta.</param>
/// <param name="ReportUrl">The HTML report (an API path).</param>
public sealed record EvaluationSummary(
    string Id,
    DateTimeOffset CreatedAt,
    string Output,
    string Table,
    string Baseline,
    string Candidate,
    long PairedRows,
    double? FrameAgreement,
    double? SegmentF1,
    double? ProbabilityMae,
    IReadOnlyList<EvaluationKpi> Kpis,
    string ReportUrl);

/// <summary>A KPI of an evaluation.</summary>
/// <param name="Name">KPI name.</param>
/// <param name="Baseline">Value with the baseline's rows; null when it has no value (NaN).</param>
/// <param name="Candidate">Value with the candidate's rows; null when it has no value.</param>
/// <param name="Delta">Candidate − baseline; null when either has no value.</param>
public sealed record EvaluationKpi(string Name, double? Baseline, double? Candidate, double? Delta);
