namespace OrleansIngest.Processing.Features;

/// <summary>How <see cref="OnnxLogMel"/> runs.</summary>
/// <param name="MaxBatch">Segments per model run; the pinned input/output buffers are sized for this many full segments.</param>
/// <param name="SegmentSamples">Samples of a full segment (30 s at 16 kHz by default); runs of this length reuse bound buffers.</param>
/// <param name="ExecutionProvider"><c>"cpu"</c> or <c>"cuda"</c>.</param>
/// <param name="IntraOpThreads">Threads one run may use; 1 keeps it on the calling thread, 0 lets ONNX Runtime choose.</param>
public sealed record OnnxLogMelSettings(
    int MaxBatch = 64,
    int SegmentSamples = 30 * WhisperLogMel.SampleRate,
    string ExecutionProvider = "cpu",
    int IntraOpThreads = 1);
