using OrleansIngest.Abstractions;
using System.ComponentModel.DataAnnotations;
using OrleansIngest.Processing.Inference;

namespace OrleansIngest.Silo.Worker;

/// <summary>Per-silo worker settings (section <c>OrleansIngest:Worker</c>).</summary>
public sealed class WorkerOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "OrleansIngest:Worker";

    /// <summary>Default VAD batch on a silo whose VAD runs on the CPU.</summary>
    public const int CpuVadMaxBatch = 64;

    /// <summary>Default VAD batch on a silo whose VAD runs on CUDA.</summary>
    public const int CudaVadMaxBatch = 1024;

    /// <summary>
    /// Units processed at once on this silo; 0 means one per core, and at least enough to fill a VAD batch
    /// (the resolved <see cref="VadMaxBatch"/> / <see cref="MaxSegmentsInFlight"/> lanes).
    /// </summary>
    [Range(0, 1024)]
    public int Lanes { get; set; }

    /// <summary>Audio segments of one unit awaiting VAD at once (feeds cross-unit VAD batches).</summary>
    [Range(1, 256)]
    public int MaxSegmentsInFlight { get; set; } = 8;

    /// <summary>Path of the Silero VAD model; empty means <c>models/silero_vad.onnx</c> next to the binaries.</summary>
    public string VadModelPath { get; set; } = "";

    /// <summary>Expected SHA-256 of the VAD model; empty skips the check.</summary>
    public string VadModelSha256 { get; set; } = "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3";

    /// <summary>
    /// Largest VAD batch (streams advanced per model call); 0 (the default) chooses by the provider the VAD really runs
    /// on (<see cref="ResolveVadMaxBatch"/>).
    /// </summary>
    [Range(0, 4096)]
    public int VadMaxBatch { get; set; }

    /// <summary>
    /// On a CPU session, compute Silero VAD's STFT with an FFT on the host and run the graph from its magnitude on
    /// (checked against the whole graph at load, which runs instead when they differ); <see langword="false"/> runs the
    /// whole graph.
    /// </summary>
    public bool VadFftFrontEnd { get; set; } = true;

    /// <summary>Threads ONNX Runtime may use inside one VAD call.</summary>
    [Range(1, 256)]
    public int VadIntraOpThreads { get; set; } = 1;

    /// <summary>How often an idle worker asks for work.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Where the models run unless a model step asks otherwise: <c>cpu</c>, <c>cuda</c> on a GPU node, or <c>auto</c>
    /// (CUDA when it loads, CPU otherwise). CUDA falls back to CPU with a logged warning when its libraries are missing.
    /// </summary>
    [RegularExpression("^(auto|cuda|cpu)$", ErrorMessage = "ExecutionProvider is 'auto', 'cuda' or 'cpu'.")]
    public string ExecutionProvider { get; set; } = "cpu";

    /// <summary>Local folder for model files fetched from blob URLs (named by SHA-256); empty means a folder under the temp directory.</summary>
    public string ModelCacheDirectory { get; set; } = "";

    /// <summary>Log-mel implementation: <c>auto</c> (ONNX on a CUDA silo, managed otherwise), <c>managed</c> or <c>onnx</c>.</summary>
    [RegularExpression("^(auto|managed|onnx)$", ErrorMessage = "LogMel is 'auto', 'managed' or 'onnx'.")]
    public string LogMel { get; set; } = "auto";

    /// <summary>30 s segments per ONNX log-mel run (its pinned buffers hold this many).</summary>
    [Range(1, 1024)]
    public int LogMelMaxBatch { get; set; } = 64;

    /// <summary>What this silo advertises (section <c>OrleansIngest:Worker:Capacity</c>); detected where not set.</summary>
    public WorkerCapacityOptions Capacity { get; set; } = new();

    /// <summary>
    /// The VAD batch a silo runs: <paramref name="configured"/> when it is set (above 0), else
    /// <see cref="CudaVadMaxBatch"/> when the VAD session really runs on CUDA and <see cref="CpuVadMaxBatch"/> otherwise.
    /// </summary>
    /// <remarks>
    /// A stream's LSTM state makes its 32 ms steps sequential, so throughput comes from advancing many streams per call.
    /// On a CPU core the gain per stream levels off by a batch of 32–64 (README benchmarks: 606× real time at 32, 607× at
    /// 64), and a wider call only holds the core longer, so the CPU default is 64. On a GPU a step of the small LSTM for
    /// 64 streams is expected to cost little more than its kernel launches and transfers, so the GPU step is sized for
    /// thousands of streams in flight and the CUDA default is 1024 (the top of the 256–1024 range of the README's GPU
    /// design; the batcher's buffers then hold 1024 × 576 input floats and two 1024 × 256 state arrays, about 4.5 MB).
    /// The CUDA figure is a design choice, not yet measured on a GPU. The provider is the one the session got, not the
    /// one asked for: a CUDA request that fell back to the CPU gets the CPU batch.
    /// </remarks>
    /// <param name="configured"><see cref="VadMaxBatch"/>; 0 or less chooses by provider.</param>
    /// <param name="actualProvider">Where the VAD session runs (<see cref="SileroVadModel.ActualProvider"/>).</param>
    public static int ResolveVadMaxBatch(int configured, string actualProvider)
    {
        ArgumentNullException.ThrowIfNull(actualProvider);
        if (configured > 0)
        {
            return configured;
        }

        return string.Equals(actualProvider, SileroVadModel.CudaProvider, StringComparison.OrdinalIgnoreCase) ? CudaVadMaxBatch : CpuVadMaxBatch;
    }

    /// <summary>The number of lanes this silo runs for a VAD batch of <paramref name="vadMaxBatch"/> on <paramref name="capacity"/>.</summary>
    /// <remarks>
    /// Lanes are concurrency, not threads: a lane mostly waits for its segments' VAD. The VAD batch is fed by the
    /// segments in flight across lanes, and a short file has only one or two, so one lane per core left the batch at
    /// a few streams (ONNX Runtime is about 2× slower per stream at batch 2 than at 32). Configured lanes, or one per
    /// core, are scaled by the capacity weight so a heavier silo pulls proportionally more units; but lanes that only
    /// fill the VAD batch are not scaled again: a CUDA silo's 1024-stream batch already gives it 128 lanes, and four
    /// times that would hold gigabytes of waiting segments without making its GPU any busier.
    /// </remarks>
    /// <param name="vadMaxBatch">The resolved VAD batch (<see cref="ResolveVadMaxBatch"/>).</param>
    /// <param name="capacity">What the silo advertises (its cores and weight).</param>
    public int EffectiveLanes(int vadMaxBatch, SiloCapacity capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vadMaxBatch, 1);
        ArgumentNullException.ThrowIfNull(capacity);
        if (Lanes > 0)
        {
            return SiloCapacityDetector.WeightedLanes(Lanes, capacity);
        }

        return Math.Max(SiloCapacityDetector.WeightedLanes(capacity.Cores, capacity), (vadMaxBatch + MaxSegmentsInFlight - 1) / MaxSegmentsInFlight);
    }
}
