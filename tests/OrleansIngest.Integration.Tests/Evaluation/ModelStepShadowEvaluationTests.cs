using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.Silo.Admin;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.DuckDb;
using Xunit.Abstractions;

namespace OrleansIngest.Integration.Tests.Evaluation;

/// <summary>
/// Shadow evaluation of a model step end to end on an in-process silo: labelled synthetic sensor series ingested with
/// <c>models/sensor_anomaly_small.onnx</c> as a candidate of the <c>sensor_anomaly</c> step on every unit,
/// <c>eval_sensor_anomaly</c> read back with DuckDB, <c>evaluate</c> run as the CLI with a labels file written here,
/// and its figures checked against values computed here from the DuckDB rows and the labels.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ModelStepShadowEvaluationTests(ITestOutputHelper log) : IAsyncLifetime
{
    private const string SmallSha256 = "f1aa2e1eb810415b34752b6e89c7f09e4e3ac8ebf20242f98756c38983ce1e9d";
    private const int WindowsPerFile = 40;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    private readonly TempDirectory _temp = new("oi-eval-sensor");
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
    public async Task ModelStepShadow_WritesBothModelsForEveryWindow_AndEvaluateReportsAgreementAndLabelQuality()
    {
        var source = _temp.Combine("src");
        Directory.CreateDirectory(source);
        var labelsByFile = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var seed in new[] { 31, 32, 33 })
        {
            var file = Path.Combine(source, $"series-{seed}.csv");
            labelsByFile[Path.GetFileName(file)] = LabelledSensorSeries.WriteFile(file, seed, WindowsPerFile);
        }

        var output = _temp.Combine("out");
        var models = Path.Combine(AppContext.BaseDirectory, "models");
        var pipeline = $$"""
            name: sensor-shadow-test
            routes:
              - { match: ["**/*.csv"], table: sensor_windows, kind: sensor }
            models:
              - name: sensor_anomaly
                appliesTo: sensor
                path: "{{Path.Combine(models, "sensor_anomaly.onnx")}}"
                sha256: {{PipelineDefinition.SensorAnomalySha256}}
                version: "1"
                provider: cpu
                batchSize: 16
                inputs: { x: sensor_window_matrix }
                channels: [temperature, humidity, voc, co2]
                outputs:
                  - { tensor: probabilities, column: anomaly_class, type: class_probabilities, labels: [normal, drift, spike, stuck] }
                  - { tensor: anomaly_score, column: anomaly_score, type: float }
            evaluation:
              sample: 1
              candidates:
                - { name: sensor_small, shadows: sensor_anomaly, path: "file://{{Path.Combine(models, "sensor_anomaly_small.onnx")}}", sha256: {{SmallSha256}}, version: small1, provider: cpu, batchSize: 8 }
            """;

        await _admin.StartJobAsync(new StartJobRequest(source, output, pipeline, "job-sensor-shadow", false, null, null));
        var job = await WaitForAsync("job-sensor-shadow", d => d.Summary.Phase == "completed");
        Assert.Equal(0, job.Summary.Quarantined);

        // The independent reader: production windows, and eval rows keyed by the same window ids.
        var windows = await DuckDbQuery.QueryAsync(
            $"SELECT window_id, window_index, source_uri, anomaly_class_label, anomaly_score FROM read_parquet({DuckDbQuery.Literal(Path.Combine(output, "sensor_windows", "*.parquet"))})");
        var evalRows = await DuckDbQuery.QueryAsync(
            "SELECT row_id, model_name, model_version, model_sha256, role, compute_seconds, media_seconds, anomaly_class, anomaly_class_label, anomaly_score " +
            $"FROM read_parquet({DuckDbQuery.Literal(Path.Combine(output, "eval_sensor_anomaly", "*.parquet"))})");
        Assert.Equal(3 * WindowsPerFile, windows.Length);
        Assert.Equal(2 * windows.Length, evalRows.Length);
        var windowIds = windows.Select(w => w.GetProperty("window_id").GetString()!).Order(StringComparer.Ordinal).ToList();
        var baseline = evalRows.Where(r => r.GetProperty("model_name").GetString() == "sensor_anomaly").ToDictionary(r => r.GetProperty("row_id").GetString()!);
        var candidate = evalRows.Where(r => r.GetProperty("model_name").GetString() == "sensor_small").ToDictionary(r => r.GetProperty("row_id").GetString()!);
        Assert.Equal(windowIds, baseline.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(windowIds, candidate.Keys.Order(StringComparer.Ordinal));
        Assert.All(baseline.Values, r => Assert.Equal(("baseline", PipelineDefinition.SensorAnomalySha256), (r.GetProperty("role").GetString(), r.GetProperty("model_sha256").GetString())));
        Assert.All(candidate.Values, r => Assert.Equal(("candidate", "small1", SmallSha256), (r.GetProperty("role").GetString(), r.GetProperty("model_version").GetString(), r.GetProperty("model_sha256").GetString())));
        Assert.All(evalRows, r => Assert.True(r.GetProperty("compute_seconds").GetDouble() > 0 && r.GetProperty("media_seconds").GetDouble() > 0));
        Assert.All(evalRows, r => Assert.Equal(4, r.GetProperty("anomaly_class").GetArrayLength()));

        // Baseline rows are the production step's own outputs for the same windows.
        foreach (var window in windows)
        {
            var row = baseline[window.GetProperty("window_id").GetString()!];
            Assert.Equal(window.GetProperty("anomaly_class_label").GetString(), row.GetProperty("anomaly_class_label").GetString());
            Assert.Equal(window.GetProperty("anomaly_score").GetDouble(), row.GetProperty("anomaly_score").GetDouble());
        }

        // The reference labels, by window id, from the generator's labels of each file.
        var truth = windows.ToDictionary(
            w => w.GetProperty("window_id").GetString()!,
            w => labelsByFile[Path.GetFileName(new Uri(w.GetProperty("source_uri").GetString()!).LocalPath)][w.GetProperty("window_index").GetInt32()]);
        var labelsFile = _temp.Combine("labels.csv");
        var csv = new StringBuilder("row_id,label\n");
        foreach (var (id, label) in truth)
        {
            csv.Append(id).Append(',').Append(label).Append('\n');
        }

        await File.WriteAllTextAsync(labelsFile, csv.ToString());

        var result = await CliRunner.RunAsync(
            Timeout, "evaluate", "--output", output, "--baseline", "sensor_anomaly", "--candidate", "sensor_small", "--labels", labelsFile, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var record = JsonDocument.Parse(result.Stdout);
        var root = record.RootElement;
        Assert.Equal("eval_sensor_anomaly", root.GetProperty("table").GetString());
        Assert.Equal(windowIds.Count, root.GetProperty("pairedRows").GetInt64());
        var baselineClasses = windowIds.Select(id => baseline[id].GetProperty("anomaly_class_label").GetString()!).ToList();
        var candidateClasses = windowIds.Select(id => candidate[id].GetProperty("anomaly_class_label").GetString()!).ToList();
        var truthClasses = windowIds.Select(id => truth[id]).ToList();
        Assert.NotEqual(baselineClasses, candidateClasses);

        var classes = Assert.Single(root.GetProperty("classes").EnumerateArray());
        Assert.Equal("anomaly_class_label", classes.GetProperty("column").GetString());
        Assert.Equal(Agreement(baselineClasses, candidateClasses), classes.GetProperty("agreement").GetDouble(), 12);
        Assert.Equal(Kappa(baselineClasses, candidateClasses), classes.GetProperty("kappa").GetDouble(), 12);

        var scores = Assert.Single(root.GetProperty("scores").EnumerateArray());
        Assert.Equal("anomaly_score", scores.GetProperty("column").GetString());
        var scoreMae = windowIds.Average(id => Math.Abs(baseline[id].GetProperty("anomaly_score").GetDouble() - candidate[id].GetProperty("anomaly_score").GetDouble()));
        Assert.Equal(scoreMae, scores.GetProperty("meanAbsoluteError").GetDouble(), 9);

        var quality = root.GetProperty("classQuality").EnumerateArray().ToDictionary(q => q.GetProperty("model").GetString()!);
        foreach (var (model, predicted) in new[] { ("sensor_anomaly", baselineClasses), ("sensor_small", candidateClasses) })
        {
            var figures = quality[model];
            Assert.Equal(windowIds.Count, figures.GetProperty("items").GetInt64());
            Assert.Equal(Agreement(truthClasses, predicted), figures.GetProperty("accuracy").GetDouble(), 12);
            Assert.Equal(MacroF1(truthClasses, predicted), figures.GetProperty("macroF1").GetDouble(), 12);
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{windowIds.Count} windows: agreement {classes.GetProperty("agreement").GetDouble():F4}, kappa {classes.GetProperty("kappa").GetDouble():F4}, score MAE {scoreMae:F4}"));
        foreach (var (model, figures) in quality)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{model}: accuracy {figures.GetProperty("accuracy").GetDouble():F4}, macro F1 {figures.GetProperty("macroF1").GetDouble():F4}"));
        }

        Assert.True(quality["sensor_anomaly"].GetProperty("accuracy").GetDouble() > 0.9, "the production model is accurate on held-out series");

        // The score against "anything but normal": ROC AUC equals the Mann-Whitney probability computed here.
        var scored = root.GetProperty("quality").EnumerateArray().ToDictionary(q => q.GetProperty("model").GetString()!);
        foreach (var (model, rows) in new[] { ("sensor_anomaly", baseline), ("sensor_small", candidate) })
        {
            var auc = MannWhitneyAuc(windowIds.Select(id => (rows[id].GetProperty("anomaly_score").GetDouble(), truth[id] != "normal")).ToList());
            Assert.Equal(auc, scored[model].GetProperty("rocAuc").GetDouble(), 9);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{model}: ROC AUC of anomaly_score {auc:F4}"));
        }

        // The candidate is registered in the output's model registry like a step.
        using var registration = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "_ingest", "models", "sensor_small@small1.json")));
        Assert.Equal(SmallSha256, registration.RootElement.GetProperty("sha256").GetString());
    }

    private static double Agreement(IReadOnlyList<string> a, IReadOnlyList<string> b) => a.Zip(b).Count(p => p.First == p.Second) / (double)a.Count;

    private static double Kappa(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var n = (double)a.Count;
        var expected = a.Concat(b).Distinct().Sum(label => (a.Count(x => x == label) / n) * (b.Count(x => x == label) / n));
        return (Agreement(a, b) - expected) / (1 - expected);
    }

    private static double MacroF1(IReadOnlyList<string> truth, IReadOnlyList<string> predicted) =>
        truth.Concat(predicted).Distinct().Average(label =>
        {
            var tp = truth.Zip(predicted).Count(p => p.First == label && p.Second == label);
            var fp = truth.Zip(predicted).Count(p => p.First != label && p.Second == label);
            var fn = truth.Zip(predicted).Count(p => p.First == label && p.Second != label);
            return 2.0 * tp / ((2 * tp) + fp + fn);
        });

    private static double MannWhitneyAuc(IReadOnlyList<(double Score, bool Positive)> items)
    {
        var positives = items.Where(i => i.Positive).Select(i => i.Score).ToList();
        var negatives = items.Where(i => !i.Positive).Select(i => i.Score).ToList();
        var wins = positives.Sum(p => negatives.Sum(q => p > q ? 1.0 : p == q ? 0.5 : 0));
        return wins / (positives.Count * (double)negatives.Count);
    }

    private Task<JobDetail> WaitForAsync(string jobId, Func<JobDetail, bool> condition) => _silo.WaitForJobAsync(jobId, condition, Timeout);
}
