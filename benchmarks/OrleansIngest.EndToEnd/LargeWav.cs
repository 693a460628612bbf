using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Synthetic;

namespace OrleansIngest.EndToEnd;

/// <summary>
/// One very large 16 kHz mono PCM16 WAV (e.g. 2 GB ≈ 17 h), made by repeating a minute of the synthetic
/// speech-like corpus, written block by block so the generator itself stays small.
/// </summary>
internal static class LargeWav
{
    public static async Task<CorpusManifest> GenerateAsync(string directory, double gigabytes)
    {
        var seedFolder = Path.Combine(directory, "..", "seed");
        var seed = CorpusGenerator.Generate(seedFolder, new CorpusSettings(AudioMinutes: 1, SensorFiles: 0, BadFiles: 0, Seed: 3));
        var first = seed.OfKind(CorpusFileKind.Audio).OrderByDescending(f => f.DurationSeconds).First();
        var path = Path.Combine(seedFolder, first.RelativePath);
        float[] minute;
        await using (var stream = File.OpenRead(path))
        {
            using var decoded = await WavDecoder.OpenAsync(stream, stream.Length, path);
            using var audio = new ResamplingAudioSource(decoded, 16_000);
            var samples = new List<float>();
            var buffer = new float[65536];
            int read;
            while ((read = await audio.ReadAsync(buffer)) > 0)
            {
                samples.AddRange(buffer.AsSpan(0, read));
            }

            minute = [.. samples];
        }

        Directory.CreateDirectory(directory);
        var frames = (long)(gigabytes * 1e9 / 2);
        var output = Path.Combine(directory, "large.wav");
        await using (var file = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            var writer = new WavStreamWriter(file, 16_000, 1, WavSampleFormat.Pcm16, frames, frames * 2 > uint.MaxValue - 64 ? WavWriteOptions.Rf64 : WavWriteOptions.None);
            for (long written = 0; written < frames;)
            {
                var take = (int)Math.Min(minute.Length, frames - written);
                writer.Write(minute.AsSpan(0, take));
                written += take;
            }

            writer.Complete();
        }

        Directory.Delete(seedFolder, recursive: true);
        return new CorpusManifest(3, [new CorpusFile("large.wav", CorpusFileKind.Audio, new FileInfo(output).Length) { DurationSeconds = frames / 16_000.0, SampleRate = 16_000, Channels = 1 }]);
    }
}
