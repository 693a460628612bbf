using OrleansIngest.Processing.Features;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Processing.Tests.Inference;

namespace OrleansIngest.Processing.Tests.Features;

/// <summary>The audio pipeline with <c>LogMel = onnx</c>: its rows carry the same log-mel as with the managed path.</summary>
[Collection(SileroVadCollection.Name)]
[Trait("Category", "Unit")]
public sealed class OnnxLogMelPipelineTests(SileroVadModelFixture fixture)
{
    [Fact]
    public async Task AudioUnitProcessor_WithOnnxLogMelWritesTheManagedLogMelWithin1e4IncludingTheShortLastSegment()
    {
        // 30 s in 7 s segments: four full ones and a 2 s last one, which runs in its own ONNX group.
        var path = SharedReference.Path("ref_30s.wav");
        var unit = new LeasedUnit("unit-onnx", 1, path, "ref_30s.wav", "etag-1", new FileInfo(path).Length, "audio_segments", RouteKind.Audio);
        var context = new PipelineContext(PipelineDefinition.Default with { Audio = new AudioDefinition { SegmentSeconds = 7 } }, "default@1+test", "test");

        var managed = await ProcessAsync(unit, context, onnxLogMel: null);
        List<AudioSegmentRow> onnx;
        await using (var batcher = new OnnxLogMelBatcher(new OnnxLogMel(new OnnxLogMelSettings(MaxBatch: 4, SegmentSamples: 7 * WhisperLogMel.SampleRate))))
        {
            onnx = await ProcessAsync(unit, context, batcher);
        }

        Assert.Equal(5, onnx.Count);
        Assert.Equal(managed.Select(r => r.LogMelFrames), onnx.Select(r => r.LogMelFrames));
        Assert.Equal(200, onnx[^1].LogMelFrames);
        for (var i = 0; i < managed.Count; i++)
        {
            var error = managed[i].LogMel.Zip(onnx[i].LogMel, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(error <= 1e-4, $"segment {i}: max abs error {error:E3}");
        }
    }

    private async Task<List<AudioSegmentRow>> ProcessAsync(LeasedUnit unit, PipelineContext context, OnnxLogMelBatcher? onnxLogMel)
    {
        var rows = new List<AudioSegmentRow>();
        await using var vad = new VadBatcher(fixture.Model);
        var processor = new AudioUnitProcessor(vad, "silero_vad@test", TimeProvider.System, onnxLogMel: onnxLogMel);
        await using var stream = File.OpenRead(unit.SourceUri);
        await processor.ProcessAsync(unit, stream, context, row =>
        {
            rows.Add(row);
            return ValueTask.CompletedTask;
        });
        return rows;
    }
}
