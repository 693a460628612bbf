using System.Globalization;

namespace OrleansIngest.Processing.Synthetic;

/// <summary>
/// Writes a synthetic ingest corpus: speech-like WAV files in several formats and folders, gas-sensor CSV
/// files, a file no route matches and deliberately broken files, and says what each should become. Every byte
/// follows from <see cref="CorpusSettings.Seed"/>; each file draws from its own random stream (named by its
/// path), so changing one count does not change the other files.
/// </summary>
public static class CorpusGenerator
{
    /// <summary>Shortest-file length: under one second, to exercise segments shorter than a model window.</summary>
    public const double ShortClipSeconds = 0.6;

    private const int BlockFrames = 4096;

    // Files sharing the audio budget (after the short clip), by weight; three of them exceed 30 s at 3 minutes.
    private static readonly AudioPlan[] AudioPlans =
    [
        new("audio/calls/call-0001.wav", 16_000, 1, WavSampleFormat.Pcm16, WavWriteOptions.None, 0.22),
        new("audio/calls/call-0002-narrowband.wav", 8_000, 1, WavSampleFormat.Pcm8, WavWriteOptions.None, 0.10),
        new("audio/meetings/meeting-0001.wav", 44_100, 2, WavSampleFormat.Pcm16, WavWriteOptions.None, 0.33),
        new("audio/field/field-0001.wav", 48_000, 2, WavSampleFormat.Float32, WavWriteOptions.None, 0.22),
        new("audio/field/field-0002.wav", 22_050, 1, WavSampleFormat.Pcm24, WavWriteOptions.Extensible, 0.13),
    ];

    private static readonly AudioPlan ShortClip =
        new("audio/calls/short-0001.wav", 16_000, 1, WavSampleFormat.Pcm16, WavWriteOptions.None, 0);

    /// <summary>Writes the corpus under <paramref name="directory"/> (created if missing; files of the same names are replaced).</summary>
    public static CorpusManifest Generate(string directory, CorpusSettings settings)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(settings);
        if (!double.IsFinite(settings.AudioMinutes) || settings.AudioMinutes < 0 || settings.AudioMinutes > 24 * 60)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.AudioMinutes, "AudioMinutes must be between 0 and 1440.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(settings.SensorFiles);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.BadFiles);
        Directory.CreateDirectory(directory);

        var files = new List<CorpusFile>();
        var totalSeconds = settings.AudioMinutes * 60;
        var shortSeconds = Math.Min(ShortClipSeconds, totalSeconds);
        AddAudio(files, directory, settings.Seed, ShortClip, (long)Math.Round(shortSeconds * ShortClip.SampleRate));
        var remaining = totalSeconds - shortSeconds;
        foreach (var plan in AudioPlans)
        {
            AddAudio(files, directory, settings.Seed, plan, (long)Math.Round(remaining * plan.Weight * plan.SampleRate));
        }

        for (var i = 0; i < settings.SensorFiles; i++)
        {
            files.Add(SyntheticSensorFiles.Write(directory, settings.Seed, i));
        }

        files.Add(WriteNotes(directory, settings));
        for (var i = 0; i < settings.BadFiles; i++)
        {
            files.Add(SyntheticBadFiles.Write(directory, settings.Seed, i));
        }

        return new CorpusManifest(settings.Seed, files);
    }

    internal static string FullPath(string directory, string relativePath)
    {
        var path = Path.Combine(directory, relativePath.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private static void AddAudio(List<CorpusFile> files, string directory, int seed, AudioPlan plan, long frames)
    {
        if (frames == 0)
        {
            return;
        }

        var path = FullPath(directory, plan.RelativePath);
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            WriteSpeech(stream, plan, frames, DeterministicRandom.For(seed, plan.RelativePath));
        }

        files.Add(new CorpusFile(plan.RelativePath, CorpusFileKind.Audio, new FileInfo(path).Length)
        {
            DurationSeconds = (double)frames / plan.SampleRate,
            SampleRate = plan.SampleRate,
            Channels = plan.Channels,
            SampleFormat = plan.Format,
            Description = string.Create(
                CultureInfo.InvariantCulture,
                $"speech-like signal, {plan.SampleRate} Hz, {plan.Channels} ch, {plan.Format}{(plan.Options == WavWriteOptions.None ? string.Empty : $" ({plan.Options})")}"),
        });
    }

    /// <summary>
    /// Streams speech-like audio block by block. Extra channels are the first one delayed a little and
    /// attenuated, plus their own faint noise, like microphones a few centimetres apart.
    /// </summary>
    private static void WriteSpeech(Stream stream, AudioPlan plan, long frames, DeterministicRandom random)
    {
        var synthesizer = new SpeechLikeSynthesizer(plan.SampleRate, random);
        var writer = new WavStreamWriter(stream, plan.SampleRate, plan.Channels, plan.Format, frames, plan.Options);
        var delayPerChannel = Math.Max(1, (int)Math.Round(0.0007 * plan.SampleRate));
        var history = delayPerChannel * (plan.Channels - 1);
        var mono = new float[history + BlockFrames];
        var interleaved = new float[BlockFrames * plan.Channels];
        for (long done = 0; done < frames;)
        {
            var count = (int)Math.Min(BlockFrames, frames - done);
            synthesizer.Render(mono.AsSpan(history, count));
            for (var n = 0; n < count; n++)
            {
                interleaved[n * plan.Channels] = mono[history + n];
                for (var c = 1; c < plan.Channels; c++)
                {
                    var delayed = mono[history + n - (c * delayPerChannel)];
                    interleaved[(n * plan.Channels) + c] = (float)((delayed * (1 - (0.12 * c))) + (0.0008 * random.NextTriangular()));
                }
            }

            writer.Write(interleaved.AsSpan(0, count * plan.Channels));
            mono.AsSpan(count, history).CopyTo(mono);
            done += count;
        }

        writer.Complete();
    }

    private static CorpusFile WriteNotes(string directory, CorpusSettings settings)
    {
        const string RelativePath = "notes.txt";
        var path = FullPath(directory, RelativePath);
        File.WriteAllText(path, string.Create(
            CultureInfo.InvariantCulture,
            $"""
            Synthetic OrleansIngest corpus (seed {settings.Seed}).
            audio/    speech-like WAV files in several formats
            sensors/  gas-sensor CSV files (ISO and epoch timestamps, one multi-sensor file)
            */incoming/  deliberately broken files that must be quarantined
            This file matches no pipeline route and must be skipped.

            """));
        return new CorpusFile(RelativePath, CorpusFileKind.Skip, new FileInfo(path).Length)
        {
            Description = "text file that matches no route",
        };
    }

    private sealed record AudioPlan(string RelativePath, int SampleRate, int Channels, WavSampleFormat Format, WavWriteOptions Options, double Weight);
}
