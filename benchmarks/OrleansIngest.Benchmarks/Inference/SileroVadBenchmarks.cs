using BenchmarkDotNet.Attributes;
using OrleansIngest.Processing.Inference;

namespace OrleansIngest.Benchmarks.Inference;

/// <summary>
/// 60 s of 16 kHz audio through Silero VAD on one core (IntraOpThreads = 1): one stream at batch 1, and the same
/// audio as 32 or 64 concurrent streams that the batcher advances in lock-step.
/// Peers on the same machine: ONNX Runtime for Node ≈ 220x real time at batch 1, ≈ 520x at batch 32.
/// <see cref="FftFrontEnd"/> false runs the whole graph (like for like with the peer); true computes the STFT with
/// the host FFT and runs the graph from the magnitude on, as the pipeline does on a CPU.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(SixtySecondsOfAudioConfig))]
public class SileroVadBenchmarks
{
    private SileroVadModel _model = null!;
    private VadBatcher _batcher = null!;
    private float[] _audio = null!;
    private ReadOnlyMemory<float>[] _streams32 = null!;
    private ReadOnlyMemory<float>[] _streams64 = null!;

    [Params(true, false)]
    public bool FftFrontEnd { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath, SileroVadModel.PinnedSha256, IntraOpThreads: 1) { FftFrontEnd = FftFrontEnd });
        _batcher = new VadBatcher(_model, new VadBatcherSettings(MaxBatch: 64));
        _audio = VadBenchmarkAudio.Create(SixtySecondsOfAudioConfig.AudioSeconds, seed: 1);
        _streams32 = VadBenchmarkAudio.Split(_audio, 32);
        _streams64 = VadBenchmarkAudio.Split(_audio, 64);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _batcher.DisposeAsync();
        _model.Dispose();
    }

    /// <summary>The reference path: one stream, one model run per 32 ms frame.</summary>
    [Benchmark(Baseline = true)]
    public VadResult Batch1() => SileroVad.Analyze(_model, _audio);

    /// <summary>One stream through the batcher: the loop's own overhead at batch 1.</summary>
    [Benchmark]
    public Task<VadResult> Batch1ViaBatcher() => _batcher.AnalyzeAsync(_audio);

    [Benchmark]
    public Task<VadResult[]> Batch32ViaBatcher() => AnalyzeAll(_streams32);

    [Benchmark]
    public Task<VadResult[]> Batch64ViaBatcher() => AnalyzeAll(_streams64);

    private Task<VadResult[]> AnalyzeAll(ReadOnlyMemory<float>[] streams)
    {
        var tasks = new Task<VadResult>[streams.Length];
        for (var i = 0; i < streams.Length; i++)
        {
            tasks[i] = _batcher.AnalyzeAsync(streams[i]);
        }

        return Task.WhenAll(tasks);
    }
}
