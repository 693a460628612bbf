using Azure;
using Microsoft.Extensions.Logging;
using Azure.Storage.Blobs.Models;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Storage;
using OrleansIngest.Storage.Azure;
using OrleansIngest.Storage.Local;

namespace OrleansIngest.Silo.Worker;

/// <summary>
/// The model registry under an output root (<c>_ingest/models/&lt;name&gt;@&lt;version&gt;.json</c>), written put-if-absent on
/// local folders (create-new) and blob containers (<c>If-None-Match: *</c>), as the commit log is.
/// </summary>
public sealed class OutputModelRegistry(AzureBlobClientFactory blobs) : IModelRegistry
{
    /// <inheritdoc />
    public async Task<bool> RegisterAsync(string outputRoot, ModelRegistration registration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outputRoot);
        ArgumentNullException.ThrowIfNull(registration);
        var content = BinaryData.FromString(registration.ToJson());
        if (Locations.IsRemote(outputRoot))
        {
            var location = blobs.Resolve(outputRoot);
            var prefix = location.Prefix.Length == 0 || location.Prefix.EndsWith('/') ? location.Prefix : location.Prefix + "/";
            var blob = location.Container.GetBlobClient(prefix + registration.RelativePath);
            try
            {
                await blob.UploadAsync(content, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                return false;
            }
        }

        var path = Path.Combine(LocalPaths.ToFullPath(outputRoot), registration.RelativePath.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            await file.WriteAsync(content.ToMemory(), cancellationToken);
            await file.FlushAsync(cancellationToken);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }
}

/// <summary>Model log messages (event ids 3060–3069).</summary>
internal static partial class ModelLog
{
    [LoggerMessage(3060, LogLevel.Warning, "Model {Model} asked for execution provider {Requested} but runs on CPU: {Reason}")]
    public static partial void ProviderFallback(ILogger logger, string model, string requested, string reason);

    [LoggerMessage(3061, LogLevel.Information, "Model step {Model} ({Sha256}) loaded from {Source} on {Provider}")]
    public static partial void Loaded(ILogger logger, string model, string sha256, string source, string provider);

    [LoggerMessage(3062, LogLevel.Error, "Job {JobId} is left to other silos: its model steps cannot be loaded here")]
    public static partial void ModelsRejected(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(3063, LogLevel.Warning, "Could not write the model registry entry of {Model} under {Output}; retrying with the next job")]
    public static partial void RegistryFailed(ILogger logger, string model, string output, Exception exception);

    [LoggerMessage(3064, LogLevel.Information, "Model {Model} computes its STFT {FrontEnd}{Reason}")]
    public static partial void VadFrontEnd(ILogger logger, string model, string frontEnd, string reason);
}
