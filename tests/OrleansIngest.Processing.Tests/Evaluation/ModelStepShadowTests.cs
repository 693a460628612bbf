using OrleansIngest.Processing.Evaluation;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.Processing.Tests.Inference;
using OrleansIngest.Processing.Tests.Models;
using OrleansIngest.Processing.Tests.Parquet;

namespace OrleansIngest.Processing.Tests.Evaluation;

/// <summary>Candidates of model steps: validation against the shadowed step, and a shadow run through the real sensor processor.</summary>
[Trait("Category", "Unit")]
public sealed class ModelStepShadowTests : IDisposable
{
    private const string SmallSha256 = "f1aa2e1eb810415b34752b6e89c7f09e4e3ac8ebf20242f98756c38983ce1e9d";
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static PipelineDefinition WithCandidate(string candidateYaml) => PipelineDefinition.FromText($$"""
        routes:
          - { match: ["**/*.csv"], table: sensor_windows, kind: sensor }
        models:
          - name: sensor_anomaly
            appliesTo: sensor
            path: models/sensor_anomaly.onnx
            batchSize: 16
            inputs: { x: sensor_window_matrix }
            channels: [temperature, humidity, voc, co2]
            outputs:
              - { tensor: probabilities, column: anomaly_class, type: class_probabilities, labels: [normal, drift, spike, stuck] }
              - { tensor: anomaly_score, column: anomaly_score, type: float }
        evaluation:
          sample: 1
          candidates:
            - {{candidateYaml}}
        """);

    [Fact]
    public void ModelStepCandidate_InheritsTheStepsInputsOutputsAndChannels()
    {
        var pipeline = WithCandidate("{ name: small, shadows: sensor_anomaly, path: models/sensor_anomaly_small.onnx, version: s1, batchSize: 7 }");

        var candidate = Assert.Single(ModelStepShadow.CandidateSteps(pipeline));

        var step = pipeline.Models[0];
        Assert.Equal(("small", "models/sensor_anomaly_small.onnx", "s1", 7), (candidate.Name, candidate.Path, candidate.Version, candidate.BatchSize));
        Assert.Equal(step.Inputs, candidate.Inputs);
        Assert.Equal(step.Outputs, candidate.Outputs);
        Assert.Equal(step.Channels, candidate.Channels);
        Assert.Equal(ModelAppliesTo.Sensor, candidate.AppliesTo);
    }

    [Theory]
    [InlineData("{ tensor: anomaly_score, column: anomaly_score, type: float }", "same names and types")]
    [InlineData("{ tensor: probabilities, column: anomaly_class, type: class_probabilities, labels: [normal, drift, spike, stuck] }, { tensor: anomaly_score, column: score, type: float }", "same names and types")]
    [InlineData("{ tensor: probabilities, column: anomaly_class, type: class_probabilities, labels: [normal, drift, spike, stuck] }, { tensor: anomaly_score, column: anomaly_score, type: double }", "same names and types")]
    [InlineData("{ tensor: probabilities, column: anomaly_class, type: class_probabilities, labels: [ok, drift, spike, stuck] }, { tensor: anomaly_score, column: anomaly_score, type: float }", "same names and types")]
    public void ModelStepCandidate_WithOutputsThatDifferFromTheStepsIsRejected(string outputs, string expected)
    {
        var error = Assert.Throws<FormatException>(() => WithCandidate($"{{ name: small, shadows: sensor_anomaly, path: models/sensor_anomaly_small.onnx, outputs: [{outputs}] }}"));

        Assert.Contains("evaluation.candidates[small]", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelStepCandidate_WithItsOwnMatchingOutputsAndInputsIsAccepted()
    {
        var pipeline = WithCandidate(
            "{ name: small, shadows: sensor_anomaly, path: models/sensor_anomaly_small.onnx, inputs: { x: sensor_window_matrix }, outputs: " +
            "[{ tensor: probabilities, column: anomaly_class, type: class_probabilities, labels: [normal, drift, spike, stuck] }, { tensor: anomaly_score, column: anomaly_score, type: float }] }");

        Assert.Equal("small", Assert.Single(ModelStepShadow.CandidateSteps(pipeline)).Name);
    }

    [Theory]
    [InlineData("{ name: small, shadows: no_such_step, path: models/sensor_anomaly_small.onnx }", "neither 'vad' nor a model step")]
    [InlineData("{ name: sensor_anomaly, shadows: sensor_anomaly, path: models/sensor_anomaly_small.onnx }", "already a model step's")]
    [InlineData("{ name: small, shadows: sensor_anomaly, path: models/sensor_anomaly_small.onnx, inputs: { x: log_mel } }", "which sensor rows do not have")]
    [InlineData("{ name: half, shadows: vad, path: models/silero_vad_half.onnx, outputs: [{ tensor: output, column: p, type: float }] }", "fixed Silero bindings")]
    public void ModelStepCandidate_ThatCannotShadowItsStepIsRejected(string candidate, string expected)
    {
        var error = Assert.Throws<FormatException>(() => WithCandidate(candidate));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelStepShadow_SensorWindowsGetABaselineRowWithTheProductionOutputsAndACandidateRowWithItsOwn()
    {
        var pipeline = WithCandidate($"{{ name: small, shadows: sensor_anomaly, path: models/sensor_anomaly_small.onnx, sha256: {SmallSha256}, version: s1, batchSize: 5 }}");
        var path = Path.Combine(_directory.Path, "series.csv");
        LabelledSensorSeries.WriteFile(path, seed: 11, windows: 40);
        using var catalog = new ModelCatalog(null, new ModelCatalogSettings(_directory.Path));
        var steps = await catalog.LoadAsync(pipeline.Models);
        var candidates = await catalog.LoadAsync(ModelStepShadow.CandidateSteps(pipeline));
        var shadow = ModelStepShadow.Create(pipeline, steps, candidates.All, TimeProvider.System)!;
        var unit = new LeasedUnit("unit-1", 1, new Uri(path).AbsoluteUri, "series.csv", "\"e\"", new FileInfo(path).Length, TableSchemas.SensorWindows, RouteKind.Sensor);
        var rows = new List<SensorWindowRow>();
        var evalRows = new List<(string Step, EvalRow Row)>();

        await new SensorUnitProcessor(TimeProvider.System, steps).ProcessAsync(
            unit,
            _ => ValueTask.FromResult<Stream>(File.OpenRead(path)),
            new PipelineContext(pipeline, "p@1", "writer"),
            row =>
            {
                rows.Add(row);
                return ValueTask.CompletedTask;
            },
            new ModelShadowSink(shadow, ["sensor_anomaly"], (step, row) =>
            {
                evalRows.Add((step, row));
                return ValueTask.CompletedTask;
            }));

        Assert.Equal(40, rows.Count);
        Assert.Equal(2 * rows.Count, evalRows.Count);
        Assert.All(evalRows, e => Assert.Equal("sensor_anomaly", e.Step));
        var layout = shadow.LayoutFor("sensor_anomaly");
        Assert.Equal(["anomaly_class", "anomaly_class_label", "anomaly_score"], layout.Outputs.Select(c => c.Name));
        var first = rows[0].StartTs;
        foreach (var row in rows)
        {
            var baseline = Assert.Single(evalRows, e => e.Row.RowId == row.WindowId && e.Row.Role == EvalRoles.Baseline).Row;
            var candidate = Assert.Single(evalRows, e => e.Row.RowId == row.WindowId && e.Row.Role == EvalRoles.Candidate).Row;
            Assert.Equal(("sensor_anomaly", "1", PipelineDefinition.SensorAnomalySha256), (baseline.ModelName, baseline.ModelVersion, baseline.ModelSha256));
            Assert.Equal(("small", "s1", SmallSha256), (candidate.ModelName, candidate.ModelVersion, candidate.ModelSha256));
            Assert.Equal(row.ModelColumns!["anomaly_class"], baseline.Outputs[0]);
            Assert.Equal(row.ModelColumns["anomaly_class_label"], baseline.Outputs[1]);
            Assert.Equal(row.ModelColumns["anomaly_score"], baseline.Outputs[2]);
            Assert.Equal((row.StartTs - first).TotalSeconds, baseline.StartS, 9);
            Assert.Equal((row.EndTs - row.StartTs).TotalSeconds, candidate.MediaSeconds, 9);
            Assert.True(baseline.ComputeSeconds > 0 && candidate.ComputeSeconds > 0);
            layout.Validate(baseline);
            layout.Validate(candidate);
        }

        // Two genuinely different models: their scores differ on most windows.
        var differing = rows.Count(r => !Equals(
            evalRows.Single(e => e.Row.RowId == r.WindowId && e.Row.Role == EvalRoles.Baseline).Row.Outputs[2],
            evalRows.Single(e => e.Row.RowId == r.WindowId && e.Row.Role == EvalRoles.Candidate).Row.Outputs[2]));
        Assert.True(differing > rows.Count / 2, $"only {differing} of {rows.Count} scores differ");
    }

    [Fact]
    public async Task ModelStepShadow_UnitsOutsideTheShadowedStepsGetNoEvalRowsAndTheSameProductionOutputs()
    {
        var pipeline = WithCandidate($"{{ name: small, shadows: sensor_anomaly, path: models/sensor_anomaly_small.onnx, sha256: {SmallSha256} }}");
        var path = Path.Combine(_directory.Path, "series.csv");
        LabelledSensorSeries.WriteFile(path, seed: 12, windows: 10);
        using var catalog = new ModelCatalog(null, new ModelCatalogSettings(_directory.Path));
        var steps = await catalog.LoadAsync(pipeline.Models);
        var shadow = ModelStepShadow.Create(pipeline, steps, (await catalog.LoadAsync(ModelStepShadow.CandidateSteps(pipeline))).All, TimeProvider.System)!;
        var runner = new ModelStepRunner(steps, RouteKind.Sensor);
        var windows = new List<SensorWindowRow>();
        var unit = new LeasedUnit("unit-2", 1, new Uri(path).AbsoluteUri, "series.csv", "\"e\"", new FileInfo(path).Length, TableSchemas.SensorWindows, RouteKind.Sensor);
        await new SensorUnitProcessor(TimeProvider.System).ProcessAsync(
            unit, _ => ValueTask.FromResult<Stream>(File.OpenRead(path)), new PipelineContext(pipeline, "p@1", "w"), row =>
            {
                windows.Add(row);
                return ValueTask.CompletedTask;
            });

        var batch = shadow.StartBatch(windows.Count, []);
        var shadowed = runner.RunSensor(windows, batch);
        var plain = runner.RunSensor(windows);

        Assert.Empty(shadow.RowsFor(batch, "sensor_anomaly", 0, new EvalRowKey("w", "u", "s", "e", 0, 10, 10, "p")));
        Assert.Equal(plain.Select(r => r["anomaly_score"]), shadowed.Select(r => r["anomaly_score"]));
    }

    [Fact]
    public async Task ModelStepShadow_AudioSegmentsGetOneRowPerModelWithEveryOutputTypeOfTheStep()
    {
        // The candidate is the same file under another name, so its outputs must equal the production step's.
        var step = TestModels.LogMelEmbedStep();
        var pipeline = PipelineDefinition.Validate(PipelineDefinition.Default with
        {
            Audio = new AudioDefinition { SegmentSeconds = 2 },
            Models = [step],
            Evaluation = new EvaluationDefinition
            {
                Sample = 1,
                Candidates = [new CandidateDefinition { Name = "embed_copy", Shadows = step.Name, Path = step.Path, Sha256 = step.Sha256, Version = "copy", Provider = "cpu", BatchSize = 2 }],
            },
        });
        using var catalog = new ModelCatalog(null, new ModelCatalogSettings(_directory.Path));
        var steps = await catalog.LoadAsync(pipeline.Models);
        var shadow = ModelStepShadow.Create(pipeline, steps, (await catalog.LoadAsync(ModelStepShadow.CandidateSteps(pipeline))).All, TimeProvider.System)!;
        using var wav = new MemoryStream();
        WavEncoder.Write(wav, TestAudio.Bursts(5 * AudioUnitProcessor.SampleRate, seed: 3), AudioUnitProcessor.SampleRate, 1, WavSampleFormat.Pcm16);
        wav.Position = 0;
        var unit = new LeasedUnit("unit-a", 1, "memory://raw/a.wav", "a.wav", "\"e\"", wav.Length, "audio_segments", RouteKind.Audio);
        var rows = new List<AudioSegmentRow>();
        var evalRows = new List<EvalRow>();
        using var model = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath));
        await using (var vad = new VadBatcher(model))
        {
            await new AudioUnitProcessor(vad, "silero_vad@test", TimeProvider.System, models: steps).ProcessAsync(
                unit,
                wav,
                new PipelineContext(pipeline, "p@1", "w"),
                row =>
                {
                    rows.Add(row);
                    return ValueTask.CompletedTask;
                },
                shadow: null,
                new ModelShadowSink(shadow, [step.Name], (name, row) =>
                {
                    Assert.Equal(step.Name, name);
                    evalRows.Add(row);
                    return ValueTask.CompletedTask;
                }));
        }

        Assert.Equal(3, rows.Count);
        Assert.Equal(2 * rows.Count, evalRows.Count);
        var layout = shadow.LayoutFor(step.Name);
        Assert.Equal("eval_logmel_embed", layout.TableName);
        Assert.Equal(
            [EvalColumnType.FloatList, EvalColumnType.FloatList, EvalColumnType.String, EvalColumnType.Float, EvalColumnType.Int64],
            layout.Outputs.Select(c => c.Type));
        foreach (var row in rows)
        {
            var baseline = Assert.Single(evalRows, e => e.RowId == row.SegmentId && e.ModelName == step.Name);
            var candidate = Assert.Single(evalRows, e => e.RowId == row.SegmentId && e.ModelName == "embed_copy");
            Assert.Equal((EvalRoles.Baseline, EvalRoles.Candidate), (baseline.Role, candidate.Role));
            Assert.Equal((row.StartS, row.EndS, row.EndS - row.StartS), (candidate.StartS, candidate.EndS, candidate.MediaSeconds));
            for (var i = 0; i < layout.Outputs.Count; i++)
            {
                Assert.Equal(row.ModelColumns![layout.Outputs[i].Name], baseline.Outputs[i]);
                // The candidate batches 2 rows per call, the step 4: float sums may differ in the last bits.
                switch (baseline.Outputs[i])
                {
                    case float[] values:
                        Assert.Equal(values, Assert.IsType<float[]>(candidate.Outputs[i]), (a, b) => Math.Abs(a - b) <= 1e-5f);
                        break;
                    case float value:
                        Assert.Equal(value, Assert.IsType<float>(candidate.Outputs[i]), 1e-5f);
                        break;
                    default:
                        Assert.Equal(baseline.Outputs[i], candidate.Outputs[i]);
                        break;
                }
            }

            layout.Validate(baseline);
            layout.Validate(candidate);
        }
    }
}
