using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.Processing.Tests.Parquet;
using Xunit.Abstractions;

namespace OrleansIngest.Processing.Tests.Models;

/// <summary>The committed sensor anomaly model, run through the real sensor pipeline on data it was not trained on.</summary>
[Trait("Category", "Unit")]
public sealed class SensorAnomalyModelTests(ITestOutputHelper output) : IDisposable
{
    // Training used seeds 1 (train) and 2 (validation, 98.6 %); this seed is held out.
    private const int HeldOutSeed = 7;
    private const double RequiredAccuracy = 0.95;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task SensorAnomalyModel_ClassifiesHeldOutWindowsWithAtLeast95PercentAccuracy()
    {
        var path = Path.Combine(_directory.Path, "held-out.csv");
        var labels = LabelledSensorSeries.WriteFile(path, HeldOutSeed, windows: 600);
        using var catalog = new ModelCatalog(null, new ModelCatalogSettings(_directory.Path));
        var models = await catalog.LoadAsync(PipelineDefinition.Default.Models);

        var rows = await ProcessAsync(path, models);

        Assert.Equal(labels.Count, rows.Count);
        var correct = rows.Count(r => (string?)r.ModelColumns!["anomaly_class_label"] == labels[r.WindowIndex]);
        var accuracy = correct / (double)rows.Count;
        output.WriteLine($"held-out accuracy {accuracy:P2} ({correct}/{rows.Count} windows)");
        Assert.True(accuracy >= RequiredAccuracy, $"accuracy {accuracy:P2} on {rows.Count} held-out windows");
        foreach (var label in SensorAnomalyClasses.Labels)
        {
            var ofLabel = rows.Where(r => labels[r.WindowIndex] == label).ToList();
            Assert.True(ofLabel.Count(r => (string?)r.ModelColumns!["anomaly_class_label"] == label) >= 0.85 * ofLabel.Count, $"recall of {label}");
        }
    }

    [Fact]
    public async Task SensorAnomalyModel_ScoreIsOneMinusTheNormalProbabilityAndLineageNamesTheModel()
    {
        var path = Path.Combine(_directory.Path, "series.csv");
        LabelledSensorSeries.WriteFile(path, seed: 8, windows: 20);
        using var catalog = new ModelCatalog(null, new ModelCatalogSettings(_directory.Path));

        var rows = await ProcessAsync(path, await catalog.LoadAsync(PipelineDefinition.Default.Models));

        Assert.All(rows, r =>
        {
            var probabilities = Assert.IsType<float[]>(r.ModelColumns!["anomaly_class"]);
            Assert.Equal(4, probabilities.Length);
            Assert.Equal(1, probabilities.Sum(), 4);
            Assert.Equal(1 - probabilities[0], Assert.IsType<float>(r.ModelColumns["anomaly_score"]), 5);
            Assert.Equal($"sensor_anomaly=sensor_anomaly@1+{PipelineDefinition.SensorAnomalySha256[..12]}", r.ModelColumns["model_versions"]);
        });
    }

    [Fact]
    public async Task SensorAnomalyModel_WindowsWithoutTheModelsChannelsGetNullColumns()
    {
        var path = Path.Combine(_directory.Path, "other.csv");
        await File.WriteAllTextAsync(path, "timestamp,temp,hum\n0,20,40\n1,21,41\n2,22,42\n");
        using var catalog = new ModelCatalog(null, new ModelCatalogSettings(_directory.Path));

        var row = Assert.Single(await ProcessAsync(path, await catalog.LoadAsync(PipelineDefinition.Default.Models)));

        Assert.False(row.ModelColumns!.ContainsKey("anomaly_score"));
        Assert.StartsWith("sensor_anomaly=", (string?)row.ModelColumns["model_versions"], StringComparison.Ordinal);
    }

    private static async Task<List<SensorWindowRow>> ProcessAsync(string path, ModelSteps models)
    {
        var unit = new LeasedUnit("unit", 1, new Uri(path).AbsoluteUri, Path.GetFileName(path), "\"e\"", new FileInfo(path).Length, TableSchemas.SensorWindows, RouteKind.Sensor);
        var rows = new List<SensorWindowRow>();
        await new SensorUnitProcessor(TimeProvider.System, models).ProcessAsync(
            unit,
            _ => ValueTask.FromResult<Stream>(File.OpenRead(path)),
            new PipelineContext(PipelineDefinition.Default, "default@1+test", "writer"),
            row =>
            {
                rows.Add(row);
                return ValueTask.CompletedTask;
            });
        return rows;
    }
}
