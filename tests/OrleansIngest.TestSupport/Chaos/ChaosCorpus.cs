using System.Globalization;
using System.Text;
using OrleansIngest.Processing.Synthetic;

namespace OrleansIngest.TestSupport.Chaos;

/// <summary>What a chaos corpus file should become.</summary>
public enum ChaosFileKind
{
    /// <summary>A short WAV: one audio segment.</summary>
    Audio,

    /// <summary>A small sensor CSV: one row per 10 s window.</summary>
    Sensor,

    /// <summary>A broken file the pipeline must quarantine.</summary>
    Bad,

    /// <summary>A file no route matches: must appear nowhere.</summary>
    Skip,
}

/// <summary>One file of a chaos corpus and the rows it should give.</summary>
public sealed record ChaosFile(string RelativePath, ChaosFileKind Kind, int ExpectedRows);

/// <summary>
/// Many small files: short WAVs (1–4 s, one segment each), small 1 Hz sensor CSVs, and about
/// <c>badRatio</c> of seeded broken files (the generator's truncated, garbage, empty and malformed kinds).
/// </summary>
public static class ChaosCorpus
{
    private const int SampleRate = 16_000;
    private static readonly DateTimeOffset BaseTime = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Writes <paramref name="files"/> files under <paramref name="directory"/> and says what each should give.</summary>
    public static IReadOnlyList<ChaosFile> Generate(string directory, int files, double badRatio, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(files, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(badRatio);
        var bad = badRatio == 0 ? 0 : Math.Max(1, (int)Math.Round(files * badRatio));
        var good = files - bad;
        var random = new Random(seed);
        var result = new List<ChaosFile>(files + 1);
        for (var i = 0; i < good; i++)
        {
            // Two thirds audio, one third sensors: audio is the expensive path, sensors the cheap one.
            result.Add(i % 3 == 2 ? WriteSensor(directory, i, random) : WriteAudio(directory, i, random));
        }

        // The generator's broken kinds (truncated WAV, random bytes, empty file, bad CSV cells, ...), plus its notes.txt.
        var broken = CorpusGenerator.Generate(directory, new CorpusSettings(AudioMinutes: 0, SensorFiles: 0, BadFiles: bad, Seed: seed));
        foreach (var file in broken.Files)
        {
            result.Add(new ChaosFile(file.RelativePath, file.Kind == CorpusFileKind.Bad ? ChaosFileKind.Bad : ChaosFileKind.Skip, 0));
        }

        return result;
    }

    private static ChaosFile WriteAudio(string directory, int index, Random random)
    {
        var relativePath = string.Create(CultureInfo.InvariantCulture, $"audio/clips/{index / 100:000}/clip-{index:00000}.wav");
        var seconds = 1 + (3 * random.NextDouble());
        var samples = new float[(int)(seconds * SampleRate)];
        var pitch = 110 + (140 * random.NextDouble());
        for (var n = 0; n < samples.Length; n++)
        {
            var t = (double)n / SampleRate;
            // A voiced-ish tone with syllable-rate amplitude modulation over faint noise.
            var envelope = 0.5 + (0.5 * Math.Sin(2 * Math.PI * 4 * t));
            var voice = (0.3 * Math.Sin(2 * Math.PI * pitch * t)) + (0.1 * Math.Sin(2 * Math.PI * 3 * pitch * t));
            samples[n] = (float)((envelope * voice) + (0.01 * ((2 * random.NextDouble()) - 1)));
        }

        using (var stream = File.Create(FullPath(directory, relativePath)))
        {
            WavEncoder.Write(stream, samples, SampleRate, 1, WavSampleFormat.Pcm16);
        }

        return new ChaosFile(relativePath, ChaosFileKind.Audio, 1);
    }

    private static ChaosFile WriteSensor(string directory, int index, Random random)
    {
        var relativePath = string.Create(CultureInfo.InvariantCulture, $"sensors/rooms/{index / 100:000}/room-{index:00000}.csv");
        var rows = 20 + random.Next(41);
        var start = BaseTime.AddSeconds(random.Next(86_400));
        var text = new StringBuilder("timestamp,co2,voc,temp,humidity\n");
        for (var row = 0; row < rows; row++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{start.AddSeconds(row):yyyy-MM-dd'T'HH:mm:ss'Z'},{420 + (30 * random.NextDouble()):F1},{0.2 + (0.05 * random.NextDouble()):F3},{21 + random.NextDouble():F2},{45 + (5 * random.NextDouble()):F1}\n");
        }

        File.WriteAllText(FullPath(directory, relativePath), text.ToString(), new UTF8Encoding(false));

        // 1 Hz rows from t0, windows of 10 s aligned to t0.
        return new ChaosFile(relativePath, ChaosFileKind.Sensor, (rows + 9) / 10);
    }

    private static string FullPath(string directory, string relativePath)
    {
        var path = Path.Combine(directory, relativePath.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }
}
