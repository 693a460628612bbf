using Microsoft.ML.OnnxRuntime;

namespace OrleansIngest.Processing.Inference;

/// <summary>An ONNX Runtime session and the execution provider it really runs on.</summary>
/// <param name="Session">The session; the caller owns it.</param>
/// <param name="RequestedProvider">The provider preference it was created with (<c>auto</c>, <c>cuda</c> or <c>cpu</c>).</param>
/// <param name="ActualProvider"><c>cuda</c> or <c>cpu</c>.</param>
/// <param name="FallbackReason">Why CUDA was not used although it was asked for or tried; <see langword="null"/> otherwise.</param>
public sealed record OnnxSessionResult(InferenceSession Session, string RequestedProvider, string ActualProvider, string? FallbackReason);

/// <summary>
/// The one place that creates ONNX Runtime sessions, for every model: applies the provider preference
/// (<c>auto</c>: CUDA, then CPU; <c>cuda</c>: CUDA, falling back to CPU with a reason; <c>cpu</c>: never tries CUDA)
/// and the session tuning every model shares.
/// </summary>
public static class OnnxSessionFactory
{
    /// <summary>Provider preference: CUDA when it loads, CPU otherwise.</summary>
    public const string AutoProvider = "auto";

    /// <summary>Provider name of the CPU execution provider.</summary>
    public const string CpuProvider = "cpu";

    /// <summary>Provider name of the CUDA execution provider.</summary>
    public const string CudaProvider = "cuda";

    private const string CudaProviderName = "CUDAExecutionProvider";

    /// <summary>
    /// Normalises a provider preference (trimmed, lower case); <see langword="null"/> or empty means <c>cpu</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The preference is not <c>auto</c>, <c>cuda</c> or <c>cpu</c>.</exception>
    public static string NormalizeProvider(string? provider)
    {
        var normalized = string.IsNullOrWhiteSpace(provider) ? CpuProvider : provider.Trim().ToLowerInvariant();
        return normalized is AutoProvider or CudaProvider or CpuProvider
            ? normalized
            : throw new ArgumentException(
                $"Unknown execution provider '{provider}'; expected '{AutoProvider}', '{CudaProvider}' or '{CpuProvider}'.", nameof(provider));
    }

    /// <summary>
    /// Creates a session over <paramref name="modelBytes"/> on the preferred provider.
    /// </summary>
    /// <param name="modelBytes">The ONNX file's bytes (hash and load the same bytes).</param>
    /// <param name="provider"><c>auto</c>, <c>cuda</c> or <c>cpu</c> (any case).</param>
    /// <param name="intraOpThreads">Threads one <c>Run</c> may use; 1 keeps a run on the calling thread, 0 lets ONNX Runtime choose.</param>
    /// <param name="configureSession">Adjusts the session options (benchmarks compare tunings).</param>
    /// <exception cref="ArgumentException">The provider preference is unknown.</exception>
    /// <exception cref="OnnxRuntimeException">The model cannot be loaded on the CPU either.</exception>
    public static OnnxSessionResult Create(byte[] modelBytes, string? provider, int intraOpThreads = 1, Action<SessionOptions>? configureSession = null) =>
        Create(modelBytes, provider, intraOpThreads, configureSession, OrtEnv.Instance().GetAvailableProviders());

    /// <summary>
    /// As <see cref="Create(byte[], string?, int, Action{SessionOptions}?)"/>, with CUDA provider options (e.g.
    /// <c>use_tf32=0</c>) applied when the session runs on CUDA.
    /// </summary>
    public static OnnxSessionResult Create(byte[] modelBytes, string? provider, int intraOpThreads, IReadOnlyDictionary<string, string> cudaOptions) =>
        Create(modelBytes, provider, intraOpThreads, null, OrtEnv.Instance().GetAvailableProviders(), cudaOptions);

    /// <summary>As <see cref="Create(byte[], string?, int, Action{SessionOptions}?)"/> with the build's provider list given (tests).</summary>
    internal static OnnxSessionResult Create(
        byte[] modelBytes,
        string? provider,
        int intraOpThreads,
        Action<SessionOptions>? configureSession,
        IReadOnlyCollection<string> availableProviders,
        IReadOnlyDictionary<string, string>? cudaOptions = null)
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(intraOpThreads);
        var requested = NormalizeProvider(provider);
        string? fallbackReason = null;
        if (requested != CpuProvider)
        {
            if (!availableProviders.Contains(CudaProviderName))
            {
                fallbackReason = "this ONNX Runtime build has no CUDA execution provider (publish with -p:OrleansIngestOnnxRuntime=gpu)";
            }
            else
            {
                // The CUDA provider loads CUDA/cuDNN lazily; missing libraries surface here, not at startup.
                try
                {
                    using var sessionOptions = CreateSessionOptions(intraOpThreads, configureSession);
                    if (cudaOptions is null)
                    {
                        sessionOptions.AppendExecutionProvider_CUDA(0);
                    }
                    else
                    {
                        using var cuda = new OrtCUDAProviderOptions();
                        cuda.UpdateOptions(new Dictionary<string, string>(cudaOptions, StringComparer.Ordinal) { ["device_id"] = "0" });
                        sessionOptions.AppendExecutionProvider_CUDA(cuda);
                    }

                    return new OnnxSessionResult(new InferenceSession(modelBytes, sessionOptions), requested, CudaProvider, null);
                }
                catch (Exception ex) when (ex is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
                {
                    fallbackReason = $"the CUDA execution provider failed to load: {ex.Message}";
                }
            }
        }

        using var options = CreateSessionOptions(intraOpThreads, configureSession);
        return new OnnxSessionResult(new InferenceSession(modelBytes, options), requested, CpuProvider, fallbackReason);
    }

    private static SessionOptions CreateSessionOptions(int intraOpThreads, Action<SessionOptions>? configureSession)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
        };
        try
        {
            configureSession?.Invoke(options);
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }
}
