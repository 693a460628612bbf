using OrleansIngest.Processing.Ports;
using OrleansIngest.Storage.Local;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Storage.Tests.Commit;

/// <summary>The commit protocol on a local folder.</summary>
[Trait("Category", "Unit")]
public sealed class TableCommitterTests : TableCommitterContract
{
    protected override Task<ITableHarness> CreateTableAsync() => Task.FromResult<ITableHarness>(new LocalTable());

    private sealed class LocalTable : ITableHarness
    {
        private readonly TempDirectory _temp = new();

        private string Root => _temp.Combine("t");

        public ITableStore OpenStore() => new LocalTableStore(Root);

        public Task<IReadOnlyList<string>> PublishedFilesAsync() =>
            Task.FromResult<IReadOnlyList<string>>(Directory.GetFiles(Root, "*.parquet").Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToList());

        public ValueTask DisposeAsync()
        {
            _temp.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
