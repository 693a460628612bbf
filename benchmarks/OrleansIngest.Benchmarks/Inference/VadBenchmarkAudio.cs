using OrleansIngest.Processing.Inference;

namespace OrleansIngest.Benchmarks.Inference;

/// <summary>Deterministic audio for VAD benchmarks; the model's cost does not depend on the content.</summary>
internal static class VadBenchmarkAudio
{
    public static float[] Create(int seconds, int seed)
    {
        var random = new Random(seed);
        var samples = new float[seconds * SileroVad.SampleRate];
        for (var i = 0; i < samples.Length; i++)
        {
            var envelope = (i / 8000 % 2) == 0 ? 0.5 : 0.05;
            samples[i] = (float)((envelope * Math.Sin(2 * Math.PI * 220 * i / SileroVad.SampleRate)) + (0.02 * (random.NextDouble() - 0.5)));
        }

        return samples;
    }

    /// <summary>Splits into <paramref name="streams"/> consecutive pieces of whole frames (the last may be shorter).</summary>
    public static ReadOnlyMemory<float>[] Split(float[] audio, int streams)
    {
        var frames = SileroVad.FrameCount(audio.Length);
        var framesPerStream = (frames + streams - 1) / streams;
        var pieces = new List<ReadOnlyMemory<float>>(streams);
        for (var start = 0; start < audio.Length; start += framesPerStream * SileroVad.ChunkSamples)
        {
            pieces.Add(audio.AsMemory(start, Math.Min(framesPerStream * SileroVad.ChunkSamples, audio.Length - start)));
        }

        return [.. pieces];
    }
}
