using System.Diagnostics;
using System.Text;
using OrleansIngest.Processing.Diagnostics;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Processing.Tests.Decoding;
using OrleansIngest.Processing.Tests.Inference;

namespace OrleansIngest.Processing.Tests.Diagnostics;

/// <summary>A real job (an audio unit through the Silero model, a sensor unit and a broken file) seen by a trace and metrics listener.</summary>
[Collection(SileroVadCollection.Name)]
[Trait("Category", "Unit")]
public sealed class PipelineTelemetryTests(SileroVadModelFixture fixture)
{
    private const string AudioUri = "https://account.blob.core.windows.net/raw/calls/call.wav?sv=2025-01-05&sig=c2VjcmV0";
    private const string SensorUri = "file:///data/gas/run1.csv";
    private const string BrokenUri = "file:///data/calls/broken.wav";
    private const int AudioSeconds = 5;
    private const double SegmentSeconds = 2;
    private static readonly int BatcherMaxBatch = new VadBatcherSettings().MaxBatch;

    [Fact]
    public async Task JobWorker_TracesEachUnitWithItsStagesAndCountsWhatItCommits()
    {
        var audio = Wav(AudioSeconds);
        var sensor = "sensor_id,timestamp,temp\na,0,20\na,1,22\nb,0,19\n"u8.ToArray();
        var broken = Encoding.ASCII.GetBytes("this is not a recording of anything at all");
        LeasedUnit[] units =
        [
            new("unit-audio", 1, AudioUri, "calls/call.wav", "\"e1\"", audio.Length, "audio_segments", RouteKind.Audio),
            new("unit-sensor", 1, SensorUri, "gas/run1.csv", "\"e2\"", sensor.Length, "sensor_windows", RouteKind.Sensor),
            new("unit-broken", 1, BrokenUri, "calls/broken.wav", "\"e3\"", broken.Length, "audio_segments", RouteKind.Audio),
        ];
        var storage = new InMemoryStorage(new InMemorySource(new Dictionary<string, byte[]> { [AudioUri] = audio, [SensorUri] = sensor, [BrokenUri] = broken }));
        var coordinator = new RecordingCoordinator(units);
        var context = new PipelineContext(PipelineDefinition.Default with { Audio = new AudioDefinition { SegmentSeconds = SegmentSeconds } }, "default@1+test", "test-silo");
        using var recorder = new TelemetryRecorder();

        // The batcher is made inside the job's span on purpose: its batches must still not join that trace.
        using var root = new Activity("job").Start();
        await using (var batcher = new VadBatcher(fixture.Model))
        {
            var worker = new JobWorker(coordinator, storage, batcher, "silero_vad@test", TimeProvider.System, new JobWorkerSettings(Lanes: 1), "memory://raw", "memory://out", context);
            await worker.RunAsync();
        }

        root.Stop();
        var trace = recorder.Spans.Where(s => s.TraceId == root.TraceId).ToList();
        var unitSpans = trace.Where(s => s.OperationName == PipelineTelemetry.UnitSpan).ToDictionary(s => (string)s.GetTagItem(PipelineTelemetry.UnitIdAttribute)!);
        Assert.Equal(["unit-audio", "unit-broken", "unit-sensor"], unitSpans.Keys.Order(StringComparer.Ordinal));
        Assert.All(unitSpans.Values, s => Assert.Equal(root.SpanId, s.ParentSpanId));

        var audioSpan = unitSpans["unit-audio"];
        Assert.Equal("https://account.blob.core.windows.net/raw/calls/call.wav", audioSpan.GetTagItem(PipelineTelemetry.SourceUriAttribute));
        Assert.Equal("audio_segments", audioSpan.GetTagItem(PipelineTelemetry.TableAttribute));
        Assert.Equal("audio", audioSpan.GetTagItem(PipelineTelemetry.KindAttribute));
        Assert.Equal("processed", audioSpan.GetTagItem(PipelineTelemetry.OutcomeAttribute));
        Assert.Equal("sensor", unitSpans["unit-sensor"].GetTagItem(PipelineTelemetry.KindAttribute));
        Assert.Equal("quarantined", unitSpans["unit-broken"].GetTagItem(PipelineTelemetry.OutcomeAttribute));
        Assert.Equal(ActivityStatusCode.Error, unitSpans["unit-broken"].Status);

        // Three segments (2 + 2 + 1 s), each decoded, featurised and written under the audio unit's span.
        var segments = (int)Math.Ceiling(AudioSeconds / SegmentSeconds);
        var audioChildren = trace.Where(s => s.ParentSpanId == audioSpan.SpanId).GroupBy(s => s.OperationName).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(
            new Dictionary<string, int> { [PipelineTelemetry.DecodeStage] = segments, [PipelineTelemetry.FeaturesStage] = segments, [PipelineTelemetry.WriteStage] = segments },
            audioChildren);
        Assert.DoesNotContain(trace, s => s.ParentSpanId == unitSpans["unit-sensor"].SpanId);

        // One flush and one commit per table file, each linked to the span of the unit it carries.
        foreach (var stage in new[] { PipelineTelemetry.WriteStage, PipelineTelemetry.CommitStage })
        {
            var fileSpans = trace.Where(s => s.OperationName == stage && s.ParentSpanId == root.SpanId).ToList();
            Assert.Equal(2, fileSpans.Count);
            var audioFile = Assert.Single(fileSpans, s => (string?)s.GetTagItem(PipelineTelemetry.TableAttribute) == "audio_segments");
            Assert.Equal([audioSpan.SpanId], audioFile.Links.Select(l => l.Context.SpanId));
            var sensorFile = Assert.Single(fileSpans, s => (string?)s.GetTagItem(PipelineTelemetry.TableAttribute) == "sensor_windows");
            Assert.Equal([unitSpans["unit-sensor"].SpanId], sensorFile.Links.Select(l => l.Context.SpanId));
        }

        // VAD batches are spans of their own: a batch serves segments of many units.
        var inference = recorder.Spans.Where(s => s.OperationName == PipelineTelemetry.InferenceStage && (string?)s.GetTagItem(PipelineTelemetry.ProviderAttribute) == SileroVadModel.CpuProvider).ToList();
        Assert.NotEmpty(inference);
        Assert.All(inference, s =>
        {
            Assert.NotEqual(root.TraceId, s.TraceId);
            Assert.Equal(default, s.ParentSpanId);
            Assert.InRange((int)s.GetTagItem(PipelineTelemetry.BatchSizeAttribute)!, 1, BatcherMaxBatch);
        });

        var measured = recorder.Measurements.Where(m => m.TraceId == root.TraceId).ToList();
        var stageCounts = measured.Where(m => m.Instrument == PipelineTelemetry.StageDurationMetric)
            .GroupBy(m => m.Tag(PipelineTelemetry.StageTag)!)
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(
            new Dictionary<string, int>
            {
                // Audio per segment, sensor once per unit (summed), and one flush per file for write.
                [PipelineTelemetry.DecodeStage] = segments + 1,
                [PipelineTelemetry.FeaturesStage] = segments,
                [PipelineTelemetry.WriteStage] = segments + 1 + 2,
                [PipelineTelemetry.CommitStage] = 2,
            },
            stageCounts);
        Assert.All(measured.Where(m => m.Instrument == PipelineTelemetry.StageDurationMetric), m => Assert.True(m.Value >= 0));

        var outcomes = measured.Where(m => m.Instrument == PipelineTelemetry.UnitsMetric)
            .GroupBy(m => m.Tag(PipelineTelemetry.OutcomeTag)!)
            .ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        Assert.Equal(new Dictionary<string, double> { ["committed"] = 2, ["quarantined"] = 1 }, outcomes);
        Assert.Equal(coordinator.Results.Count, (int)outcomes.Values.Sum());

        var sensorRows = coordinator.Commits.Single(c => c.Units.Single().UnitId == "unit-sensor").Rows;
        Assert.Equal(segments, Total(measured, PipelineTelemetry.RowsMetric, "audio_segments"));
        Assert.Equal(sensorRows, Total(measured, PipelineTelemetry.RowsMetric, "sensor_windows"));
        Assert.Equal(audio.Length, Total(measured, PipelineTelemetry.SourceBytesMetric, "audio_segments"));
        Assert.Equal(sensor.Length, Total(measured, PipelineTelemetry.SourceBytesMetric, "sensor_windows"));
        Assert.Equal(AudioSeconds, Total(measured, PipelineTelemetry.AudioSecondsMetric, "audio_segments"), 6);
        Assert.Equal(0, Total(measured, PipelineTelemetry.AudioSecondsMetric, "sensor_windows"));

        var batchSizes = recorder.Measurements.Where(m => m.Instrument == PipelineTelemetry.VadBatchSizeMetric && m.Tag(PipelineTelemetry.ProviderTag) == SileroVadModel.CpuProvider).ToList();
        Assert.NotEmpty(batchSizes);
        Assert.All(batchSizes, m => Assert.InRange(m.Value, 1, BatcherMaxBatch));
        Assert.Contains(recorder.Measurements, m => m.Instrument == PipelineTelemetry.StageDurationMetric && m.Tag(PipelineTelemetry.StageTag) == PipelineTelemetry.InferenceStage);
    }

    [Theory]
    [InlineData("https://a.blob.core.windows.net/c/x.wav?sv=1&sig=abc", "https://a.blob.core.windows.net/c/x.wav")]
    [InlineData("file:///data/x.wav#part", "file:///data/x.wav")]
    [InlineData("file:///data/x.wav", "file:///data/x.wav")]
    public void SourceUriWithoutQuery_KeepsNoQueryOrFragment(string uri, string expected) =>
        Assert.Equal(expected, PipelineTelemetry.SourceUriWithoutQuery(uri));

    private static double Total(IEnumerable<RecordedMeasurement> measured, string instrument, string table) =>
        measured.Where(m => m.Instrument == instrument && m.Tag(PipelineTelemetry.TableTag) == table).Sum(m => m.Value);

    private static byte[] Wav(int seconds)
    {
        var samples = TestAudio.Bursts(seconds * AudioUnitProcessor.SampleRate, seed: 7);
        var pcm = samples.Select(s => (short)Math.Clamp(s * short.MaxValue, short.MinValue, short.MaxValue)).ToArray();
        return new WavFileBuilder { Data = WavFileBuilder.Pcm16(pcm) }.Build();
    }
}
