using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Storage.Tests.Commit;

/// <summary>One empty table in some storage, for the store-independent facts of the commit protocol.</summary>
public interface ITableHarness : IAsyncDisposable
{
    /// <summary>A new store instance on the table (as another process would open it).</summary>
    ITableStore OpenStore();

    /// <summary>The data files a plain reader of the table root sees (<c>*.parquet</c>), sorted.</summary>
    Task<IReadOnlyList<string>> PublishedFilesAsync();
}
