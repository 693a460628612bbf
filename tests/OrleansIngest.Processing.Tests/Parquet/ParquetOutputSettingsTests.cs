using System.IO.Compression;
using OrleansIngest.Processing.Parquet;

namespace OrleansIngest.Processing.Tests.Parquet;

[Trait("Category", "Unit")]
public sealed class ParquetOutputSettingsTests
{
    [Fact]
    public void ParquetOutputSettings_DefaultsToZstdFastest3MiBRowGroups256MiBFilesAndFifteenBitLogMel()
    {
        var settings = new ParquetOutputSettings();

        Assert.Equal(256L * 1024 * 1024, settings.TargetFileBytes);
        Assert.Equal(122_880, settings.RowGroupRows);
        Assert.Equal(3L * 1024 * 1024, settings.RowGroupBytes);
        Assert.Equal("zstd", settings.Compression);
        Assert.Equal(CompressionLevel.Fastest, settings.CompressionLevel);
        Assert.True(settings.ByteStreamSplitFloats);
        Assert.Equal(15, settings.LogMelMantissaBits);
        settings.Validate();
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("ZSTD")]
    [InlineData("snappy")]
    [InlineData("gzip")]
    [InlineData("lz4")]
    [InlineData("brotli")]
    [InlineData("none")]
    public void ParquetOutputSettings_AcceptsEveryListedCodec(string compression)
    {
        new ParquetOutputSettings(Compression: compression).Validate();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(24)]
    public void ParquetOutputSettings_RejectsLogMelMantissaBitsOutsideOneToTwentyThree(int bits)
    {
        var exception = Assert.Throws<ArgumentException>(() => new ParquetOutputSettings(LogMelMantissaBits: bits).Validate());
        Assert.Equal(nameof(ParquetOutputSettings.LogMelMantissaBits), exception.ParamName);
    }

    [Fact]
    public void ParquetOutputSettings_RejectsUnknownCodec()
    {
        var exception = Assert.Throws<ArgumentException>(() => new ParquetOutputSettings(Compression: "lzo").Validate());
        Assert.Contains("lzo", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void ParquetOutputSettings_RejectsRowGroupRowsBelowOne(int rows)
    {
        Assert.Throws<ArgumentException>(() => new ParquetOutputSettings(RowGroupRows: rows).Validate());
    }

    [Fact]
    public void ParquetOutputSettings_RejectsNonPositiveTargetFileBytes()
    {
        Assert.Throws<ArgumentException>(() => new ParquetOutputSettings(TargetFileBytes: 0).Validate());
    }
}
