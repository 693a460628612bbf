namespace OrleansIngest.Benchmarks.Dsp;

/// <summary>Deterministic speech-like test signals for the audio benchmarks.</summary>
internal static class BenchmarkAudio
{
    /// <summary>A mixture of tones with a slow envelope plus noise, in [-1, 1].</summary>
    public static float[] Signal(int sampleRate, double seconds, int seed = 1)
    {
        var random = new Random(seed);
        var samples = new float[(int)(sampleRate * seconds)];
        for (var i = 0; i < samples.Length; i++)
        {
            var t = (double)i / sampleRate;
            var envelope = 0.5 + (0.5 * Math.Sin(2 * Math.PI * 3 * t));
            var voiced = (0.3 * Math.Sin(2 * Math.PI * 220 * t)) + (0.15 * Math.Sin(2 * Math.PI * 1250 * t)) + (0.05 * Math.Sin(2 * Math.PI * 3400 * t));
            samples[i] = (float)((envelope * voiced) + (0.02 * ((random.NextDouble() * 2) - 1)));
        }

        return samples;
    }
}
