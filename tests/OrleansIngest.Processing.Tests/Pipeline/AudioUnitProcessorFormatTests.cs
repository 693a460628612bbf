using System.Globalization;
using OrleansIngest.Processing.Dsp;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Processing.Tests.Decoding;
using OrleansIngest.Processing.Tests.Inference;

namespace OrleansIngest.Processing.Tests.Pipeline;

/// <summary>End to end through the real Silero model: every format becomes rows with its codec, channels and duration.</summary>
[Collection(SileroVadCollection.Name)]
[Trait("Category", "Unit")]
public sealed class AudioUnitProcessorFormatTests(SileroVadModelFixture fixture)
{
    private const double SegmentSeconds = 2;

    [Theory]
    [InlineData("flac", "flac")]
    [InlineData("mp3", "mp3")]
    [InlineData("vorbis", "vorbis")]
    [InlineData("opus", "opus")]
    [InlineData("m4a", "aac")]
    public async Task AudioUnitProcessor_ProducesRowsWithTheCodecChannelsAndDurationOfEachFormat(string format, string codec)
    {
        var path = await EncodedMedia.EncodeAsync(format);
        var nativeRate = int.Parse((await ReferenceTools.ProbeAsync(path, "stream=sample_rate")).Trim(), CultureInfo.InvariantCulture);
        var nativeSamples = (await ReferenceTools.DecodeChannelsAsync(path))[0].Length;
        var expectedSamples = PolyphaseResampler.GetTotalOutputCount(nativeSamples, nativeRate, AudioUnitProcessor.SampleRate);
        var size = new FileInfo(path).Length;
        var unit = new LeasedUnit($"unit-{format}", 1, path, Path.GetFileName(path), "etag-1", size, "audio_segments", RouteKind.Audio);
        var context = new PipelineContext(PipelineDefinition.Default with { Audio = new AudioDefinition { SegmentSeconds = SegmentSeconds } }, "default@1+test", "test");
        var rows = new List<AudioSegmentRow>();

        UnitStats stats;
        await using (var batcher = new VadBatcher(fixture.Model))
        {
            var processor = new AudioUnitProcessor(batcher, "silero_vad@test", TimeProvider.System);
            await using var stream = File.OpenRead(path);
            stats = await processor.ProcessAsync(unit, stream, context, row =>
            {
                rows.Add(row);
                return ValueTask.CompletedTask;
            });
        }

        var expectedSeconds = expectedSamples / (double)AudioUnitProcessor.SampleRate;
        Assert.Equal((int)Math.Ceiling(expectedSeconds / SegmentSeconds), rows.Count);
        Assert.All(rows, row =>
        {
            Assert.Equal(codec, row.CodecIn);
            Assert.Equal(2, row.ChannelsIn);
            Assert.Equal(AudioUnitProcessor.SampleRate, row.SampleRate);
        });
        Assert.Equal(expectedSeconds, rows[^1].EndS, 9);
        Assert.Equal(expectedSeconds, stats.MediaSeconds, 9);
        Assert.Equal(Enumerable.Range(0, rows.Count), rows.Select(r => r.SegmentIndex));
    }
}
