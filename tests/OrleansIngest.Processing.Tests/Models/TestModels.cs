using OrleansIngest.Processing.Pipeline;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Processing.Tests.Models;

/// <summary>The tiny ONNX models of this folder (made by make_test_models.py) and the formulas they compute.</summary>
internal static class TestModels
{
    public const string LogMelEmbedSha256 = "2261c2dc14ed594e79dae234c9ccf2f1a3c104907f0f638bbdf8f22a4ba905e1";

    public const string PcmRmsSha256 = "30546d8cd6933060df173ce659be78bdb47c2d96f29ae13764de614337db5f1d";

    public static string Folder => Path.Combine(TestTools.RepositoryRoot, "tests", "OrleansIngest.Processing.Tests", "Models");

    public static string LogMelEmbedPath => Path.Combine(Folder, "logmel_embed.onnx");

    public static string PcmRmsPath => Path.Combine(Folder, "pcm_rms.onnx");

    public static byte[] PcmRmsBytes => File.ReadAllBytes(PcmRmsPath);

    public static byte[] LogMelEmbedBytes => File.ReadAllBytes(LogMelEmbedPath);

    public static IReadOnlyList<string> ProbabilityLabels { get; } = ["low", "mid", "high"];

    /// <summary>An audio step over logmel_embed.onnx writing every output type but double.</summary>
    public static ModelStepDefinition LogMelEmbedStep(string? path = null, string sha256 = LogMelEmbedSha256, int batchSize = 4) => new()
    {
        Name = "logmel_embed",
        AppliesTo = ModelAppliesTo.Audio,
        Path = path ?? LogMelEmbedPath,
        Sha256 = sha256,
        Version = "7",
        BatchSize = batchSize,
        Inputs = new Dictionary<string, string> { ["mel"] = ModelBindings.LogMel },
        Outputs =
        [
            new ModelOutputDefinition { Tensor = "embedding", Column = "mel_embedding", Type = ModelOutputType.FloatVector, Length = 8 },
            new ModelOutputDefinition { Tensor = "probs", Column = "loudness", Type = ModelOutputType.ClassProbabilities, Labels = ProbabilityLabels },
            new ModelOutputDefinition { Tensor = "energy", Column = "mel_energy", Type = ModelOutputType.Float },
            new ModelOutputDefinition { Tensor = "frames", Column = "mel_frames", Type = ModelOutputType.Int64 },
        ],
    };

    /// <summary>An audio step over pcm_rms.onnx writing a double.</summary>
    public static ModelStepDefinition PcmRmsStep() => new()
    {
        Name = "pcm_rms",
        AppliesTo = ModelAppliesTo.Audio,
        Path = PcmRmsPath,
        Sha256 = PcmRmsSha256,
        Inputs = new Dictionary<string, string> { ["audio"] = ModelBindings.Pcm },
        Outputs = [new ModelOutputDefinition { Tensor = "rms", Column = "pcm_rms", Type = ModelOutputType.Double }],
    };

    /// <summary>mean over frames of each band of a band-major [80, frames] log-mel.</summary>
    public static double[] BandMeans(float[] logMel, int frames)
    {
        var means = new double[80];
        for (var i = 0; i < 80; i++)
        {
            double sum = 0;
            for (var t = 0; t < frames; t++)
            {
                sum += logMel[(i * frames) + t];
            }

            means[i] = sum / frames;
        }

        return means;
    }

    public static double[] Embedding(double[] bandMeans) =>
        [.. Enumerable.Range(0, 8).Select(j => (0.01 * j) + Enumerable.Range(0, 80).Sum(i => bandMeans[i] * 0.1 * Math.Sin((0.37 * i) + (1.3 * j))))];

    public static double[] Probabilities(double[] bandMeans)
    {
        var logits = Enumerable.Range(0, 3).Select(k => Enumerable.Range(0, 80).Sum(i => bandMeans[i] * 0.05 * Math.Cos((0.21 * i) + (0.9 * k)))).ToArray();
        var max = logits.Max();
        var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        return [.. exp.Select(e => e / exp.Sum())];
    }
}
