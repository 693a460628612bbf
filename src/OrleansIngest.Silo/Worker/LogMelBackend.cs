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
            // On a GPU two instances double-buffer (one batch uploads while the other computes); on a CPU one
            // instance with all cores is faster than two competing for them.
            var cuda = Provider == SileroVadModel.CudaProvider;
            var settings = new OnnxLogMelSettings(MaxBatch: options.Value.LogMelMaxBatch, ExecutionProvider: Provider, IntraOpThreads: cuda ? 1 : 0);
            Batcher = new OnnxLogMelBatcher([.. Enumerable.Range(0, cuda ? 2 : 1).Select(_ => new OnnxLogMel(settings))]);
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
