using OrleansIngest.Processing.Ports;
using OrleansIngest.Storage.Local;

namespace OrleansIngest.Storage;

/// <summary>Maps locations to stores: local paths and <c>file://</c> URIs to the local file system.</summary>
public sealed class StorageResolver : IStorageResolver
{
    private readonly LocalBlobStore _local = new();

    /// <inheritdoc />
    public ITableStore GetTable(string outputRoot, string tableName)
    {
        EnsureSupported(outputRoot);
        return new LocalTableStore(Path.Combine(LocalPaths.ToFullPath(outputRoot), tableName));
    }

    /// <inheritdoc />
    public IBlobStore GetSource(string sourceRoot)
    {
        EnsureSupported(sourceRoot);
        return _local;
    }

    private static void EnsureSupported(string location)
    {
        if (!LocalPaths.IsLocal(location))
        {
            throw new NotSupportedException($"'{location}': only local folders and file:// URIs are supported by this build.");
        }
    }
}
