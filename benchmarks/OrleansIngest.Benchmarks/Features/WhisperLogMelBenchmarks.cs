using BenchmarkDotNet.Attributes;
using OrleansIngest.Benchmarks.Dsp;
using OrleansIngest.Processing.Features;

namespace OrleansIngest.Benchmarks.Features;

/// <summary>Log-mel of one 30 s segment at 16 kHz (Whisper's window). × real time = 30 s / mean.</summary>
[MemoryDiagnoser]
[RealTimeFactorColumn(Seconds)]
public class WhisperLogMelBenchmarks
{
    public const double Seconds = 30;
    private readonly WhisperLogMel _logMel = new();
    private float[] _samples = [];
    private float[] _output = [];

    [GlobalSetup]
    public void Setup()
    {
        _samples = BenchmarkAudio.Signal(WhisperLogMel.SampleRate, Seconds);
        _output = new float[WhisperLogMel.MelBands * WhisperLogMel.FrameCount(_samples.Length)];
    }

    [Benchmark(Description = "log-mel 30 s")]
    public float Compute()
    {
        _logMel.Compute(_samples, _output);
        return _output[0];
    }
}
