using System.ComponentModel.DataAnnotations;

namespace OrleansIngest.Silo.Worker;

/// <summary>Per-silo worker settings (section <c>OrleansIngest:Worker</c>).</summary>
public sealed class WorkerOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "OrleansIngest:Worker";

    /// <summary>
    /// Units processed at once on this silo; 0 means one per core, and at least enough to fill a VAD batch
    /// (<see cref="VadMaxBatch"/> / <see cref="MaxSegmentsInFlight"/> lanes).
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

    /// <summary>Largest VAD batch (streams advanced per model call).</summary>
    [Range(1, 4096)]
    public int VadMaxBatch { get; set; } = 64;

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

    /// <summary>The number of lanes to run.</summary>
    /// <remarks>
    /// Lanes are concurrency, not threads: a lane mostly waits for its segments' VAD. The VAD batch is fed by the
    /// segments in flight across lanes, and a short file has only one or two, so one lane per core left the batch at
    /// a few streams (ONNX Runtime is about 2× slower per stream at batch 2 than at 32).
    /// </remarks>
    public int EffectiveLanes => Lanes > 0 ? Lanes : Math.Max(Environment.ProcessorCount, (VadMaxBatch + MaxSegmentsInFlight - 1) / MaxSegmentsInFlight);
}
