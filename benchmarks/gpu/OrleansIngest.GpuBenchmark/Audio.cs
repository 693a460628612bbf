namespace OrleansIngest.GpuBenchmark;

/// <summary>Deterministic speech-like test audio: voiced harmonics under a syllable envelope, with noise between.</summary>
internal static class Audio
{
    public static float[] Segment(int samples, int seed)
    {
        var random = new Random(seed);
        var pitch = 100 + (random.NextDouble() * 120);
        var output = new float[samples];
        for (var i = 0; i < samples; i++)
        {
            var t = i / 16_000.0;
            var envelope = Math.Max(0, Math.Sin(2 * Math.PI * 3.5 * t));
            var voiced = 0.0;
            for (var harmonic = 1; harmonic <= 8; harmonic++)
            {
                voiced += Math.Sin(2 * Math.PI * pitch * harmonic * t) / harmonic;
            }

            output[i] = (float)((0.3 * envelope * voiced) + (0.01 * ((random.NextDouble() * 2) - 1)));
        }

        return output;
    }
}
