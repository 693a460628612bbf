using OrleansIngest.Processing.Pipeline;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Processing.Tests.Pipeline;

/// <summary>The pipeline files the README's "Evaluate a new model" commands use load and validate as written.</summary>
public sealed class ExamplePipelineTests
{
    private static string Example(string name) => Path.Combine(TestTools.RepositoryRoot, "docs", "examples", name);

    [Fact]
    [Trait("Category", "Unit")]
    public void VadEvaluationExample_ShadowsTheVadWithThePinnedOp15ExportOnEveryUnit()
    {
        var pipeline = PipelineDefinition.Load(Example("evaluate-vad.yaml"));

        var candidate = Assert.Single(pipeline.Evaluation!.Candidates);
        Assert.Equal(("silero_op15", "vad"), (candidate.Name, candidate.Shadows));
        Assert.Equal(1, pipeline.Evaluation.Sample);
        Assert.Equal("7ed98ddbad84ccac4cd0aeb3099049280713df825c610a8ed34543318f1b2c49", candidate.Sha256);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void SensorEvaluationExample_ShadowsTheSensorStepWithTheCommittedSmallModel()
    {
        var pipeline = PipelineDefinition.Load(Example("evaluate-sensor.yaml"));

        var step = Assert.Single(pipeline.Models);
        var candidate = Assert.Single(pipeline.Evaluation!.Candidates);
        Assert.Equal(("sensor_small", step.Name), (candidate.Name, candidate.Shadows));
        Assert.Equal(PipelineDefinition.SensorAnomalySha256, step.Sha256);
        Assert.Equal(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(TestTools.RepositoryRoot, "models", "sensor_anomaly_small.onnx")))),
            candidate.Sha256);
    }
}
