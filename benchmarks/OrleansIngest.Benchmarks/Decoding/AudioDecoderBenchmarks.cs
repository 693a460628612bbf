using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using OrleansIngest.Benchmarks.Dsp;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Synthetic;

namespace OrleansIngest.Benchmarks.Decoding;

/// <summary>
/// Decodes the same 60 s of stereo 44.1 kHz audio, encoded by ffmpeg in each format, with our decoder
/// (<see cref="AudioDecoder"/> from memory to mono float) and with ffmpeg itself
/// (<c>ffmpeg -threads 1 -i file -f f32le /dev/null</c>, process start included, as a unit would pay it).
/// × real time = 60 s / mean, on one core. For M4A "ours" is ffmpeg through our pipe.
/// </summary>
[MemoryDiagnoser]
[RealTimeFactorColumn(Seconds)]
public class AudioDecoderBenchmarks
{
    public const double Seconds = 60;
    private const int Rate = 44100;

    private static readonly Dictionary<string, string[]> Encoders = new(StringComparer.Ordinal)
    {
        ["flac"] = ["-c:a", "flac"],
        ["mp3"] = ["-c:a", "libmp3lame", "-b:a", "192k"],
        ["ogg"] = ["-c:a", "libvorbis", "-q:a", "6"],
        ["opus"] = ["-c:a", "libopus", "-b:a", "128k"],
        ["m4a"] = ["-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart"],
    };

    private readonly float[] _block = new float[8192];
    private string _folder = "";
    private string _path = "";
    private byte[] _file = [];

    [Params("flac", "mp3", "ogg", "opus", "m4a")]
    public string Format { get; set; } = "flac";

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("orleansingest-decode-bench-").FullName;
        var left = BenchmarkAudio.Signal(Rate, Seconds, seed: 1);
        var right = BenchmarkAudio.Signal(Rate, Seconds, seed: 2);
        var interleaved = new float[left.Length * 2];
        for (var i = 0; i < left.Length; i++)
        {
            interleaved[2 * i] = left[i];
            interleaved[(2 * i) + 1] = right[i];
        }

        var wav = Path.Combine(_folder, "source.wav");
        using (var file = File.Create(wav))
        {
            WavEncoder.Write(file, interleaved, Rate, 2, WavSampleFormat.Pcm16);
        }

        _path = Path.Combine(_folder, "bench." + Format);
        RunFfmpeg(["-y", "-i", wav, .. Encoders[Format], _path]);
        _file = File.ReadAllBytes(_path);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(Description = "ours", Baseline = true)]
    public async Task<long> Ours()
    {
        using var stream = new MemoryStream(_file, writable: false);
        using var source = await AudioDecoder.OpenAsync(stream, _file.Length, _path);
        long total = 0;
        int n;
        while ((n = await source.ReadAsync(_block)) > 0)
        {
            total += n;
        }

        return total;
    }

    [Benchmark(Description = "ffmpeg -threads 1")]
    public int Ffmpeg() => RunFfmpeg(["-threads", "1", "-i", _path, "-f", "f32le", "-y", "/dev/null"]);

    private static int RunFfmpeg(IEnumerable<string> arguments)
    {
        var startInfo = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in (string[])["-hide_banner", "-nostdin", "-loglevel", "error", .. arguments])
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("ffmpeg did not start");
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? 0 : throw new InvalidOperationException($"ffmpeg failed: {errors}");
    }
}
