using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs.Models;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Storage.Azure;

namespace OrleansIngest.Storage.Governance;

/// <summary>Governance objects under <c>&lt;container&gt;/&lt;prefix&gt;/_ingest/</c>, created with <c>If-None-Match: *</c> (put-if-absent).</summary>
public sealed class AzureGovernanceStore(AzureBlobLocation outputRoot) : IGovernanceStore
{
    private readonly string _prefix = (outputRoot.Prefix.Length == 0 || outputRoot.Prefix.EndsWith('/') ? outputRoot.Prefix : outputRoot.Prefix + "/") + "_ingest/";

    /// <inheritdoc />
    public string RootUri => $"{outputRoot.Container.Uri.AbsoluteUri.TrimEnd('/')}/{_prefix}";

    /// <inheritdoc />
    public async Task<bool> TryCreateAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        try
        {
            await outputRoot.Container.GetBlobClient(_prefix + path).UploadAsync(
                BinaryData.FromBytes(content),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<byte[]?> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        try
        {
            var result = await outputRoot.Container.GetBlobClient(_prefix + path).DownloadContentAsync(cancellationToken);
            return result.Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListAsync(string folder, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var names = new List<string>();
        await foreach (var item in outputRoot.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, _prefix + folder.TrimEnd('/') + "/", cancellationToken))
        {
            names.Add(item.Name[_prefix.Length..]);
        }

        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            yield return name;
        }
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string path, CancellationToken cancellationToken = default) =>
        await outputRoot.Container.GetBlobClient(_prefix + path).DeleteIfExistsAsync(cancellationToken: cancellationToken);
}
