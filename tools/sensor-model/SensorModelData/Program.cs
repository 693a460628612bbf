using System.Globalization;
using System.Text;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Processing.Synthetic;

// Usage: SensorModelData <output.csv> <seed> <windows>
// Generates a labelled series (LabelledSensorSeries), windows it with the pipeline's SensorUnitProcessor and writes one
// line per window: the class index, then the 4 × 5 sensor_window_matrix values the pipeline feeds the model.
if (args.Length != 3
    || !int.TryParse(args[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
    || !int.TryParse(args[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var windows))
{
    Console.Error.WriteLine("usage: SensorModelData <output.csv> <seed> <windows>");
    return 2;
}

var series = Path.Combine(Path.GetTempPath(), $"labelled-sensor-{seed}-{Guid.NewGuid():N}.csv");
try
{
    var labels = LabelledSensorSeries.WriteFile(series, seed, windows);
    var unit = new LeasedUnit("training", 0, new Uri(series).AbsoluteUri, Path.GetFileName(series), "1", new FileInfo(series).Length, TableSchemas.SensorWindows, RouteKind.Sensor);
    var context = new PipelineContext(PipelineDefinition.Default with { Models = [] }, "training", "sensor-model-data");
    var rows = new List<SensorWindowRow>();
    await new SensorUnitProcessor(TimeProvider.System).ProcessAsync(
        unit, _ => ValueTask.FromResult<Stream>(File.OpenRead(series)), context, row => { rows.Add(row); return ValueTask.CompletedTask; });

    using var output = new StreamWriter(args[0], append: false, new UTF8Encoding(false)) { NewLine = "\n" };
    var columns = SensorAnomalyClasses.Channels.SelectMany(c => new[] { "mean", "std", "min", "max", "slope" }.Select(s => $"{c}_{s}"));
    output.WriteLine("label," + string.Join(',', columns));
    var written = 0;
    foreach (var row in rows)
    {
        if (SensorWindowMatrix.Create(row, SensorAnomalyClasses.Channels) is not { } matrix)
        {
            continue;
        }

        var label = SensorAnomalyClasses.Labels.ToList().IndexOf(labels[row.WindowIndex]);
        output.WriteLine(label.ToString(CultureInfo.InvariantCulture) + "," + string.Join(',', matrix.Data.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        written++;
    }

    Console.WriteLine($"{written} windows → {args[0]}");
    return 0;
}
finally
{
    File.Delete(series);
}
