using System.IO.Compression;
using global::Parquet;

namespace OrleansIngest.Processing.Parquet;

/// <summary>
/// How table files are written. A plain record with defaults so that the host can map its options onto it.
/// </summary>
/// <param name="TargetFileBytes">
/// Size at which callers roll to a new file (compare with <see cref="TableFileWriter{TRow}.ApproximateBytes"/>).
/// Default 256 MiB: large enough for efficient scans, small enough to commit often.
/// </param>
/// <param name="RowGroupRows">
/// Rows per row group at most, and the most rows a writer buffers. Default <see cref="DefaultRowGroupRows"/>
/// (DuckDB's row group size): only a cap for tables of tiny rows, since <paramref name="RowGroupBytes"/> closes
/// row groups first.
/// </param>
/// <param name="Compression">
/// Codec: <c>zstd</c> (default), <c>snappy</c>, <c>gzip</c>, <c>lz4</c> (LZ4_RAW), <c>brotli</c> or <c>none</c>.
/// Snappy is cheaper on CPU but leaves log-mel uncompressed (96 of 96 MB); zstd gives the smallest files.
/// </param>
/// <param name="CompressionLevel">
/// Level for codecs that have one. Default <see cref="CompressionLevel.Fastest"/> (zstd level 1): on log-mel,
/// <see cref="CompressionLevel.Optimal"/> (zstd 3) costs more CPU for no smaller file, and
/// <see cref="CompressionLevel.SmallestSize"/> (zstd 19, Parquet.Net's own default) writes at a few MB/s.
/// </param>
/// <param name="ByteStreamSplitFloats">
/// Encode float and double list elements (log-mel, statistics) as BYTE_STREAM_SPLIT instead of PLAIN. Default on:
/// with zstd, grouping the sign/exponent bytes apart from the noisy mantissa bytes makes log-mel files ~12% smaller
/// (77 vs 88 MB per 96 MB of floats) at the same CPU cost; DuckDB, Arrow and Spark decode it.
/// </param>
/// <param name="RowGroupBytes">
/// A row group is also written once its buffered rows' estimated raw size reaches this many bytes (0: rows only).
/// Default <see cref="DefaultRowGroupBytes"/> (3 MiB): four 30 s log-mel rows, whose page buffers (values, levels,
/// encoded and compressed page) are then 4 MB each instead of 8–16 MB at eight rows; a few thousand sensor windows.
/// </param>
/// <param name="LogMelMantissaBits">
/// Mantissa bits of float32 kept when log-mel is stored (<see cref="MantissaRounding"/>): 23 stores the computed values
/// exactly; the default, 15, rounds each to within a relative 2^−16 (1.5e-5 for |x| &lt; 2), which makes the low byte
/// of every value zero: log-mel files ~30% smaller and cheaper to compress. Other float columns are always exact.
/// </param>
public sealed record ParquetOutputSettings(
    long TargetFileBytes = 256L * 1024 * 1024,
    int RowGroupRows = ParquetOutputSettings.DefaultRowGroupRows,
    string Compression = "zstd",
    CompressionLevel CompressionLevel = CompressionLevel.Fastest,
    bool ByteStreamSplitFloats = true,
    long RowGroupBytes = ParquetOutputSettings.DefaultRowGroupBytes,
    int LogMelMantissaBits = MantissaRounding.DefaultLogMelMantissaBits)
{
    /// <summary>Default <see cref="RowGroupRows"/>: 122,880, DuckDB's row group size.</summary>
    public const int DefaultRowGroupRows = 122_880;

    /// <summary>Default <see cref="RowGroupBytes"/>: 3 MiB.</summary>
    public const long DefaultRowGroupBytes = 3L * 1024 * 1024;

    /// <summary>The codec names <see cref="Compression"/> accepts.</summary>
    public static IReadOnlyList<string> SupportedCompressions { get; } = ["zstd", "snappy", "gzip", "lz4", "brotli", "none"];

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range or unknown.</summary>
    public void Validate()
    {
        if (TargetFileBytes <= 0)
        {
            throw new ArgumentException($"{nameof(TargetFileBytes)} must be positive, was {TargetFileBytes}.", nameof(TargetFileBytes));
        }

        if (RowGroupRows <= 0)
        {
            throw new ArgumentException($"{nameof(RowGroupRows)} must be positive, was {RowGroupRows}.", nameof(RowGroupRows));
        }

        if (RowGroupBytes < 0)
        {
            throw new ArgumentException($"{nameof(RowGroupBytes)} must not be negative, was {RowGroupBytes}.", nameof(RowGroupBytes));
        }

        if (!MantissaRounding.IsValidBitCount(LogMelMantissaBits))
        {
            throw new ArgumentException($"{nameof(LogMelMantissaBits)} must be between 1 and {MantissaRounding.FullMantissaBits} (23 keeps log-mel exact), was {LogMelMantissaBits}.", nameof(LogMelMantissaBits));
        }

        if (!Enum.IsDefined(CompressionLevel))
        {
            throw new ArgumentException($"{nameof(CompressionLevel)} {CompressionLevel} is not a defined level.", nameof(CompressionLevel));
        }

        _ = ToCompressionMethod(Compression);
    }

    /// <summary>Maps the settings onto Parquet.Net's options.</summary>
    internal ParquetOptions ToParquetOptions()
    {
        Validate();
        return new ParquetOptions
        {
            CompressionMethod = ToCompressionMethod(Compression),
            CompressionLevel = CompressionLevel,
        };
    }

    private static CompressionMethod ToCompressionMethod(string? compression) =>
        compression?.ToUpperInvariant() switch
        {
            "ZSTD" => CompressionMethod.Zstd,
            "SNAPPY" => CompressionMethod.Snappy,
            "GZIP" => CompressionMethod.Gzip,
            // Hadoop-framed LZ4 is deprecated in the Parquet format; LZ4_RAW is what readers expect.
            "LZ4" => CompressionMethod.Lz4Raw,
            "BROTLI" => CompressionMethod.Brotli,
            "NONE" or "UNCOMPRESSED" => CompressionMethod.None,
            _ => throw new ArgumentException(
                $"Unknown compression '{compression}'; use one of {string.Join(", ", SupportedCompressions)}.",
                nameof(Compression)),
        };
}
