using Azure.Storage.Blobs.Specialized;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Storage.Azure;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.Azurite;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Storage.Tests.Azure;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class AzureParquetEndToEndTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ParquetFile_StagedInBlocksAndCommittedIsReadByDuckDb()
    {
        const int rows = 500;
        // Small blocks, so that the file is many blocks whose order matters.
        await using var table = new AzureTableHarness(azurite, new AzureTableStoreOptions { StageBlockBytes = 8 * 1024 });
        var store = table.OpenAzureStore();
        const string fileName = "part-e2e.parquet";
        await using (var stream = await store.CreateStagedFileAsync(fileName))
        {
            await using var writer = await TableFileWriter<SensorWindowRow>.CreateAsync(stream, new ParquetOutputSettings(RowGroupRows: 64));
            await writer.AppendAsync(Enumerable.Range(0, rows).Select(Row).ToList());
            await writer.CompleteAsync();
        }

        await store.SealStagedFileAsync(fileName);
        var outcome = await new TableCommitter(store, TimeProvider.System).CommitFileAsync(
            new FileCommitRequest(fileName, rows, 0, [new LoggedUnit("unit-1", "https://example/raw/s.csv", "0x1", 10, rows, 5000)], "test", "p@1"));
        Assert.True(outcome.Committed);

        var blocks = await table.Container.GetBlockBlobClient(AzureTableHarness.BlobName(fileName)).GetBlockListAsync();
        Assert.True(blocks.Value.CommittedBlocks.Count() > 1);
        using var temp = new TempDirectory();
        var local = temp.Combine(fileName);
        await table.Container.GetBlobClient(AzureTableHarness.BlobName(fileName)).DownloadToAsync(local);
        var result = await DuckDbQuery.QueryAsync(
            $"SELECT count(*) AS n, count(DISTINCT window_id) AS ids, sum(sample_count) AS samples FROM read_parquet({DuckDbQuery.Literal(local)})");

        var row = Assert.Single(result);
        Assert.Equal(rows, row.GetProperty("n").GetInt64());
        Assert.Equal(rows, row.GetProperty("ids").GetInt64());
        Assert.Equal(Enumerable.Range(0, rows).Sum(i => 100 + i), row.GetProperty("samples").GetInt64());
    }

    private static SensorWindowRow Row(int index)
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(10 * index);
        return new SensorWindowRow
        {
            WindowId = $"unit-1-{index}",
            SourceUri = "https://example/raw/s.csv",
            SourceEtag = "0x1",
            SensorId = "s1",
            WindowIndex = index,
            StartTs = start,
            EndTs = start.AddSeconds(10),
            SampleCount = 100 + index,
            ChannelNames = ["co2", "temp"],
            Mean = [400 + index, 20.5],
            Std = [1.5, 0.1],
            Min = [390, 20],
            Max = [410 + index, 21],
            Slope = [0.25, -0.01],
            NullCounts = [0, index % 3],
            PipelineVersion = "p@1",
            IngestedAt = start,
        };
    }
}
