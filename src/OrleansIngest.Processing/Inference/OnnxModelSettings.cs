namespace OrleansIngest.Processing.Inference;

/// <summary>Where an ONNX model lives and how to run it.</summary>
/// <param name="Path">Path of the <c>.onnx</c> file.</param>
/// <param name="Sha256">Expected SHA-256 of the file (hex, any case); <see langword="null"/> skips the check.</param>
/// <param name="ExecutionProvider"><c>"auto"</c> (CUDA, then CPU), <c>"cuda"</c> or <c>"cpu"</c>; CUDA falls back to CPU when it cannot be loaded.</param>
/// <param name="IntraOpThreads">Threads one <c>Run</c> may use; 1 keeps a run on the calling thread, 0 lets ONNX Runtime choose.</param>
public sealed record OnnxModelSettings(string Path, string? Sha256 = null, string ExecutionProvider = "cpu", int IntraOpThreads = 1)
{
    /// <summary>
    /// Silero VAD only: on the CPU, compute the model's STFT with an FFT on the host and run the graph from its
    /// magnitude on (<see cref="SileroStftSplit"/>), after checking both agree; <see langword="false"/> runs the graph whole.
    /// </summary>
    public bool FftFrontEnd { get; init; } = true;
}
