using OrleansIngest.Processing.Features;
using Xunit.Abstractions;

namespace OrleansIngest.Processing.Tests.Features;

[Trait("Category", "Unit")]
public sealed class OnnxLogMelTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    [Fact]
    public async Task OnnxLogMel_MatchesManagedLogMelWithin1e4ForFull30sSegment()
    {
        var samples = await WhisperLogMelTests.ReadReferenceWavAsync();
        using var onnx = new OnnxLogMel(new OnnxLogMelSettings(MaxBatch: 2));

        var actual = new float[WhisperLogMel.MelBands * WhisperLogMel.FrameCount(samples.Length)];
        onnx.Compute(samples, actual);

        AssertClose(Managed(samples), actual, "30 s");
    }

    [Theory]
    [InlineData(160)]
    [InlineData(199)]
    [InlineData(200)]
    [InlineData(201)]
    [InlineData(399)]
    [InlineData(4_000)]
    [InlineData(77_777)]
    [InlineData(479_999)]
    public async Task OnnxLogMel_MatchesManagedLogMelWithin1e4ForShortSegments(int length)
    {
        var reference = await WhisperLogMelTests.ReadReferenceWavAsync();
        var start = Math.Min(1_000, reference.Length - length);
        var samples = reference[start..(start + length)];
        using var onnx = new OnnxLogMel(new OnnxLogMelSettings(MaxBatch: 1));

        var actual = new float[WhisperLogMel.MelBands * WhisperLogMel.FrameCount(length)];
        onnx.Compute(samples, actual);

        AssertClose(Managed(samples), actual, $"{length} samples");
    }

    [Fact]
    public void OnnxLogMel_WritesNothingForFewerThan160Samples()
    {
        using var onnx = new OnnxLogMel(new OnnxLogMelSettings(MaxBatch: 1, SegmentSamples: 16_000));
        var destination = new float[] { 7f };

        onnx.Compute(new float[159], destination);

        Assert.Equal(7f, destination[0]);
    }

    [Fact]
    public void OnnxLogMel_BatchOfMixedLengthsEqualsEachSegmentAlone()
    {
        const int segmentSamples = 2 * WhisperLogMel.SampleRate;
        var segments = new[] { 32_000, 32_000, 9_999, 32_000, 160, 32_000, 9_999, 50 }
            .Select((length, i) => Noise(length, seed: i + 1))
            .ToArray();
        using var batched = new OnnxLogMel(new OnnxLogMelSettings(MaxBatch: 3, SegmentSamples: segmentSamples));
        using var single = new OnnxLogMel(new OnnxLogMelSettings(MaxBatch: 1, SegmentSamples: segmentSamples));
        var destinations = segments.Select(s => new float[WhisperLogMel.MelBands * WhisperLogMel.FrameCount(s.Length)]).ToArray();

        batched.ComputeBatch(
            segments.Select(s => (ReadOnlyMemory<float>)s).ToArray(),
            destinations.Select(d => (Memory<float>)d).ToArray());

        for (var i = 0; i < segments.Length; i++)
        {
            var alone = new float[destinations[i].Length];
            single.Compute(segments[i], alone);
            AssertClose(alone, destinations[i], $"segment {i}", tolerance: 1e-6);
            AssertClose(Managed(segments[i]), destinations[i], $"segment {i} vs managed");
        }
    }

    [Fact]
    public void OnnxLogMel_AllocatesNoBuffersPerRunOfFullSegments()
    {
        const int segmentSamples = WhisperLogMel.SampleRate;
        const int batch = 4;
        var segments = Enumerable.Range(0, batch).Select(i => (ReadOnlyMemory<float>)Noise(segmentSamples, seed: i + 10)).ToArray();
        var destinations = Enumerable.Range(0, batch)
            .Select(_ => (Memory<float>)new float[WhisperLogMel.MelBands * WhisperLogMel.FrameCount(segmentSamples)])
            .ToArray();
        using var onnx = new OnnxLogMel(new OnnxLogMelSettings(MaxBatch: batch, SegmentSamples: segmentSamples));
        onnx.ComputeBatch(segments, destinations);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var run = 0; run < 10; run++)
        {
            onnx.ComputeBatch(segments, destinations);
        }

        var perRun = (GC.GetAllocatedBytesForCurrentThread() - before) / 10;
        output.WriteLine($"managed bytes allocated per run: {perRun}");

        // One run's input alone is 4 × 16,240 floats (260 KB); a per-run buffer would show up far above 1 KB.
        Assert.True(perRun < 1_024, $"{perRun} bytes allocated per run");
    }

    [Fact]
    public void OnnxLogMel_RejectsDestinationShorterThanItsFrames()
    {
        using var onnx = new OnnxLogMel(new OnnxLogMelSettings(MaxBatch: 1, SegmentSamples: 16_000));

        var error = Assert.Throws<ArgumentException>(() => onnx.Compute(new float[16_000], new float[(WhisperLogMel.MelBands * 100) - 1]));

        Assert.Contains("8000 are needed for 100 frames", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnnxLogMel_RejectsSegmentLongerThanItsBuffers()
    {
        using var onnx = new OnnxLogMel(new OnnxLogMelSettings(MaxBatch: 1, SegmentSamples: 16_000));

        Assert.Throws<ArgumentException>(() => onnx.Compute(new float[32_000], new float[WhisperLogMel.MelBands * 200]));
    }

    [Fact]
    public async Task OnnxLogMelBatcher_ConcurrentCallersGetTheirOwnSegmentsResults()
    {
        const int segmentSamples = WhisperLogMel.SampleRate;
        var segments = Enumerable.Range(0, 12).Select(i => Noise(i % 5 == 4 ? 5_000 : segmentSamples, seed: 100 + i)).ToArray();
        await using var batcher = new OnnxLogMelBatcher(new OnnxLogMel(new OnnxLogMelSettings(MaxBatch: 4, SegmentSamples: segmentSamples)));
        var destinations = segments.Select(s => new float[WhisperLogMel.MelBands * WhisperLogMel.FrameCount(s.Length)]).ToArray();

        await Task.WhenAll(segments.Select((s, i) => Task.Run(() => batcher.ComputeAsync(s, destinations[i]))));

        for (var i = 0; i < segments.Length; i++)
        {
            AssertClose(Managed(segments[i]), destinations[i], $"segment {i}");
        }
    }

    [Fact]
    public async Task OnnxLogMelBatcher_WithTwoInstancesGivesEveryCallerItsOwnSegmentsResult()
    {
        const int segmentSamples = WhisperLogMel.SampleRate;
        var settings = new OnnxLogMelSettings(MaxBatch: 2, SegmentSamples: segmentSamples);
        var segments = Enumerable.Range(0, 15).Select(i => Noise(i % 4 == 3 ? 7_000 : segmentSamples, seed: 200 + i)).ToArray();
        await using var batcher = new OnnxLogMelBatcher([new OnnxLogMel(settings), new OnnxLogMel(settings)]);
        var destinations = segments.Select(s => new float[WhisperLogMel.MelBands * WhisperLogMel.FrameCount(s.Length)]).ToArray();

        await Task.WhenAll(segments.Select((s, i) => Task.Run(() => batcher.ComputeAsync(s, destinations[i]))));

        for (var i = 0; i < segments.Length; i++)
        {
            AssertClose(Managed(segments[i]), destinations[i], $"segment {i}");
        }
    }

    [Fact]
    public void OnnxLogMelBatcher_RejectsInstancesOfDifferentBatchSizes()
    {
        using var one = new OnnxLogMel(new OnnxLogMelSettings(MaxBatch: 1, SegmentSamples: 16_000));
        using var two = new OnnxLogMel(new OnnxLogMelSettings(MaxBatch: 2, SegmentSamples: 16_000));

        Assert.Throws<ArgumentException>(() => new OnnxLogMelBatcher([one, two]));
    }

    [Fact]
    public async Task OnnxLogMelBatcher_RejectsRequestsAfterDispose()
    {
        var batcher = new OnnxLogMelBatcher(new OnnxLogMel(new OnnxLogMelSettings(MaxBatch: 1, SegmentSamples: 16_000)));
        await batcher.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => batcher.ComputeAsync(new float[16_000], new float[8_000]));
    }

    private static float[] Managed(float[] samples)
    {
        var expected = new float[WhisperLogMel.MelBands * WhisperLogMel.FrameCount(samples.Length)];
        new WhisperLogMel().Compute(samples, expected);
        return expected;
    }

    // Band-limited noise with a slow envelope: a spectrum spanning several decades, as speech does.
    private static float[] Noise(int length, int seed)
    {
        var random = new Random(seed);
        var samples = new float[length];
        var previous = 0.0;
        for (var i = 0; i < length; i++)
        {
            previous = (0.7 * previous) + (0.3 * ((random.NextDouble() * 2) - 1));
            samples[i] = (float)(previous * (0.2 + (0.8 * Math.Abs(Math.Sin(i / 3_000.0)))));
        }

        return samples;
    }

    private void AssertClose(float[] expected, float[] actual, string what, double tolerance = Tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var maxError = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            maxError = Math.Max(maxError, Math.Abs(expected[i] - actual[i]));
        }

        output.WriteLine($"{what}: max abs error {maxError:E3}");
        Assert.True(maxError <= tolerance, $"{what}: max abs error {maxError:E3} exceeds {tolerance:E0}");
    }
}
