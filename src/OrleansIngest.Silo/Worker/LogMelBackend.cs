using Microsoft.Extensions.Options;
using OrleansIngest.Processing.Features;
using OrleansIngest.Processing.Inference;

namespace OrleansIngest.Silo.Worker;

/// <summary>
/// The log-mel implementation this silo uses, from <see cref="WorkerOptions.LogMel"/>: the managed
/// <see cref="WhisperLogMel"/> (one per lane) or a shared <see cref="OnnxLogMelBatcher"/> on the VAD's provider.
/// </summary>
public sealed class LogMelBackend : IAsyncDisposable
{
    /// <summary>Managed implementation.</summary>
    public const string Managed = "managed";

    /// <summary>ONNX Runtime implementation.</summary>
    public const string Onnx = "onnx";

    /// <summary>Picks the implementation; the ONNX one runs on <paramref name="vadModel"/>'s actual provider.</summary>
    public LogMelBackend(IOptions<WorkerOptions> options, SileroVadModel vadModel)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(vadModel);
        Provider = vadModel.ActualProvider;
        Implementation = Resolve(options.Value.LogMel, Provider);
        if (Implementation == Onnx)
        {
            Batcher = new OnnxLogMelBatcher(new OnnxLogMel(new OnnxLogMelSettings(
                MaxBatch: options.Value.LogMelMaxBatch, ExecutionProvider: Provider, IntraOpThreads: Provider == SileroVadModel.CudaProvider ? 1 : 0)));
        }
    }

    /// <summary><see cref="Managed"/> or <see cref="Onnx"/>.</summary>
    public string Implementation { get; }

    /// <summary>Where the ONNX log-mel runs when it is used.</summary>
    public string Provider { get; }

    /// <summary>The shared batcher when <see cref="Implementation"/> is <see cref="Onnx"/>; otherwise null.</summary>
    public OnnxLogMelBatcher? Batcher { get; }

    /// <summary>
    /// <c>auto</c> takes ONNX on a CUDA silo and the managed path on CPU, where the benchmarks measure it faster
    /// (README, GPU section); <c>managed</c> and <c>onnx</c> are taken as asked.
    /// </summary>
    public static string Resolve(string configured, string provider)
    {
        ArgumentNullException.ThrowIfNull(configured);
        return configured.Trim().ToLowerInvariant() switch
        {
            "auto" => provider == SileroVadModel.CudaProvider ? Onnx : Managed,
            Managed => Managed,
            Onnx => Onnx,
            _ => throw new ArgumentException($"LogMel '{configured}' is not 'auto', 'managed' or 'onnx'.", nameof(configured)),
        };
    }

    /// <summary>Stops the batcher, if any.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Batcher is not null)
        {
            await Batcher.DisposeAsync();
        }
    }
}
