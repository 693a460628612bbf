using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Tests.Pipeline;

[Trait("Category", "Unit")]
public sealed class ModelStepDefinitionTests
{
    private const string Yaml = """
        routes:
          - match: ["**/*.csv"]
            table: sensor_windows
            kind: sensor
        models:
          - name: sensor_anomaly
            appliesTo: sensor
            path: https://acct.blob.core.windows.net/models/sensor.onnx
            sha256: "0161c32e1ae0be674a86295900b560f24ebcc39ee4a13512568dd28bb2d8e43e"
            version: "3"
            provider: auto
            batchSize: 32
            channels: [temperature, humidity]
            inputs: { x: sensor_window_matrix }
            outputs:
              - { tensor: score, column: anomaly_score, type: float }
              - { tensor: emb, column: window_embedding, type: float_vector, length: 16 }
              - { tensor: probs, column: odour_class, type: class_probabilities, labels: [clean, smoke, solvent] }
        """;

    [Fact]
    public void PipelineDefinition_ReadsTheModelsBlockFromYaml()
    {
        var pipeline = PipelineDefinition.FromText(Yaml);

        var step = Assert.Single(pipeline.Models);
        Assert.Equal("sensor_anomaly", step.Name);
        Assert.Equal(ModelAppliesTo.Sensor, step.AppliesTo);
        Assert.Equal("3", step.Version);
        Assert.Equal("auto", step.Provider);
        Assert.Equal(32, step.BatchSize);
        Assert.Equal(["temperature", "humidity"], step.Channels);
        Assert.Equal("sensor_window_matrix", step.Inputs["x"]);
        Assert.Equal([ModelOutputType.Float, ModelOutputType.FloatVector, ModelOutputType.ClassProbabilities], step.Outputs.Select(o => o.Type));
        Assert.Equal(16, step.Outputs[1].Length);
        Assert.Equal(["clean", "smoke", "solvent"], step.Outputs[2].Labels);
    }

    [Fact]
    public void PipelineDefinition_ModelsSurviveTheJsonRoundTripThatShipsThemToSilos()
    {
        var pipeline = PipelineDefinition.FromText(Yaml);

        var again = PipelineDefinition.FromJson(pipeline.ToJson());

        Assert.Equal(pipeline.ToJson(), again.ToJson());
        Assert.Contains("\"class_probabilities\"", pipeline.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void PipelineDefinition_WithoutModelsHasNoModelSteps() =>
        Assert.Empty(PipelineDefinition.FromText("routes:\n  - match: ['*.wav']\n    table: t\n    kind: audio\n").Models);

    [Fact]
    public void PipelineDefinition_DefaultRunsTheSensorAnomalyModel()
    {
        var step = Assert.Single(PipelineDefinition.Default.Models);

        Assert.Equal("sensor_anomaly", step.Name);
        Assert.Equal(PipelineDefinition.SensorAnomalySha256, step.Sha256);
    }

    [Theory]
    [InlineData("path: https://acct.blob.core.windows.net/m/x.onnx\n    sha256: \"\"", "is loaded from a URL and needs its 'sha256'")]
    [InlineData("path: x.onnx\n    sha256: abc", "sha256 must be 64 hex digits")]
    [InlineData("path: x.onnx\n    inputs: { x: log_mel }", "which sensor rows do not have")]
    [InlineData("path: x.onnx\n    provider: tpu", "provider 'tpu' is not auto, cuda or cpu")]
    [InlineData("path: x.onnx\n    batchSize: 0", "batchSize must be between 1 and 4096")]
    [InlineData("path: x.onnx\n    outputs: [{ tensor: e, column: emb, type: float_vector }]", "needs a 'length'")]
    [InlineData("path: x.onnx\n    outputs: [{ tensor: p, column: cls, type: class_probabilities, labels: [one] }]", "needs at least two non-empty 'labels'")]
    public void PipelineDefinition_RejectsModelStepsThatCannotWork(string fields, string expected)
    {
        var yaml = $"""
            routes:
              - match: ["*.csv"]
                table: t
                kind: sensor
            models:
              - name: m
                appliesTo: sensor
                {fields}
            """;
        if (!yaml.Contains("inputs:", StringComparison.Ordinal))
        {
            yaml += "\n    inputs: { x: sensor_window_matrix }";
        }

        if (!yaml.Contains("outputs:", StringComparison.Ordinal))
        {
            yaml += "\n    outputs: [{ tensor: s, column: score, type: float }]";
        }

        var error = Assert.Throws<FormatException>(() => PipelineDefinition.FromText(yaml));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PipelineDefinition_RejectsTwoStepsWritingTheSameColumn()
    {
        var step = PipelineDefinition.SensorAnomalyStep;

        var error = Assert.Throws<FormatException>(() => PipelineDefinition.Validate(PipelineDefinition.Default with { Models = [step, step with { Name = "other" }] }));

        Assert.Contains("write the same column twice", error.Message, StringComparison.Ordinal);
    }
}
