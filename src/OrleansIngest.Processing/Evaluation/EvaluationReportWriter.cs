using System.Globalization;
using System.Net;
using System.Text;

namespace OrleansIngest.Processing.Evaluation;

/// <summary>Renders an <see cref="EvaluationReport"/> as Markdown or as one self-contained HTML page (inline SVG, no scripts or external assets).</summary>
public static class EvaluationReportWriter
{
    private const int PlotSize = 260;
    private const int Margin = 36;

    /// <summary>Formats a metric the way the reports show it (4 decimals; NaN as "n/a").</summary>
    public static string Format(double value) =>
        double.IsNaN(value) ? "n/a" : value.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>Markdown report.</summary>
    public static string ToMarkdown(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# Evaluation {report.Id}: {report.Candidate} vs {report.Baseline}\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Table `{report.Table}` under `{report.Output}`, {report.Files} committed file(s), {report.PairedRows} paired rows ({report.UnpairedRows} unpaired), made {report.CreatedAt:u}.\n\n");
        foreach (var (section, rows) in Sections(report))
        {
            md.Append(CultureInfo.InvariantCulture, $"## {section}\n\n");
            md.Append("| | |\n|---|---|\n");
            foreach (var (name, value) in rows)
            {
                md.Append(CultureInfo.InvariantCulture, $"| {name} | {value} |\n");
            }

            md.Append('\n');
        }

        if (report.Vad is { } vad)
        {
            md.Append("## Score differences (candidate − baseline, per frame)\n\n| bin | frames |\n|---|---|\n");
            var width = (vad.DifferenceHistogram.Max - vad.DifferenceHistogram.Min) / vad.DifferenceHistogram.Counts.Count;
            for (var i = 0; i < vad.DifferenceHistogram.Counts.Count; i++)
            {
                if (vad.DifferenceHistogram.Counts[i] > 0)
                {
                    var low = vad.DifferenceHistogram.Min + (i * width);
                    md.Append(CultureInfo.InvariantCulture, $"| [{Format(low)}, {Format(low + width)}) | {vad.DifferenceHistogram.Counts[i]} |\n");
                }
            }

            md.Append('\n');
        }

        md.Append("## KPIs\n\n");
        if (report.Kpis.Count == 0)
        {
            md.Append("None defined.\n");
        }
        else
        {
            md.Append(CultureInfo.InvariantCulture, $"| KPI | expression | {report.Baseline} | {report.Candidate} | delta |\n|---|---|---|---|---|\n");
            foreach (var kpi in report.Kpis)
            {
                md.Append(CultureInfo.InvariantCulture, $"| {kpi.Name} | `{kpi.Expression.Replace("|", "\\|", StringComparison.Ordinal)}` | {Format(kpi.Baseline)} | {Format(kpi.Candidate)} | {Format(kpi.Delta)} |\n");
            }
        }

        return md.ToString();
    }

    /// <summary>Self-contained HTML report.</summary>
    public static string ToHtml(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(Encode($"Evaluation {report.Id}"))
            .Append("</title><style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}")
            .Append("td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}th{background:#f4f4f4}svg{margin:.5rem 1rem .5rem 0;border:1px solid #ddd}")
            .Append(".b{stroke:#1f77b4}.c{stroke:#d62728}</style></head><body>");
        html.Append("<h1>").Append(Encode($"{report.Candidate} vs {report.Baseline}")).Append("</h1><p>")
            .Append(Encode(string.Create(CultureInfo.InvariantCulture, $"Evaluation {report.Id}: table {report.Table} under {report.Output}, {report.Files} committed file(s), {report.PairedRows} paired rows ({report.UnpairedRows} unpaired), {report.CreatedAt:u}.")))
            .Append("</p>");
        foreach (var (section, rows) in Sections(report))
        {
            html.Append("<h2>").Append(Encode(section)).Append("</h2><table>");
            foreach (var (name, value) in rows)
            {
                html.Append("<tr><th>").Append(Encode(name)).Append("</th><td>").Append(Encode(value)).Append("</td></tr>");
            }

            html.Append("</table>");
        }

        if (report.Vad is { } vad)
        {
            html.Append("<h2>Score differences (candidate − baseline, per frame)</h2>").Append(HistogramSvg(vad.DifferenceHistogram));
        }

        if (report.Quality.Count > 0)
        {
            html.Append("<h2>Curves against the labels</h2><p><span style=\"color:#1f77b4\">■</span> ").Append(Encode(report.Baseline))
                .Append(" <span style=\"color:#d62728\">■</span> ").Append(Encode(report.Candidate)).Append("</p>");
            html.Append(CurveSvg("ROC", "false positive rate", "true positive rate", report.Quality.Select(q => (q.Model == report.Baseline ? "b" : "c", q.Roc)).ToList()));
            html.Append(CurveSvg("Precision-recall", "recall", "precision", report.Quality.Select(q => (q.Model == report.Baseline ? "b" : "c", q.PrecisionRecall)).ToList()));
        }

        html.Append("<h2>KPIs</h2>");
        if (report.Kpis.Count == 0)
        {
            html.Append("<p>None defined.</p>");
        }
        else
        {
            html.Append("<table><tr><th>KPI</th><th>expression</th><th>").Append(Encode(report.Baseline)).Append("</th><th>")
                .Append(Encode(report.Candidate)).Append("</th><th>delta</th></tr>");
            foreach (var kpi in report.Kpis)
            {
                html.Append("<tr><td>").Append(Encode(kpi.Name)).Append("</td><td><code>").Append(Encode(kpi.Expression)).Append("</code></td><td>")
                    .Append(Format(kpi.Baseline)).Append("</td><td>").Append(Format(kpi.Candidate)).Append("</td><td>").Append(Format(kpi.Delta)).Append("</td></tr>");
            }

            html.Append("</table>");
        }

        return html.Append("</body></html>").ToString();
    }

    private static List<(string Section, List<(string Name, string Value)> Rows)> Sections(EvaluationReport report)
    {
        var sections = new List<(string, List<(string, string)>)>();
        if (report.Vad is { } vad)
        {
            sections.Add(("VAD agreement", [
                ("frames compared", vad.Frames.ToString(CultureInfo.InvariantCulture)),
                ("frame agreement", Format(vad.FrameAgreement)),
                ("frame Cohen's kappa", Format(vad.FrameKappa)),
                ("frame F1 (baseline as reference)", Format(vad.FrameF1)),
                ("speech segments (baseline / candidate / matched)", string.Create(CultureInfo.InvariantCulture, $"{vad.BaselineSegments} / {vad.CandidateSegments} / {vad.MatchedSegments}")),
                ("segment precision", Format(vad.SegmentPrecision)),
                ("segment recall", Format(vad.SegmentRecall)),
                ("segment F1", Format(vad.SegmentF1)),
                ("mean boundary error (ms)", Format(vad.MeanBoundaryErrorMs)),
                ("probability MAE", Format(vad.ProbabilityMae)),
                ("probability correlation", Format(vad.ProbabilityCorrelation)),
                ("matching rule", vad.MatchingRule),
            ]));
        }

        if (report.Scores.Count > 0)
        {
            sections.Add(("Scores", [.. report.Scores.Select(s => (s.Column, $"MAE {Format(s.MeanAbsoluteError)}, correlation {Format(s.Correlation)}"))]));
        }

        if (report.Classes.Count > 0)
        {
            sections.Add(("Classes", [.. report.Classes.Select(c => (c.Column, $"agreement {Format(c.Agreement)}, Cohen's kappa {Format(c.Kappa)}"))]));
        }

        foreach (var quality in report.ClassQuality)
        {
            sections.Add(($"Classes against labels: {quality.Model}, {quality.Column} ({quality.Items} rows)", [
                ("accuracy", Format(quality.Accuracy)),
                ("macro F1", Format(quality.MacroF1)),
                .. quality.Classes.Select(c => (c.Label, string.Create(
                    CultureInfo.InvariantCulture, $"precision {Format(c.Precision)}, recall {Format(c.Recall)}, F1 {Format(c.F1)} ({c.Support} labelled, {c.Predicted} predicted)"))),
            ]));
        }

        foreach (var quality in report.Quality)
        {
            sections.Add(($"Quality against labels: {quality.Model} ({quality.Level} level, {quality.Items} items)", [
                ("precision", Format(quality.Precision)),
                ("recall", Format(quality.Recall)),
                ("F1", Format(quality.F1)),
                ("ROC AUC", Format(quality.RocAuc)),
                ("PR AUC (average precision)", Format(quality.PrAuc)),
            ]));
        }

        sections.Add(("Throughput and cost", [.. report.Cost.Select(c => (
            $"{c.Model} ({c.Provider})",
            $"{Format(c.MediaSecondsPerComputeSecond)} media s per compute s ({Format(c.MediaSeconds)} s of media in {Format(c.ComputeSeconds)} s); {Format(c.CostPerAudioHour)} per audio hour"))]));
        return sections;
    }

    private static string HistogramSvg(Histogram histogram)
    {
        var max = Math.Max(1, histogram.Counts.Max());
        var width = PlotSize * 2;
        var bar = (double)width / histogram.Counts.Count;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width + (2 * Margin)}\" height=\"{PlotSize + (2 * Margin)}\" role=\"img\"><title>Histogram of score differences</title>");
        for (var i = 0; i < histogram.Counts.Count; i++)
        {
            // Square-root scale: the bin at zero difference dwarfs the tails that matter.
            var height = Math.Sqrt(histogram.Counts[i] / (double)max) * PlotSize;
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Margin + (i * bar):0.##}\" y=\"{Margin + PlotSize - height:0.##}\" width=\"{Math.Max(1, bar - 1):0.##}\" height=\"{height:0.##}\" fill=\"#1f77b4\"><title>{histogram.Counts[i]}</title></rect>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Margin}\" y1=\"{Margin + PlotSize}\" x2=\"{Margin + width}\" y2=\"{Margin + PlotSize}\" stroke=\"#333\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Margin}\" y=\"{PlotSize + Margin + 16}\" font-size=\"11\">{Format(histogram.Min)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Margin + (width / 2)}\" y=\"{PlotSize + Margin + 16}\" font-size=\"11\" text-anchor=\"middle\">0 (√ count scale)</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Margin + width}\" y=\"{PlotSize + Margin + 16}\" font-size=\"11\" text-anchor=\"end\">{Format(histogram.Max)}</text>");
        return svg.Append("</svg>").ToString();
    }

    private static string CurveSvg(string title, string xLabel, string yLabel, IReadOnlyList<(string Css, IReadOnlyList<CurvePoint> Points)> curves)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{PlotSize + (2 * Margin)}\" height=\"{PlotSize + (2 * Margin)}\" role=\"img\"><title>{Encode(title)}</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Margin}\" y=\"{Margin}\" width=\"{PlotSize}\" height=\"{PlotSize}\" fill=\"none\" stroke=\"#999\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Margin + (PlotSize / 2)}\" y=\"{Margin - 10}\" font-size=\"13\" text-anchor=\"middle\">{Encode(title)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Margin + (PlotSize / 2)}\" y=\"{PlotSize + Margin + 24}\" font-size=\"11\" text-anchor=\"middle\">{Encode(xLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"12\" y=\"{Margin + (PlotSize / 2)}\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 {Margin + (PlotSize / 2)})\">{Encode(yLabel)}</text>");
        foreach (var (css, points) in curves)
        {
            var path = string.Join(" ", points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{Margin + (p.X * PlotSize):0.##},{Margin + PlotSize - (p.Y * PlotSize):0.##}")));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline class=\"{css}\" fill=\"none\" stroke-width=\"2\" points=\"{path}\"/>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
