using OrleansIngest.Processing.Features;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Tests.Parquet;

namespace OrleansIngest.Processing.Tests.Features;

[Trait("Category", "Unit")]
public sealed class LogMelBufferPoolTests
{
    [Fact]
    public void Rent_HandsBackAReturnedArrayOfThatExactLength()
    {
        var pool = new LogMelBufferPool(4);
        var returned = new float[800];
        pool.Return(returned);

        Assert.Same(returned, pool.Rent(800));
        Assert.Equal(0, pool.Held);
    }

    [Fact]
    public void Rent_NeverHandsOutAnArrayOfAnotherLength()
    {
        var pool = new LogMelBufferPool(4);
        pool.Return(new float[800]);

        var rented = pool.Rent(880);

        Assert.Equal(880, rented.Length);
        Assert.Equal(1, pool.Held);
    }

    [Fact]
    public void Return_KeepsNoMoreThanMaxArrays()
    {
        var pool = new LogMelBufferPool(2);
        pool.Return(new float[80]);
        pool.Return(new float[80]);
        pool.Return(new float[80]);

        Assert.Equal(2, pool.Held);
        var first = pool.Rent(80);
        var second = pool.Rent(80);
        var third = pool.Rent(80);
        Assert.NotSame(first, second);
        Assert.Equal(0, pool.Held);
        Assert.NotSame(first, third);
        Assert.NotSame(second, third);
    }

    // Lengths no pipeline test produces (80 × 1,237 and 80 × 1,239 frames), so other tests sharing the pool cannot take them.
    [Fact]
    public async Task TableFileWriter_ReturnsAPooledRowsLogMelOnlyOnceItsRowGroupIsWritten()
    {
        const int frames = 1_237;
        using var output = new MemoryStream();
        await using var writer = await TableFileWriter<AudioSegmentRow>.CreateAsync(output, new ParquetOutputSettings(RowGroupRows: 2));
        var pooled = Pooled(ParquetTestRows.Audio(0, frames));

        var second = Pooled(ParquetTestRows.Audio(1, frames));

        await writer.AppendAsync([pooled]);
        var whileBuffered = LogMelBufferPool.Shared.Rent(AudioSegmentRow.MelBands * frames);
        await writer.AppendAsync([second]);
        float[][] afterWrite = [LogMelBufferPool.Shared.Rent(AudioSegmentRow.MelBands * frames), LogMelBufferPool.Shared.Rent(AudioSegmentRow.MelBands * frames)];

        Assert.Equal(1, writer.RowGroupCount);
        Assert.NotSame(pooled.LogMel, whileBuffered);
        Assert.NotSame(second.LogMel, whileBuffered);
        Assert.Contains(afterWrite, a => ReferenceEquals(a, pooled.LogMel));
        Assert.Contains(afterWrite, a => ReferenceEquals(a, second.LogMel));
    }

    [Fact]
    public async Task TableFileWriter_LeavesTheLogMelOfARowThatDidNotBorrowItAlone()
    {
        const int frames = 1_239;
        using var output = new MemoryStream();
        await using var writer = await TableFileWriter<AudioSegmentRow>.CreateAsync(output, new ParquetOutputSettings(RowGroupRows: 1));
        var row = ParquetTestRows.Audio(0, frames);

        await writer.AppendAsync([row]);

        Assert.Equal(1, writer.RowGroupCount);
        Assert.NotSame(row.LogMel, LogMelBufferPool.Shared.Rent(AudioSegmentRow.MelBands * frames));
    }

    private static AudioSegmentRow Pooled(AudioSegmentRow row) => row with { LogMelPooled = true };
}
