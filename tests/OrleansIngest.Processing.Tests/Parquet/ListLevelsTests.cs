using System.Text.Json;
using global::Parquet;
using global::Parquet.Schema;
using OrleansIngest.Processing.Memory;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Processing.Tests.Parquet;

/// <summary>
/// List columns take their levels from pooled arrays that must be given back as they were lent; a row group with null
/// and empty lists followed by others proves that what one row group changed does not leak into the next.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ListLevelsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ListColumn_NullEmptyAndFullListsRoundTripThroughDuckDbAcrossRowGroups()
    {
        float[]?[][] groups =
        [
            [null, [], [1f, 2f, 3f], null, [4f]],
            [[5f, 6f], [7f], [8f, 9f, 10f, 11f]],
            [[], null, [12f]],
            [[13f, 14f, 15f, 16f, 17f, 18f]],
        ];
        var element = new DataField<float>(ListField.ElementName, nullable: false);
        var schema = new ParquetSchema(new ListField("v", element), new DataField<int>("id", nullable: false));
        var path = Path.Combine(_directory.Path, "lists.parquet");
        await using (var file = File.Create(path))
        {
            await using var writer = await ParquetWriter.CreateAsync(schema, file);
            var id = 0;
            foreach (var rows in groups)
            {
                using var rowGroup = writer.CreateRowGroup();
                await ColumnWrites.ListAsync(rowGroup, element, rows, static r => r, CancellationToken.None);
                var ids = Enumerable.Range(id, rows.Length).ToArray();
                id += rows.Length;
                await ColumnWrites.ValuesAsync(rowGroup, (DataField)schema.Fields[1], ids, static i => i, CancellationToken.None);
            }
        }

        var read = await DuckDbQuery.QueryAsync($"SELECT id, v FROM read_parquet({DuckDbQuery.Literal(path)}) ORDER BY id");

        var expected = groups.SelectMany(g => g).ToArray();
        Assert.Equal(expected.Length, read.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var v = read[i].GetProperty("v");
            if (expected[i] is null)
            {
                Assert.Equal(JsonValueKind.Null, v.ValueKind);
            }
            else
            {
                Assert.Equal(expected[i], v.EnumerateArray().Select(x => (float)x.GetDouble()));
            }
        }
    }

    [Fact]
    public void FilledIntArrayPool_LendsArraysHoldingItsValueAndKeepsAtMostItsLimit()
    {
        var pool = new FilledIntArrayPool(7, maxArrays: 2);

        var a = pool.Rent(100);
        var b = pool.Rent(3000);
        var c = pool.Rent(10);
        Assert.All(new[] { a, b, c }, array => Assert.DoesNotContain(array, x => x != 7));
        Assert.True(a.Length >= 100 && b.Length >= 3000 && c.Length >= 10);

        pool.Return(a);
        pool.Return(b);
        pool.Return(c);
        Assert.Equal(2, pool.Count);

        var again = pool.Rent(2000);
        Assert.Same(b, again);
    }
}
