using System.Text.Json;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Tests.Parquet;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Processing.Tests.Models;

/// <summary>Model columns as DuckDB, which shares no code with the writer, reads them.</summary>
[Trait("Category", "Integration")]
public sealed class ModelColumnsParquetTests : IDisposable
{
    private static readonly ModelColumn[] Columns =
    [
        new("emb", ModelColumnKind.FloatList, 3),
        new("cls", ModelColumnKind.FloatList, 2),
        new("cls_label", ModelColumnKind.String),
        new("score", ModelColumnKind.Float),
        new("energy", ModelColumnKind.Double),
        new("count", ModelColumnKind.Int64),
    ];

    private readonly Parquet.TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ModelColumns_FollowTheBuiltInColumnsWithTheirTypesAndNulls()
    {
        var rows = ParquetTestRows.SensorRows(3);
        rows[0] = rows[0] with
        {
            ModelColumns = new Dictionary<string, object?>
            {
                ["emb"] = new[] { 1f, 2f, 3f }, ["cls"] = new[] { 0.25f, 0.75f }, ["cls_label"] = "b", ["score"] = 0.5f, ["energy"] = 2.5, ["count"] = 42L,
            },
        };
        rows[2] = rows[2] with { ModelColumns = new Dictionary<string, object?> { ["score"] = 0.125f } };
        var path = _directory.File("sensor.parquet");
        await using (var stream = File.Create(path))
        {
            await using var writer = await TableFileWriter<SensorWindowRow>.CreateAsync(stream, new ParquetOutputSettings(RowGroupRows: 2), Columns);
            await writer.AppendAsync(rows);
            await writer.CompleteAsync();
        }

        var columns = await DuckDbQuery.QueryAsync($"DESCRIBE SELECT * FROM read_parquet({DuckDbQuery.Literal(path)})");
        var values = await DuckDbQuery.QueryAsync($"SELECT emb, cls, cls_label, score, energy, count FROM read_parquet({DuckDbQuery.Literal(path)}) ORDER BY window_index");

        var names = columns.Select(c => c.GetProperty("column_name").GetString()).ToList();
        Assert.Equal(TableSchemas.GetColumnNames(TableSchemas.SensorWindows), names.Take(names.Count - Columns.Length));
        Assert.Equal(
            [("emb", "FLOAT[]"), ("cls", "FLOAT[]"), ("cls_label", "VARCHAR"), ("score", "FLOAT"), ("energy", "DOUBLE"), ("count", "BIGINT")],
            columns.TakeLast(Columns.Length).Select(c => (c.GetProperty("column_name").GetString(), c.GetProperty("column_type").GetString())));
        Assert.Equal([1.0, 2.0, 3.0], values[0].GetProperty("emb").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal("b", values[0].GetProperty("cls_label").GetString());
        Assert.Equal(42, values[0].GetProperty("count").GetInt64());
        Assert.Equal(2.5, values[0].GetProperty("energy").GetDouble());
        Assert.Equal(JsonValueKind.Null, values[1].GetProperty("emb").ValueKind);
        Assert.Equal(JsonValueKind.Null, values[1].GetProperty("score").ValueKind);
        Assert.Equal(0.125, values[2].GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task ModelColumns_RejectAVectorOfTheWrongLength()
    {
        var row = ParquetTestRows.Sensor(0) with { ModelColumns = new Dictionary<string, object?> { ["emb"] = new[] { 1f } } };
        await using var stream = new MemoryStream();
        await using var writer = await TableFileWriter<SensorWindowRow>.CreateAsync(stream, new ParquetOutputSettings(), Columns);

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await writer.AppendAsync([row]));

        Assert.Contains("'emb'", error.Message, StringComparison.Ordinal);
        Assert.Contains("expects 3 floats, got 1 floats", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelColumns_ThatClashWithABuiltInColumnAreRejected()
    {
        await using var stream = new MemoryStream();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => TableFileWriter<SensorWindowRow>.CreateAsync(stream, new ParquetOutputSettings(), [new ModelColumn("mean", ModelColumnKind.Float)]));

        Assert.Contains("'mean' clashes", error.Message, StringComparison.Ordinal);
    }
}
