using System.Globalization;

namespace OrleansIngest.GpuBenchmark;

/// <summary>What one run measures; parsed from the command line.</summary>
/// <param name="Provider"><c>cuda</c> (default) or <c>cpu</c>.</param>
/// <param name="Segments">30 s segments of log-mel work.</param>
/// <param name="Batch">Segments per ONNX log-mel run.</param>
/// <param name="VadStreams">Concurrent VAD streams (the VAD batch).</param>
/// <param name="VadSeconds">Audio per VAD stream.</param>
/// <param name="CheckSegments">Segments whose log-mel is compared with the managed path.</param>
internal sealed record GpuBenchmarkSettings(string Provider, int Segments, int Batch, int VadStreams, double VadSeconds, int CheckSegments)
{
    /// <summary>Largest log-mel difference from the managed path that passes.</summary>
    public const double LogMelTolerance = 1e-4;

    /// <summary>
    /// Largest VAD speech-probability difference from the CPU provider that passes: cuDNN's LSTM and convolution
    /// kernels sum in a different order, and the recurrent state carries the difference along a stream.
    /// </summary>
    public const double VadTolerance = 1e-3;

    /// <summary>The full run on a GPU machine.</summary>
    public static GpuBenchmarkSettings Default { get; } = new("cuda", 256, 64, 256, 60, 8);

    /// <summary>The CPU-only self-check: the same steps on a small workload, in seconds.</summary>
    public static GpuBenchmarkSettings SelfCheck { get; } = new("cpu", 4, 2, 4, 4, 2);

    /// <summary>Parses <c>--self-check</c>, <c>--provider</c>, <c>--segments</c>, <c>--batch</c>, <c>--vad-streams</c>, <c>--vad-seconds</c>.</summary>
    /// <exception cref="ArgumentException">An unknown option or a bad value.</exception>
    public static GpuBenchmarkSettings Parse(IReadOnlyList<string> args)
    {
        var settings = args.Contains("--self-check") ? SelfCheck : Default;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--self-check")
            {
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"Option '{args[i]}' needs a value.");
            }

            var value = args[++i];
            settings = args[i - 1] switch
            {
                "--provider" when value is "cpu" or "cuda" => settings with { Provider = value },
                "--segments" => settings with { Segments = Positive(value, "--segments") },
                "--batch" => settings with { Batch = Positive(value, "--batch") },
                "--vad-streams" => settings with { VadStreams = Positive(value, "--vad-streams") },
                "--vad-seconds" => settings with { VadSeconds = Positive(value, "--vad-seconds") },
                _ => throw new ArgumentException($"Unknown option or value: {args[i - 1]} {value}"),
            };
        }

        return settings with { CheckSegments = Math.Min(settings.CheckSegments, settings.Segments) };
    }

    private static int Positive(string value, string option) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{option} takes a positive integer, not '{value}'.");
}
