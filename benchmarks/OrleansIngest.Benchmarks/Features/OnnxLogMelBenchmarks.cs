using BenchmarkDotNet.Attributes;
using OrleansIngest.Benchmarks.Dsp;
using OrleansIngest.Processing.Features;

namespace OrleansIngest.Benchmarks.Features;

/// <summary>
/// Log-mel of a batch of eight 30 s segments on one core: the managed <see cref="WhisperLogMel"/> one by one against
/// one <see cref="OnnxLogMel"/> run on ONNX Runtime's CPU provider (one intra-op thread). This comparison decides
/// <c>OrleansIngest:Worker:LogMel = auto</c> on CPU silos. × real time = 240 s / mean.
/// </summary>
[MemoryDiagnoser]
[RealTimeFactorColumn(Batch * Seconds)]
public class OnnxLogMelBenchmarks
{
    public const int Batch = 8;
    public const double Seconds = 30;
    private readonly WhisperLogMel _managed = new();
    private OnnxLogMel _onnx = null!;
    private ReadOnlyMemory<float>[] _segments = [];
    private Memory<float>[] _destinations = [];

    [GlobalSetup]
    public void Setup()
    {
        var samples = BenchmarkAudio.Signal(WhisperLogMel.SampleRate, Seconds);
        _segments = [.. Enumerable.Repeat((ReadOnlyMemory<float>)samples, Batch)];
        _destinations = [.. Enumerable.Range(0, Batch).Select(_ => (Memory<float>)new float[WhisperLogMel.MelBands * WhisperLogMel.FrameCount(samples.Length)])];
        _onnx = new OnnxLogMel(new OnnxLogMelSettings(MaxBatch: Batch, IntraOpThreads: 1));
    }

    [GlobalCleanup]
    public void Cleanup() => _onnx.Dispose();

    [Benchmark(Baseline = true, Description = "managed 8 × 30 s")]
    public float Managed()
    {
        for (var i = 0; i < Batch; i++)
        {
            _managed.Compute(_segments[i].Span, _destinations[i].Span);
        }

        return _destinations[0].Span[0];
    }

    [Benchmark(Description = "onnx cpu 8 × 30 s")]
    public float Onnx()
    {
        _onnx.ComputeBatch(_segments, _destinations);
        return _destinations[0].Span[0];
    }
}
