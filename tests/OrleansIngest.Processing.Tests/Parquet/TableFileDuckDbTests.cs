using System.Text.Json;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Processing.Tests.Parquet;

/// <summary>Reads what <see cref="TableFileWriter{TRow}"/> wrote with DuckDB, which shares no code with it.</summary>
[Trait("Category", "Integration")]
public sealed class TableFileDuckDbTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AudioFile_HasTheContractColumnNamesAndTypesInDuckDb()
    {
        var path = await WriteAsync("audio.parquet", ParquetTestRows.AudioRows(3), new ParquetOutputSettings(RowGroupRows: 2));

        var columns = await DuckDbQuery.QueryAsync($"DESCRIBE SELECT * FROM read_parquet({DuckDbQuery.Literal(path)})");

        (string, string)[] expected =
        [
            ("segment_id", "VARCHAR"), ("source_uri", "VARCHAR"), ("source_etag", "VARCHAR"), ("source_bytes", "BIGINT"),
            ("segment_index", "INTEGER"), ("start_s", "DOUBLE"), ("end_s", "DOUBLE"), ("sample_rate", "INTEGER"),
            ("channels_in", "INTEGER"), ("codec_in", "VARCHAR"), ("log_mel", "FLOAT[]"), ("log_mel_frames", "INTEGER"),
            ("speech_prob_mean", "FLOAT"), ("speech_ratio", "FLOAT"), ("pipeline_version", "VARCHAR"),
            ("model_versions", "VARCHAR"), ("ingested_at", "TIMESTAMP WITH TIME ZONE"),
        ];
        Assert.Equal(expected, columns.Select(c => (c.GetProperty("column_name").GetString()!, c.GetProperty("column_type").GetString()!)));
    }

    [Fact]
    public async Task SensorFile_HasTheContractColumnNamesAndTypesInDuckDb()
    {
        var path = await WriteAsync("sensor.parquet", ParquetTestRows.SensorRows(3), new ParquetOutputSettings(RowGroupRows: 2));

        var columns = await DuckDbQuery.QueryAsync($"DESCRIBE SELECT * FROM read_parquet({DuckDbQuery.Literal(path)})");

        (string, string)[] expected =
        [
            ("window_id", "VARCHAR"), ("source_uri", "VARCHAR"), ("source_etag", "VARCHAR"), ("sensor_id", "VARCHAR"),
            ("window_index", "INTEGER"), ("start_ts", "TIMESTAMP WITH TIME ZONE"), ("end_ts", "TIMESTAMP WITH TIME ZONE"),
            ("sample_count", "INTEGER"), ("channel_names", "VARCHAR[]"), ("mean", "DOUBLE[]"), ("std", "DOUBLE[]"),
            ("min", "DOUBLE[]"), ("max", "DOUBLE[]"), ("slope", "DOUBLE[]"), ("null_counts", "INTEGER[]"), ("pipeline_version", "VARCHAR"),
            ("ingested_at", "TIMESTAMP WITH TIME ZONE"),
        ];
        Assert.Equal(expected, columns.Select(c => (c.GetProperty("column_name").GetString()!, c.GetProperty("column_type").GetString()!)));
    }

    [Fact]
    public async Task AudioFile_RoundTripsEveryValueAcrossSeveralRowGroups()
    {
        var rows = ParquetTestRows.AudioRows(7, frames: 12);
        var path = await WriteAsync("audio.parquet", rows, new ParquetOutputSettings(RowGroupRows: 3));
        var file = DuckDbQuery.Literal(path);

        var groups = await DuckDbQuery.QueryAsync($"SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata({file})");
        Assert.Equal(3, groups[0].GetProperty("n").GetInt32());

        var read = await DuckDbQuery.QueryAsync($"SELECT * FROM read_parquet({file}) ORDER BY segment_index, segment_id");
        Assert.Equal(rows.Length, read.Length);
        var byId = read.ToDictionary(r => r.GetProperty("segment_id").GetString()!);
        foreach (var row in rows)
        {
            var actual = byId[row.SegmentId];
            Assert.Equal(row.SourceUri, actual.GetProperty("source_uri").GetString());
            Assert.Equal(row.SourceEtag, actual.GetProperty("source_etag").GetString());
            Assert.Equal(row.SourceBytes, actual.GetProperty("source_bytes").GetInt64());
            Assert.Equal(row.SegmentIndex, actual.GetProperty("segment_index").GetInt32());
            Assert.Equal(row.StartS, actual.GetProperty("start_s").GetDouble());
            Assert.Equal(row.EndS, actual.GetProperty("end_s").GetDouble());
            Assert.Equal(row.SampleRate, actual.GetProperty("sample_rate").GetInt32());
            Assert.Equal(row.ChannelsIn, actual.GetProperty("channels_in").GetInt32());
            Assert.Equal(row.CodecIn, actual.GetProperty("codec_in").GetString());
            Assert.Equal(row.LogMelFrames, actual.GetProperty("log_mel_frames").GetInt32());
            Assert.Equal(ParquetTestRows.StoredLogMel(row), actual.GetProperty("log_mel").EnumerateArray().Select(v => (float)v.GetDouble()));
            Assert.Equal(row.SpeechProbMean, (float)actual.GetProperty("speech_prob_mean").GetDouble());
            Assert.Equal(row.SpeechRatio, (float)actual.GetProperty("speech_ratio").GetDouble());
            Assert.Equal(row.PipelineVersion, actual.GetProperty("pipeline_version").GetString());
            Assert.Equal(row.ModelVersions, actual.GetProperty("model_versions").GetString());
            Assert.Equal(row.IngestedAt, DateTimeOffset.Parse(actual.GetProperty("ingested_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task AudioFile_KeepsThirtySecondLogMelListsWhole()
    {
        const int frames = 3000;
        var rows = ParquetTestRows.AudioRows(3, frames);
        var path = await WriteAsync("audio-30s.parquet", rows, new ParquetOutputSettings(RowGroupRows: 2));

        var read = await DuckDbQuery.QueryAsync(
            $"SELECT segment_id, len(log_mel) AS n, log_mel[1] AS first, log_mel[12345] AS middle, log_mel[-1] AS last, " +
            $"log_mel_frames FROM read_parquet({DuckDbQuery.Literal(path)}) ORDER BY segment_id");

        Assert.Equal(3, read.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(rows[i].SegmentId, read[i].GetProperty("segment_id").GetString());
            Assert.Equal(80 * frames, read[i].GetProperty("n").GetInt32());
            Assert.Equal(80 * read[i].GetProperty("log_mel_frames").GetInt32(), read[i].GetProperty("n").GetInt32());
            var stored = ParquetTestRows.StoredLogMel(rows[i]);
            Assert.Equal(stored[0], (float)read[i].GetProperty("first").GetDouble());
            Assert.Equal(stored[12344], (float)read[i].GetProperty("middle").GetDouble());
            Assert.Equal(stored[^1], (float)read[i].GetProperty("last").GetDouble());
        }
    }

    [Fact]
    public async Task AudioFile_StoresIngestedAtAsTheUtcInstant()
    {
        var path = await WriteAsync("audio.parquet", ParquetTestRows.AudioRows(1), new ParquetOutputSettings());

        var read = await DuckDbQuery.QueryAsync(
            $"SELECT ingested_at, epoch_us(ingested_at) AS us FROM read_parquet({DuckDbQuery.Literal(path)})");

        Assert.Equal(ParquetTestRows.IngestedAtUtcIso, read[0].GetProperty("ingested_at").GetString());
        var expectedMicros = (ParquetTestRows.IngestedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        Assert.Equal(expectedMicros, read[0].GetProperty("us").GetInt64());
    }

    [Fact]
    public async Task SensorFile_RoundTripsListsTimestampsAndNullSensorIds()
    {
        SensorWindowRow[] rows = [.. ParquetTestRows.SensorRows(5), ParquetTestRows.Sensor(5, channels: 0)];
        var path = await WriteAsync("sensor.parquet", rows, new ParquetOutputSettings(RowGroupRows: 4));
        var file = DuckDbQuery.Literal(path);

        var groups = await DuckDbQuery.QueryAsync($"SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata({file})");
        Assert.Equal(2, groups[0].GetProperty("n").GetInt32());

        var read = await DuckDbQuery.QueryAsync($"SELECT * FROM read_parquet({file}) ORDER BY window_id");
        Assert.Equal(rows.Length, read.Length);
        foreach (var row in rows)
        {
            var actual = read.Single(r => r.GetProperty("window_id").GetString() == row.WindowId);
            Assert.Equal(row.SourceUri, actual.GetProperty("source_uri").GetString());
            Assert.Equal(row.SourceEtag, actual.GetProperty("source_etag").GetString());
            if (row.SensorId is null)
            {
                Assert.Equal(JsonValueKind.Null, actual.GetProperty("sensor_id").ValueKind);
            }
            else
            {
                Assert.Equal(row.SensorId, actual.GetProperty("sensor_id").GetString());
            }

            Assert.Equal(row.WindowIndex, actual.GetProperty("window_index").GetInt32());
            Assert.Equal(row.StartTs, ParseInstant(actual.GetProperty("start_ts")));
            Assert.Equal(row.EndTs, ParseInstant(actual.GetProperty("end_ts")));
            Assert.Equal(row.SampleCount, actual.GetProperty("sample_count").GetInt32());
            Assert.Equal(row.ChannelNames, actual.GetProperty("channel_names").EnumerateArray().Select(v => v.GetString()));
            Assert.Equal(row.Mean, Doubles(actual.GetProperty("mean")));
            Assert.Equal(row.Std, Doubles(actual.GetProperty("std")));
            Assert.Equal(row.Min, Doubles(actual.GetProperty("min")));
            Assert.Equal(row.Max, Doubles(actual.GetProperty("max")));
            Assert.Equal(row.Slope, actual.GetProperty("slope").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? double.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : v.GetDouble()));
            Assert.Equal(row.NullCounts, actual.GetProperty("null_counts").EnumerateArray().Select(v => v.GetInt32()));
            Assert.Equal(row.PipelineVersion, actual.GetProperty("pipeline_version").GetString());
            Assert.Equal(row.IngestedAt, ParseInstant(actual.GetProperty("ingested_at")));
        }

        var nulls = await DuckDbQuery.QueryAsync($"SELECT count(*) AS n FROM read_parquet({file}) WHERE sensor_id IS NULL");
        Assert.Equal(rows.Count(r => r.SensorId is null), nulls[0].GetProperty("n").GetInt32());
    }

    [Theory]
    [InlineData("zstd", "ZSTD")]
    [InlineData("snappy", "SNAPPY")]
    public async Task TableFile_CompressesEveryColumnWithTheConfiguredCodec(string compression, string expected)
    {
        var path = await WriteAsync("audio.parquet", ParquetTestRows.AudioRows(4), new ParquetOutputSettings(RowGroupRows: 2, Compression: compression));

        var codecs = await DuckDbQuery.QueryAsync(
            $"SELECT DISTINCT compression FROM parquet_metadata({DuckDbQuery.Literal(path)})");

        Assert.Equal([expected], codecs.Select(c => c.GetProperty("compression").GetString()));
    }

    [Theory]
    [InlineData(true, "BYTE_STREAM_SPLIT")]
    [InlineData(false, "PLAIN")]
    public async Task AudioFile_EncodesLogMelAsConfiguredAndReadsBackExactly(bool byteStreamSplit, string expectedEncoding)
    {
        var rows = ParquetTestRows.AudioRows(2, frames: 5);
        var path = await WriteAsync("audio.parquet", rows, new ParquetOutputSettings(ByteStreamSplitFloats: byteStreamSplit, LogMelMantissaBits: 23));
        var file = DuckDbQuery.Literal(path);

        var encodings = await DuckDbQuery.QueryAsync(
            $"SELECT encodings FROM parquet_metadata({file}) WHERE path_in_schema LIKE 'log_mel%'");
        Assert.Contains(expectedEncoding, encodings[0].GetProperty("encodings").GetString(), StringComparison.Ordinal);

        var read = await DuckDbQuery.QueryAsync($"SELECT log_mel FROM read_parquet({file}) ORDER BY segment_id");
        Assert.Equal(rows[0].LogMel, read[0].GetProperty("log_mel").EnumerateArray().Select(v => (float)v.GetDouble()));
        Assert.Equal(rows[1].LogMel, read[1].GetProperty("log_mel").EnumerateArray().Select(v => (float)v.GetDouble()));
    }

    [Fact]
    public async Task AudioFile_StoresLogMelRoundedToFifteenMantissaBitsByDefaultSaysSoInTheFooterAndIsSmaller()
    {
        var rows = ParquetTestRows.AudioRows(4, frames: 300);
        var rounded = await WriteAsync("rounded.parquet", rows, new ParquetOutputSettings());
        var exact = await WriteAsync("exact.parquet", rows, new ParquetOutputSettings(LogMelMantissaBits: 23));

        var read = await DuckDbQuery.QueryAsync($"SELECT log_mel FROM read_parquet({DuckDbQuery.Literal(rounded)}) ORDER BY segment_id");
        for (var i = 0; i < rows.Length; i++)
        {
            var stored = read[i].GetProperty("log_mel").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            Assert.Equal(rows[i].LogMel.Select(v => MantissaRounding.Round(v, 15)), stored);
            Assert.All(rows[i].LogMel.Zip(stored), p => Assert.True(Math.Abs(p.First - p.Second) <= Math.Abs(p.First) * Math.Pow(2, -16)));
        }

        // The rows' own arrays are left as computed.
        Assert.Equal(ParquetTestRows.Audio(0, frames: 300).LogMel, rows[0].LogMel);

        foreach (var (path, bits) in new[] { (rounded, "15"), (exact, "23") })
        {
            var metadata = await DuckDbQuery.QueryAsync(
                $"SELECT decode(value) AS value FROM parquet_kv_metadata({DuckDbQuery.Literal(path)}) WHERE decode(key) = '{AudioSegmentLayout.LogMelMantissaBitsKey}'");
            Assert.Equal(bits, Assert.Single(metadata).GetProperty("value").GetString());
        }

        Assert.True(new FileInfo(rounded).Length < new FileInfo(exact).Length * 0.85, $"{new FileInfo(rounded).Length} vs {new FileInfo(exact).Length} bytes");
    }

    [Fact]
    public async Task ZeroRowFile_IsReadableWithItsSchema()
    {
        var path = await WriteAsync<AudioSegmentRow>("empty.parquet", [], new ParquetOutputSettings());
        var file = DuckDbQuery.Literal(path);

        var count = await DuckDbQuery.QueryAsync($"SELECT count(*) AS n FROM read_parquet({file})");
        var columns = await DuckDbQuery.QueryAsync($"DESCRIBE SELECT * FROM read_parquet({file})");

        Assert.Equal(0, count[0].GetProperty("n").GetInt32());
        Assert.Equal(TableSchemasTests.AudioColumns, columns.Select(c => c.GetProperty("column_name").GetString()));
    }

    [Fact]
    public async Task TableFile_WrittenThroughANonSeekableStreamIsReadable()
    {
        var rows = ParquetTestRows.SensorRows(5);
        var path = _directory.File("forward-only.parquet");
        await using (var file = File.Create(path))
        {
            await using var forwardOnly = new ForwardOnlyStream(file);
            await using var writer = await TableFileWriter<SensorWindowRow>.CreateAsync(forwardOnly, new ParquetOutputSettings(RowGroupRows: 2));
            await writer.AppendAsync(rows);
            await writer.CompleteAsync();
        }

        var read = await DuckDbQuery.QueryAsync(
            $"SELECT count(*) AS n, sum(sample_count) AS samples FROM read_parquet({DuckDbQuery.Literal(path)})");

        Assert.Equal(rows.Length, read[0].GetProperty("n").GetInt32());
        Assert.Equal(rows.Sum(r => r.SampleCount), read[0].GetProperty("samples").GetInt32());
    }

    private async Task<string> WriteAsync<TRow>(string name, IReadOnlyList<TRow> rows, ParquetOutputSettings settings)
        where TRow : class
    {
        var path = _directory.File(name);
        await using var file = File.Create(path);
        await using var writer = await TableFileWriter<TRow>.CreateAsync(file, settings);

        // Appending in uneven batches checks that row groups do not follow the caller's batching.
        for (var start = 0; start < rows.Count; start += 2)
        {
            await writer.AppendAsync([.. rows.Skip(start).Take(2)]);
        }

        await writer.CompleteAsync();
        return path;
    }

    private static DateTimeOffset ParseInstant(JsonElement value)
    {
        var text = value.GetString()!;
        Assert.EndsWith("Z", text, StringComparison.Ordinal);
        return DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static IEnumerable<double> Doubles(JsonElement array) => array.EnumerateArray().Select(v => v.GetDouble());

    /// <summary>A stream that cannot seek or report a position, like an upload stream.</summary>
    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
