using OrleansIngest.Processing.Evaluation;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Tests.Evaluation;

[Trait("Category", "Unit")]
public sealed class EvalTableTests
{
    private static EvalRow Row(string rowId, string model, string role, IReadOnlyList<object?> outputs) => new()
    {
        RowId = rowId,
        UnitId = "unit-1",
        SourceUri = "file:///data/a.wav",
        SourceEtag = "\"e1\"",
        StartS = 30,
        EndS = 60,
        ModelName = model,
        ModelVersion = "v1",
        ModelSha256 = new string('a', 64),
        Role = role,
        Provider = "cpu",
        ComputeSeconds = 0.25,
        MediaSeconds = 30,
        Outputs = outputs,
        PipelineVersion = "p@1+abc",
        IngestedAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void EvalVadLayout_HasTheContractColumnsInOrder()
    {
        Assert.Equal("eval_vad", EvalTableLayout.Vad.TableName);
        Assert.Equal(
            ["row_id", "unit_id", "source_uri", "source_etag", "start_s", "end_s", "model_name", "model_version", "model_sha256", "role", "provider",
             "compute_seconds", "media_seconds", "speech_probs", "speech_prob_mean", "speech_ratio", "pipeline_version", "ingested_at"],
            EvalTableLayout.Vad.Schema.Fields.Select(f => f.Name));
    }

    [Fact]
    public async Task EvalTable_ModelStepOutputsBecomeTypedColumnsAndRoundTrip()
    {
        var layout = new EvalTableLayout("sensor_anomaly", [new("anomaly_score", EvalColumnType.Float), new("odour_class", EvalColumnType.String), new("probs", EvalColumnType.FloatList)]);
        using var file = new MemoryStream();
        await using (var writer = await TableFileWriter<EvalRow>.CreateAsync(file, new ParquetOutputSettings(1 << 20, 8), layout))
        {
            await writer.AppendAsync([
                Row("w-1", "sensor_anomaly", EvalRoles.Baseline, [0.5f, "smoke", new[] { 0.1f, 0.9f }]),
                Row("w-1", "anomaly_v2", EvalRoles.Candidate, [0.75f, "clean", new[] { 0.8f, 0.2f }]),
            ]);
            await writer.CompleteAsync();
        }

        file.Position = 0;
        var rows = await EvalTableReader.ReadAsync(file);

        Assert.Equal("eval_sensor_anomaly", layout.TableName);
        Assert.Equal(2, rows.Count);
        Assert.Equal(["anomaly_v2", "sensor_anomaly"], rows.Select(r => r.ModelName).Order());
        var candidate = rows.Single(r => r.Role == EvalRoles.Candidate);
        Assert.Equal(0.75, (double)candidate.Outputs["anomaly_score"]!, 6);
        Assert.Equal("clean", candidate.Outputs["odour_class"]);
        Assert.Equal([0.8f, 0.2f], (float[])candidate.Outputs["probs"]!);
        Assert.Equal(30, candidate.StartS);
        Assert.Equal(0.25, candidate.ComputeSeconds);
    }

    [Fact]
    public async Task EvalTable_RejectsARowWhoseOutputsDoNotFitTheColumns()
    {
        using var file = new MemoryStream();
        await using var writer = await TableFileWriter<EvalRow>.CreateAsync(file, new ParquetOutputSettings(1 << 20, 8), EvalTableLayout.Vad);

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await writer.AppendAsync([Row("s-1", "x", EvalRoles.Candidate, [new float[1], 0.5, 0.5f])]));

        Assert.Contains("column 'speech_prob_mean' needs a Float value, got Double", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluationBlock_ParsesFromYamlAndSamplesDeterministicallyByUnitId()
    {
        var pipeline = PipelineDefinition.FromText("""
            routes:
              - { match: ["**/*.wav"], table: audio_segments, kind: audio }
            evaluation:
              sample: 0.25
              candidates:
                - { name: silero_op15, shadows: vad, path: models/silero_vad_16k_op15.onnx, version: op15, batchSize: 16 }
            """);

        var evaluation = pipeline.Evaluation!;
        var candidate = Assert.Single(evaluation.CandidatesOf("vad"));
        Assert.Equal(("silero_op15", "op15", 16, "eval_vad"), (candidate.Name, candidate.Version, candidate.BatchSize, candidate.TableName));
        var ids = Enumerable.Range(0, 4000).Select(i => $"unit-{i}").ToList();
        var sampled = ids.Count(evaluation.IsSampled);
        Assert.InRange(sampled, 850, 1150);
        Assert.Equal(ids.Select(evaluation.IsSampled), ids.Select(id => EvaluationDefinition.IsSampled(id, 0.25)));
        Assert.All(ids.Where(evaluation.IsSampled), id => Assert.True(EvaluationDefinition.IsSampled(id, 0.5)));
        Assert.Equal(pipeline.Evaluation, PipelineDefinition.FromJson(pipeline.ToJson()).Evaluation! with { Candidates = evaluation.Candidates });
    }

    [Fact]
    public void EvaluationBlock_AbsentLeavesThePipelineVersionAsBefore()
    {
        var plain = PipelineDefinition.Default;

        Assert.Null(plain.Evaluation);
        Assert.DoesNotContain("evaluation", plain.ToJson(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("sample: 1.5\n  candidates: []", "evaluation.sample must be between 0 and 1 (was 1.5).")]
    [InlineData("sample: 1\n  candidates:\n    - { name: Bad, shadows: vad, path: m.onnx }", "evaluation.candidates: name 'Bad' must match [a-z][a-z0-9_]*.")]
    [InlineData("sample: 1\n  candidates:\n    - { name: a, shadows: vad, path: m.onnx }\n    - { name: a, shadows: vad, path: n.onnx }", "evaluation.candidates: the name 'a' is used twice.")]
    [InlineData("sample: 1\n  candidates:\n    - { name: a, shadows: vad, path: m.onnx, provider: tpu }", "evaluation.candidates[a].provider must be auto, cpu or cuda (was 'tpu').")]
    [InlineData("sample: 1\n  candidates:\n    - { name: a, shadows: vad }", "evaluation.candidates[a].path is required.")]
    public void EvaluationBlock_InvalidSettingsAreRejectedInWords(string block, string message)
    {
        var text = "routes:\n  - { match: [\"**/*.wav\"], table: audio_segments, kind: audio }\nevaluation:\n  " + block + "\n";

        var error = Assert.Throws<FormatException>(() => PipelineDefinition.FromText(text));

        Assert.Equal(message, error.Message);
    }
}
