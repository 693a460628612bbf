using System.Collections.Concurrent;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.TestSupport.Speech;

namespace OrleansIngest.Processing.Tests.Decoding;

/// <summary>
/// Test audio in every format, encoded by ffmpeg from one known stereo signal (left: espeak-ng speech; right: a
/// logarithmic sweep) and cached for the test run in a temporary folder.
/// </summary>
internal static class EncodedMedia
{
    public const int SourceRate = 44100;
    public const double Seconds = 6;

    private static readonly string Folder = Directory.CreateTempSubdirectory("orleansingest-formats-").FullName;
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Files = new(StringComparer.Ordinal);

    /// <summary>Formats by name: file extension and ffmpeg encoder arguments.</summary>
    public static readonly IReadOnlyDictionary<string, (string Extension, string[] Arguments)> Formats = new Dictionary<string, (string, string[])>(StringComparer.Ordinal)
    {
        ["flac"] = (".flac", ["-c:a", "flac"]),
        ["mp3"] = (".mp3", ["-c:a", "libmp3lame", "-b:a", "192k"]),
        ["vorbis"] = (".ogg", ["-c:a", "libvorbis", "-q:a", "6"]),
        ["opus"] = (".opus", ["-c:a", "libopus", "-b:a", "128k"]),
        ["m4a"] = (".m4a", ["-c:a", "aac", "-b:a", "192k"]),
        ["m4a-faststart"] = (".m4a", ["-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart"]),
        ["adts"] = (".aac", ["-c:a", "aac", "-b:a", "192k", "-f", "adts"]),
        ["mp2"] = (".mp2", ["-c:a", "mp2", "-b:a", "192k"]),
    };

    /// <summary>The source signal as a 16-bit stereo WAV at <see cref="SourceRate"/>.</summary>
    public static Task<string> SourceWavAsync() => Cached("source", async () =>
    {
        var speech = await SpeechSynth.SpeakAsync("The quick brown fox jumps over the lazy dog. Seven silver swans swam south.", SourceRate);
        var frames = (int)(SourceRate * Seconds);
        var interleaved = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            interleaved[2 * i] = i < speech.Length ? speech[i] * 0.8f : 0;
            interleaved[(2 * i) + 1] = Sweep(i, SourceRate, 100, 15000, Seconds) * 0.5f;
        }

        var path = Path.Combine(Folder, "source.wav");
        await using var file = File.Create(path);
        WavEncoder.Write(file, interleaved, SourceRate, 2, WavSampleFormat.Pcm16);
        return path;
    });

    /// <summary>The source encoded as <paramref name="format"/> (a key of <see cref="Formats"/>).</summary>
    public static Task<string> EncodeAsync(string format) => Cached(format, async () =>
    {
        var source = await SourceWavAsync();
        var (extension, arguments) = Formats[format];
        var path = Path.Combine(Folder, format + extension);
        await ReferenceTools.FfmpegAsync(["-i", source, .. arguments, path]);
        return path;
    });

    /// <summary>A short (0.4 s) mono tone-and-noise clip encoded as <paramref name="format"/>, for mutation tests.</summary>
    public static Task<byte[]> ShortClipAsync(string format) => CachedBytes("short-" + format, async () =>
    {
        var (extension, arguments) = Formats[format];
        var path = Path.Combine(Folder, "short-" + format + extension);
        await ReferenceTools.FfmpegAsync(
            ["-f", "lavfi", "-i", "sine=frequency=700:sample_rate=22050:duration=0.4", "-f", "lavfi", "-i", "anoisesrc=d=0.4:r=22050:a=0.1:seed=7",
             "-filter_complex", "amix=inputs=2", "-ac", "1", .. arguments.Select(a => a == "192k" ? "64k" : a), path]);
        return await File.ReadAllBytesAsync(path);
    });

    /// <summary>A logarithmic sine sweep from <paramref name="from"/> to <paramref name="to"/> Hz over <paramref name="seconds"/>.</summary>
    public static float Sweep(int index, int rate, double from, double to, double seconds)
    {
        var t = index / (double)rate;
        var k = Math.Log(to / from) / seconds;
        return (float)Math.Sin(2 * Math.PI * from * (Math.Exp(k * t) - 1) / k);
    }

    private static readonly ConcurrentDictionary<string, Lazy<Task<byte[]>>> Bytes = new(StringComparer.Ordinal);

    private static Task<byte[]> CachedBytes(string key, Func<Task<byte[]>> create) =>
        Bytes.GetOrAdd(key, _ => new Lazy<Task<byte[]>>(create)).Value;

    private static Task<string> Cached(string key, Func<Task<string>> create) =>
        Files.GetOrAdd(key, _ => new Lazy<Task<string>>(create)).Value;
}
