using System.Globalization;
using System.Text.Json;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.Silo.Admin;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Integration.Tests.Evaluation;

/// <summary>
/// Shadow evaluation end to end on an in-process silo: synthetic speech ingested with the opset-15 Silero export as a
/// VAD candidate on every unit, the eval table read back with DuckDB, <c>evaluate</c> run as the CLI, and its
/// figures checked against values computed here from the DuckDB rows.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ShadowEvaluationTests : IAsyncLifetime
{
    private const string Op15Sha256 = "7ed98ddbad84ccac4cd0aeb3099049280713df825c610a8ed34543318f1b2c49";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    private readonly TempDirectory _temp = new("oi-eval");
    private InProcessSilo _silo = null!;
    private IAdminService _admin = null!;

    public async Task InitializeAsync()
    {
        _silo = await InProcessSilo.StartAsync(lanes: 2);
        _admin = _silo.Admin;
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task ShadowRun_WritesBaselineAndCandidateRowsForEverySegment_AndEvaluateReportsTheirAgreement()
    {
        var source = _temp.Combine("src");
        CorpusGenerator.Generate(source, new CorpusSettings(AudioMinutes: 1.5, SensorFiles: 0, BadFiles: 0, Seed: 21));
        var output = _temp.Combine("out");
        var candidatePath = Path.Combine(AppContext.BaseDirectory, "models", "silero_vad_16k_op15.onnx");
        var pipeline = $$"""
            name: shadow-test
            routes:
              - { match: ["**/*.wav"], table: audio_segments, kind: audio }
            audio: { segmentSeconds: 10 }
            evaluation:
              sample: 1
              candidates:
                - { name: silero_op15, shadows: vad, path: "{{candidatePath}}", sha256: {{Op15Sha256}}, version: op15, provider: cpu, batchSize: 8 }
            """;

        await _admin.StartJobAsync(new StartJobRequest(source, output, pipeline, "job-shadow", false, null, null));
        var job = await WaitForAsync("job-shadow", d => d.Summary.Phase == "completed");
        Assert.Equal(0, job.Summary.Quarantined);

        // The independent reader: production segments, and eval rows keyed by the same segment ids.
        var segments = await DuckDbQuery.QueryAsync($"SELECT segment_id FROM read_parquet({DuckDbQuery.Literal(Path.Combine(output, "audio_segments", "*.parquet"))})");
        var evalRows = await DuckDbQuery.QueryAsync(
            $"SELECT row_id, model_name, role, model_sha256, start_s, end_s, speech_probs FROM read_parquet({DuckDbQuery.Literal(Path.Combine(output, "eval_vad", "*.parquet"))}) ORDER BY row_id, role");
        var segmentIds = segments.Select(s => s.GetProperty("segment_id").GetString()!).Order(StringComparer.Ordinal).ToList();
        Assert.True(segmentIds.Count >= 9, $"only {segmentIds.Count} segments");
        Assert.Equal(2 * segmentIds.Count, evalRows.Length);
        var baseline = evalRows.Where(r => r.GetProperty("model_name").GetString() == "silero_vad").ToDictionary(r => r.GetProperty("row_id").GetString()!);
        var candidate = evalRows.Where(r => r.GetProperty("model_name").GetString() == "silero_op15").ToDictionary(r => r.GetProperty("row_id").GetString()!);
        Assert.Equal(segmentIds, baseline.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(segmentIds, candidate.Keys.Order(StringComparer.Ordinal));
        Assert.All(baseline.Values, r => Assert.Equal("baseline", r.GetProperty("role").GetString()));
        Assert.All(candidate.Values, r => Assert.Equal(Op15Sha256, r.GetProperty("model_sha256").GetString()));

        var expected = Expected(segmentIds, baseline, candidate);
        var reportFolder = _temp.Combine("report");
        var result = await CliRunner.RunAsync(
            Timeout, "evaluate", "--output", output, "--baseline", "silero_vad", "--candidate", "silero_op15", "--json", "--report", reportFolder,
            "--kpi", "speech_minutes = sum(end_s - start_s) / 60 where speech_ratio > 0.5");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var record = JsonDocument.Parse(result.Stdout);
        var vad = record.RootElement.GetProperty("vad");
        Assert.Equal(segmentIds.Count, record.RootElement.GetProperty("pairedRows").GetInt64());
        Assert.Equal(expected.Frames, vad.GetProperty("frames").GetInt64());
        Assert.Equal(expected.Agreement, vad.GetProperty("frameAgreement").GetDouble(), 9);
        Assert.Equal(expected.Mae, vad.GetProperty("probabilityMae").GetDouble(), 6);
        Assert.Equal(expected.SegmentF1, vad.GetProperty("segmentF1").GetDouble(), 9);
        Assert.True(expected.BaselineSegments > 0, "the synthetic speech has no speech segment");
        Assert.Equal(expected.BaselineSegments, vad.GetProperty("baselineSegments").GetInt64());
        var html = await File.ReadAllTextAsync(Path.Combine(reportFolder, "report.html"));
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains("speech_minutes", await File.ReadAllTextAsync(Path.Combine(reportFolder, "report.md")), StringComparison.Ordinal);

        // The dashboard's service lists it from the job's output, with the stored HTML report.
        var id = record.RootElement.GetProperty("id").GetString()!;
        var listed = Assert.Single(await _admin.ListEvaluationsAsync(), e => e.Id == id);
        Assert.Equal(("silero_op15", "silero_vad", "eval_vad"), (listed.Candidate, listed.Baseline, listed.Table));
        Assert.Equal(expected.Agreement, listed.FrameAgreement!.Value, 9);
        Assert.Equal($"/api/evaluations/{id}/report", listed.ReportUrl);
        Assert.Equal(html, await _admin.GetEvaluationReportAsync(id));
        Assert.Null(await _admin.GetEvaluationReportAsync("no-such-evaluation"));
    }

    // Computed from the DuckDB rows alone: frame decisions at 0.5, speech segments (runs of > 0.5 frames, gaps of at
    // most 3 frames (< 100 ms) bridged, runs under 8 frames (< 250 ms) dropped), matched when IoU ≥ 0.5.
    private static (long Frames, double Agreement, double Mae, double SegmentF1, long BaselineSegments) Expected(
        List<string> ids, Dictionary<string, JsonElement> baseline, Dictionary<string, JsonElement> candidate)
    {
        long frames = 0, same = 0, baselineSegments = 0, candidateSegments = 0, matched = 0;
        double absolute = 0;
        foreach (var id in ids)
        {
            var a = Probabilities(baseline[id]);
            var b = Probabilities(candidate[id]);
            var n = Math.Min(a.Length, b.Length);
            for (var i = 0; i < n; i++)
            {
                frames++;
                same += (a[i] > 0.5) == (b[i] > 0.5) ? 1 : 0;
                absolute += Math.Abs(a[i] - b[i]);
            }

            var sa = Segments(a[..n]);
            var sb = Segments(b[..n]);
            baselineSegments += sa.Count;
            candidateSegments += sb.Count;
            matched += sa.Count(x => sb.Any(y => Iou(x, y) >= 0.5));
        }

        var f1 = baselineSegments + candidateSegments == 0 ? 1 : 2.0 * matched / (baselineSegments + candidateSegments);
        return (frames, same / (double)frames, absolute / frames, f1, baselineSegments);
    }

    private static double[] Probabilities(JsonElement row) =>
        [.. row.GetProperty("speech_probs").EnumerateArray().Select(p => p.GetDouble())];

    private static List<(int Start, int End)> Segments(double[] p)
    {
        var speech = p.Select(x => x > 0.5).ToArray();
        for (var i = 0; i < speech.Length; i++)
        {
            if (!speech[i] && i > 0 && speech[i - 1])
            {
                var next = Array.IndexOf(speech, true, i);
                if (next > 0 && next - i <= 3)
                {
                    Array.Fill(speech, true, i, next - i);
                }
            }
        }

        var runs = new List<(int, int)>();
        for (var i = 0; i < speech.Length;)
        {
            if (!speech[i])
            {
                i++;
                continue;
            }

            var start = i;
            while (i < speech.Length && speech[i])
            {
                i++;
            }

            if (i - start >= 8)
            {
                runs.Add((start, i));
            }
        }

        return runs;
    }

    private static double Iou((int Start, int End) x, (int Start, int End) y)
    {
        var intersection = Math.Min(x.End, y.End) - Math.Max(x.Start, y.Start);
        return intersection <= 0 ? 0 : intersection / (double)((x.End - x.Start) + (y.End - y.Start) - intersection);
    }

    private Task<JobDetail> WaitForAsync(string jobId, Func<JobDetail, bool> condition) => _silo.WaitForJobAsync(jobId, condition, Timeout);
}
