using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Storage.Azure;
using OrleansIngest.Storage.Governance;
using OrleansIngest.Storage.Local;

namespace OrleansIngest.Storage;

/// <summary>
/// Maps locations to stores: local paths and <c>file://</c> URIs to the local file system, <c>http(s)://</c> blob
/// URLs to Azure Blob Storage. Azure clients and table stores are created once per container and table.
/// </summary>
public sealed class StorageResolver : IStorageResolver
{
    private readonly LocalBlobStore _local = new();
    private readonly AzureBlobClientFactory _azureClients;
    private readonly AzureBlobStore _azureSource;
    private readonly AzureTableStoreOptions? _tableOptions;
    private readonly ConcurrentDictionary<(string OutputRoot, string Table), ITableStore> _azureTables = new();

    /// <summary>
    /// Creates a resolver. With <paramref name="azure"/> null (or without credentials), local locations work and
    /// a blob URL fails with an error that names the missing setting.
    /// </summary>
    public StorageResolver(AzureStorageSettings? azure = null)
        : this(new AzureBlobClientFactory(azure))
    {
    }

    /// <summary>Creates a resolver that reaches Azure through <paramref name="azureClients"/>.</summary>
    /// <param name="azureClients">Authenticated clients per account and container.</param>
    /// <param name="sourceOptions">Read block size, listing page size and globs of blob sources.</param>
    /// <param name="tableOptions">Block and log-entry sizes of blob tables.</param>
    public StorageResolver(AzureBlobClientFactory azureClients, AzureBlobStoreOptions? sourceOptions = null, AzureTableStoreOptions? tableOptions = null)
    {
        ArgumentNullException.ThrowIfNull(azureClients);
        _azureClients = azureClients;
        _azureSource = new AzureBlobStore(azureClients, sourceOptions);
        _tableOptions = tableOptions;
    }

    /// <inheritdoc />
    public ITableStore GetTable(string outputRoot, string tableName)
    {
        if (AzureBlobClientFactory.IsBlobUrl(outputRoot))
        {
            // One store per table, so that a file staged through it is sealed through the same instance.
            return _azureTables.GetOrAdd((outputRoot, tableName), key => new AzureTableStore(_azureClients.Resolve(key.OutputRoot), key.Table, _tableOptions));
        }

        EnsureLocal(outputRoot);
        return new LocalTableStore(Path.Combine(LocalPaths.ToFullPath(outputRoot), tableName));
    }

    /// <inheritdoc />
    public IGovernanceStore GetGovernanceStore(string outputRoot)
    {
        if (AzureBlobClientFactory.IsBlobUrl(outputRoot))
        {
            return new AzureGovernanceStore(_azureClients.Resolve(outputRoot));
        }

        EnsureLocal(outputRoot);
        return new LocalGovernanceStore(Path.Combine(LocalPaths.ToFullPath(outputRoot), "_ingest"));
    }

    /// <inheritdoc />
    public IBlobStore GetSource(string sourceRoot)
    {
        if (AzureBlobClientFactory.IsBlobUrl(sourceRoot))
        {
            // Fail here, with the missing setting named, rather than at the first listing.
            _azureClients.Resolve(sourceRoot);
            return _azureSource;
        }

        EnsureLocal(sourceRoot);
        return _local;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListTablesAsync(string outputRoot, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (AzureBlobClientFactory.IsBlobUrl(outputRoot))
        {
            var location = _azureClients.Resolve(outputRoot);
            var prefix = location.Prefix.Length == 0 || location.Prefix.EndsWith('/') ? location.Prefix : location.Prefix + "/";
            var folders = new List<string>();
            await foreach (var item in location.Container.GetBlobsByHierarchyAsync(global::Azure.Storage.Blobs.Models.BlobTraits.None, global::Azure.Storage.Blobs.Models.BlobStates.None, "/", prefix, cancellationToken))
            {
                if (item.IsPrefix)
                {
                    folders.Add(item.Prefix[prefix.Length..].TrimEnd('/'));
                }
            }

            foreach (var folder in folders.Order(StringComparer.Ordinal))
            {
                await foreach (var _ in location.Container.GetBlobsAsync(global::Azure.Storage.Blobs.Models.BlobTraits.None, global::Azure.Storage.Blobs.Models.BlobStates.None, $"{prefix}{folder}/_ingest/log/", cancellationToken))
                {
                    yield return folder;
                    break;
                }
            }

            yield break;
        }

        EnsureLocal(outputRoot);
        var root = LocalPaths.ToFullPath(outputRoot);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Output folder '{root}' does not exist.");
        }

        foreach (var dir in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            if (Directory.Exists(Path.Combine(dir, "_ingest", "log")))
            {
                yield return Path.GetFileName(dir);
            }
        }
    }

    private static void EnsureLocal(string location)
    {
        if (!LocalPaths.IsLocal(location))
        {
            throw new NotSupportedException($"'{AzureBlobClientFactory.Redact(location)}': only local folders, file:// URIs and http(s) blob URLs are supported.");
        }
    }
}
