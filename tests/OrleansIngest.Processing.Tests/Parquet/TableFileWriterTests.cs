using System.Text;
using global::Parquet;
using OrleansIngest.Processing.Parquet;

namespace OrleansIngest.Processing.Tests.Parquet;

[Trait("Category", "Unit")]
public sealed class TableFileWriterTests
{
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("PAR1");

    [Fact]
    public async Task TableFileWriter_WritesARowGroupEachTimeRowGroupRowsAreBuffered()
    {
        using var output = new MemoryStream();
        await using var writer = await TableFileWriter<AudioSegmentRow>.CreateAsync(output, new ParquetOutputSettings(RowGroupRows: 4));
        var rows = ParquetTestRows.AudioRows(9);

        await writer.AppendAsync(rows[..3]);
        Assert.Equal(0, writer.RowGroupCount);
        Assert.Equal(Magic.Length, output.Length);

        await writer.AppendAsync(rows[3..]);
        Assert.Equal(2, writer.RowGroupCount);
        Assert.Equal(9, writer.RowCount);

        await writer.CompleteAsync();
        Assert.Equal(3, writer.RowGroupCount);

        output.Position = 0;
        await using var reader = await ParquetReader.CreateAsync(output, leaveStreamOpen: true);
        Assert.Equal(3, reader.RowGroupCount);
        long[] rowsPerGroup = [.. Enumerable.Range(0, 3).Select(i => reader.OpenRowGroupReader(i).RowCount)];
        Assert.Equal([4L, 4L, 1L], rowsPerGroup);
    }

    [Fact]
    public async Task TableFileWriter_NeverHoldsAFullRowGroupInItsBuffer()
    {
        const int rowGroupRows = 3;
        using var output = new MemoryStream();
        await using var writer = await TableFileWriter<SensorWindowRow>.CreateAsync(output, new ParquetOutputSettings(RowGroupRows: rowGroupRows));

        foreach (var row in ParquetTestRows.SensorRows(10))
        {
            await writer.AppendAsync([row]);
            var buffered = writer.RowCount - (writer.RowGroupCount * rowGroupRows);
            Assert.InRange(buffered, 0, rowGroupRows - 1);
        }

        Assert.Equal(3, writer.RowGroupCount);
    }

    [Fact]
    public async Task TableFileWriter_WritesARowGroupOnceItsRowsReachRowGroupBytes()
    {
        var rows = ParquetTestRows.AudioRows(7);
        var layout = AudioSegmentLayout.Instance;
        var limit = layout.EstimateBytes(rows[0]) + layout.EstimateBytes(rows[1]) + 1; // three rows pass it, two do not
        using var output = new MemoryStream();
        await using var writer = await TableFileWriter<AudioSegmentRow>.CreateAsync(output, new ParquetOutputSettings(RowGroupRows: 100, RowGroupBytes: limit));

        foreach (var row in rows)
        {
            await writer.AppendAsync([row]);
        }

        Assert.Equal(2, writer.RowGroupCount);
        Assert.Equal(7, writer.RowCount);
    }

    [Fact]
    public async Task TableFileWriter_ApproximateBytesCountsBufferedRowsAndEqualsTheFileOnceComplete()
    {
        using var output = new MemoryStream();
        await using var writer = await TableFileWriter<AudioSegmentRow>.CreateAsync(output, new ParquetOutputSettings(RowGroupRows: 2));
        Assert.Equal(Magic.Length, writer.ApproximateBytes);

        var row = ParquetTestRows.Audio(0, frames: 100);
        await writer.AppendAsync([row]);
        Assert.Equal(Magic.Length, output.Length);
        Assert.True(writer.ApproximateBytes > row.LogMel.Length * sizeof(float), $"estimate {writer.ApproximateBytes}");

        await writer.AppendAsync([ParquetTestRows.Audio(1, frames: 100), ParquetTestRows.Audio(2, frames: 100)]);
        var afterOneGroup = output.Length;
        Assert.True(writer.ApproximateBytes > afterOneGroup, "a buffered row adds to the estimate");

        await writer.CompleteAsync();
        Assert.Equal(output.Length, writer.ApproximateBytes);
    }

    [Fact]
    public async Task TableFileWriter_CompletesAReadableFileWithZeroRows()
    {
        using var output = new MemoryStream();
        await using (var writer = await TableFileWriter<SensorWindowRow>.CreateAsync(output, new ParquetOutputSettings()))
        {
            await writer.CompleteAsync();
            Assert.Equal(0, writer.RowCount);
        }

        output.Position = 0;
        await using var reader = await ParquetReader.CreateAsync(output, leaveStreamOpen: true);
        Assert.Equal(0, reader.RowGroupCount);
        Assert.Equal(TableSchemasTests.SensorColumns, reader.Schema.Fields.Select(f => f.Name));
    }

    [Fact]
    public async Task TableFileWriter_RejectsLogMelThatIsNotEightyTimesFramesWithoutBufferingIt()
    {
        using var output = new MemoryStream();
        await using var writer = await TableFileWriter<AudioSegmentRow>.CreateAsync(output, new ParquetOutputSettings());
        var good = ParquetTestRows.Audio(0, frames: 10);
        var bad = good with { LogMelFrames = 11 };

        await Assert.ThrowsAsync<ArgumentException>(async () => await writer.AppendAsync([good, bad]));

        Assert.Equal(0, writer.RowCount);
    }

    [Fact]
    public async Task TableFileWriter_RejectsSensorStatisticsWhoseLengthIsNotTheChannelCount()
    {
        using var output = new MemoryStream();
        await using var writer = await TableFileWriter<SensorWindowRow>.CreateAsync(output, new ParquetOutputSettings());
        var row = ParquetTestRows.Sensor(1, channels: 3) with { Std = [1.0, 2.0] };

        await Assert.ThrowsAsync<ArgumentException>(async () => await writer.AppendAsync([row]));
    }

    [Fact]
    public async Task TableFileWriter_RejectsAppendAfterComplete()
    {
        using var output = new MemoryStream();
        await using var writer = await TableFileWriter<SensorWindowRow>.CreateAsync(output, new ParquetOutputSettings());
        await writer.CompleteAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.AppendAsync(ParquetTestRows.SensorRows(1)));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.CompleteAsync());
    }

    [Fact]
    public async Task TableFileWriter_LeavesTheStreamOpenAfterCompleteAndDispose()
    {
        using var output = new MemoryStream();
        await using (var writer = await TableFileWriter<SensorWindowRow>.CreateAsync(output, new ParquetOutputSettings()))
        {
            await writer.AppendAsync(ParquetTestRows.SensorRows(2));
            await writer.CompleteAsync();
        }

        Assert.True(output.CanWrite);
        Assert.Equal(Magic, output.ToArray()[^4..]);
    }

    [Fact]
    public async Task TableFileWriter_WritesNoFooterWhenDisposedWithoutComplete()
    {
        using var output = new MemoryStream();
        await using (var writer = await TableFileWriter<AudioSegmentRow>.CreateAsync(output, new ParquetOutputSettings(RowGroupRows: 2)))
        {
            await writer.AppendAsync(ParquetTestRows.AudioRows(5));
            Assert.Equal(2, writer.RowGroupCount);
        }

        var bytes = output.ToArray();
        Assert.Equal(Magic, bytes[..4]);
        Assert.NotEqual(Magic, bytes[^4..]);
    }

    [Fact]
    public async Task TableFileWriter_RefusesFurtherWritesAfterAFailedRowGroup()
    {
        using var output = new FailingAfterStream(failAfterBytes: 64);
        await using var writer = await TableFileWriter<AudioSegmentRow>.CreateAsync(output, new ParquetOutputSettings(RowGroupRows: 1));

        await Assert.ThrowsAsync<IOException>(async () => await writer.AppendAsync(ParquetTestRows.AudioRows(1)));

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.AppendAsync(ParquetTestRows.AudioRows(1)));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.CompleteAsync());
    }

    [Fact]
    public async Task TableFileWriter_RejectsRowTypesWithoutATable()
    {
        using var output = new MemoryStream();
        await Assert.ThrowsAsync<NotSupportedException>(() => TableFileWriter<string>.CreateAsync(output, new ParquetOutputSettings()));
    }

    [Fact]
    public async Task TableFileWriter_RejectsInvalidSettings()
    {
        using var output = new MemoryStream();
        await Assert.ThrowsAsync<ArgumentException>(
            () => TableFileWriter<AudioSegmentRow>.CreateAsync(output, new ParquetOutputSettings(Compression: "lzo")));
    }

    /// <summary>A stream that fails once more than a given number of bytes were written.</summary>
    private sealed class FailingAfterStream(long failAfterBytes) : MemoryStream
    {
        // MemoryStream's span and async overloads of a derived type end in this one.
        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Length + count > failAfterBytes)
            {
                throw new IOException("disk full");
            }

            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
    }
}
