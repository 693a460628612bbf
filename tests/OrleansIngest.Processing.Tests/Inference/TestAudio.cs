namespace OrleansIngest.Processing.Tests.Inference;

/// <summary>Deterministic test signals.</summary>
internal static class TestAudio
{
    /// <summary>Tone bursts over low noise: varies over time so the recurrent state matters.</summary>
    public static float[] Bursts(int length, int seed)
    {
        var random = new Random(seed);
        var samples = new float[length];
        var frequency = 150 + random.Next(400);
        for (var i = 0; i < length; i++)
        {
            var envelope = (i / 4000 % 3) == 0 ? 0.6 : 0.02;
            var tone = Math.Sin(2 * Math.PI * frequency * i / 16000.0) + (0.5 * Math.Sin(2 * Math.PI * 3 * frequency * i / 16000.0));
            samples[i] = (float)((envelope * tone) + (0.01 * (random.NextDouble() - 0.5)));
        }

        return samples;
    }

    /// <summary>Gaussian white noise with the given standard deviation.</summary>
    public static float[] WhiteNoise(int length, double standardDeviation, int seed)
    {
        var random = new Random(seed);
        var samples = new float[length];
        for (var i = 0; i < length; i++)
        {
            // Box-Muller.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            samples[i] = (float)(standardDeviation * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return samples;
    }
}
