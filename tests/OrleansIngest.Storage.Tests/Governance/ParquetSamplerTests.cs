using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Storage.Local;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Storage.Tests.Governance;

[Trait("Category", "Unit")]
public sealed class ParquetSamplerTests : IDisposable
{
    private readonly TempDirectory _dir = new("sample");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ParquetSampler_ShowsFlatValuesNullsAndListLengths()
    {
        var store = new LocalTableStore(_dir.Combine("sensor_windows"));
        await ErasureTable.BuildAsync(store, new FakeTimeProvider(DateTimeOffset.UnixEpoch), files: 1, sourcesPerFile: 2);
        await using var stream = await store.OpenPublishedFileAsync("part-00000.parquet");

        var rows = await ParquetSampler.ReadAsync(stream, take: 5);

        Assert.Equal(4, rows.Count);
        Assert.Equal(ErasureTable.SourceUri(0), rows[0]["source_uri"]);
        Assert.Null(rows[0]["sensor_id"]);
        Assert.Equal("s1", rows[3]["sensor_id"]);
        Assert.Equal("[2 values]", rows[1]["mean"]);
        Assert.Equal("11", rows[1]["sample_count"]);
    }
}
