using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using OrleansIngest.Processing.Inference;

namespace OrleansIngest.Benchmarks.Inference;

/// <summary>
/// Session option variants against the settings <see cref="SileroVadModel"/> uses (full graph optimisation,
/// sequential execution, one intra-op and one inter-op thread), at batch 1 and batch 32, one core.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(SixtySecondsOfAudioConfig))]
public class SileroVadSessionTuningBenchmarks
{
    public enum SessionTuning
    {
        /// <summary>What SileroVadModel does.</summary>
        Chosen,

        /// <summary>No graph optimisation at all.</summary>
        OptimizationDisabled,

        /// <summary>Basic (constant folding, redundant node removal) only.</summary>
        OptimizationBasic,

        /// <summary>Extended: adds fusions but not layout optimisations.</summary>
        OptimizationExtended,

        /// <summary>Memory pattern planning off.</summary>
        NoMemoryPattern,

        /// <summary>CPU memory arena off.</summary>
        NoCpuArena,

        /// <summary>Allocations from an arena allocator registered on the environment.</summary>
        EnvironmentAllocators,

        /// <summary>Denormals flushed to zero on the intra-op thread.</summary>
        DenormalsAsZero,
    }

    private static readonly Lock EnvironmentAllocatorLock = new();
    private static bool _environmentAllocatorRegistered;

    private SileroVadModel _model = null!;
    private VadBatcher _batcher = null!;
    private float[] _audio = null!;
    private ReadOnlyMemory<float>[] _streams32 = null!;

    [Params(
        SessionTuning.Chosen,
        SessionTuning.OptimizationDisabled,
        SessionTuning.OptimizationBasic,
        SessionTuning.OptimizationExtended,
        SessionTuning.NoMemoryPattern,
        SessionTuning.NoCpuArena,
        SessionTuning.EnvironmentAllocators,
        SessionTuning.DenormalsAsZero)]
    public SessionTuning Tuning { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (Tuning == SessionTuning.EnvironmentAllocators)
        {
            RegisterEnvironmentAllocator();
        }

        _model = new SileroVadModel(
            new OnnxModelSettings(SileroVadModel.DefaultModelPath, SileroVadModel.PinnedSha256, IntraOpThreads: 1),
            Configure);
        _batcher = new VadBatcher(_model, new VadBatcherSettings(MaxBatch: 64));
        _audio = VadBenchmarkAudio.Create(SixtySecondsOfAudioConfig.AudioSeconds, seed: 1);
        _streams32 = VadBenchmarkAudio.Split(_audio, 32);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _batcher.DisposeAsync();
        _model.Dispose();
    }

    [Benchmark]
    public VadResult Batch1() => SileroVad.Analyze(_model, _audio);

    [Benchmark]
    public async Task<VadResult[]> Batch32ViaBatcher()
    {
        var tasks = new Task<VadResult>[_streams32.Length];
        for (var i = 0; i < _streams32.Length; i++)
        {
            tasks[i] = _batcher.AnalyzeAsync(_streams32[i]);
        }

        return await Task.WhenAll(tasks);
    }

    private static void RegisterEnvironmentAllocator()
    {
        lock (EnvironmentAllocatorLock)
        {
            if (!_environmentAllocatorRegistered)
            {
                using var arena = new OrtArenaCfg(0, -1, -1, -1);
                OrtEnv.Instance().CreateAndRegisterAllocator(OrtMemoryInfo.DefaultInstance, arena);
                _environmentAllocatorRegistered = true;
            }
        }
    }

    private void Configure(SessionOptions options)
    {
        switch (Tuning)
        {
            case SessionTuning.OptimizationDisabled:
                options.GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL;
                break;
            case SessionTuning.OptimizationBasic:
                options.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC;
                break;
            case SessionTuning.OptimizationExtended:
                options.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED;
                break;
            case SessionTuning.NoMemoryPattern:
                options.EnableMemoryPattern = false;
                break;
            case SessionTuning.NoCpuArena:
                options.EnableCpuMemArena = false;
                break;
            case SessionTuning.EnvironmentAllocators:
                options.AddSessionConfigEntry("session.use_env_allocators", "1");
                break;
            case SessionTuning.DenormalsAsZero:
                options.AddSessionConfigEntry("session.set_denormal_as_zero", "1");
                break;
            case SessionTuning.Chosen:
            default:
                break;
        }
    }
}
