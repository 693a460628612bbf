using System.Globalization;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Storage.Tests.Governance;

/// <summary>A sensor table of committed files, each holding rows of a few sources, built through the real commit protocol.</summary>
internal static class ErasureTable
{
    public const int RowsPerSource = 3;

    public static string SourceUri(int source) => "file:///data/plant/sensor-" + source.ToString("D3", CultureInfo.InvariantCulture) + ".csv";

    public static string ETag(int source) => "\"0x" + source.ToString("X6", CultureInfo.InvariantCulture) + "\"";

    public static string UnitId(int source) => UnitIdentity.Compute(SourceUri(source), ETag(source), 1000 + source);

    /// <summary>Commits one file per group of <paramref name="sourcesPerFile"/> consecutive sources.</summary>
    public static async Task BuildAsync(ITableStore store, TimeProvider time, int files, int sourcesPerFile, SourceUriProtector? protector = null, IKeyEncryptionKey? kek = null)
    {
        var committer = new TableCommitter(store, time);
        for (var file = 0; file < files; file++)
        {
            var sources = Enumerable.Range(file * sourcesPerFile, sourcesPerFile).ToList();
            var name = string.Create(CultureInfo.InvariantCulture, $"part-{file:D5}.parquet") + (kek is null ? "" : EnvelopeEncryption.FileSuffix);
            long bytes;
            await using (var staged = await store.CreateStagedFileAsync(name))
            {
                var stream = kek is null ? staged : new EnvelopeWriteStream(staged, kek, chunkBytes: 4096, leaveOpen: true);
                await using var writer = await TableFileWriter<SensorWindowRow>.CreateAsync(stream, new ParquetOutputSettings(RowGroupRows: 4));
                foreach (var source in sources)
                {
                    for (var window = 0; window < RowsPerSource; window++)
                    {
                        await writer.AppendAsync([Row(source, window, protector)]);
                    }
                }

                await writer.CompleteAsync();
                if (kek is not null)
                {
                    await stream.DisposeAsync();
                }

                await staged.FlushAsync();
                bytes = staged.Length;
            }

            await store.SealStagedFileAsync(name);
            var units = sources.Select(s => new LoggedUnit(UnitId(s), SourceUri(s), ETag(s), 1000 + s, RowsPerSource, 30)).ToList();
            var outcome = await committer.CommitFileAsync(new FileCommitRequest(name, units.Count * RowsPerSource, bytes, units, "test", "p@1"));
            Assert.True(outcome.Committed);
        }
    }

    private static SensorWindowRow Row(int source, int window, SourceUriProtector? protector)
    {
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(window * 10);
        return new SensorWindowRow
        {
            WindowId = string.Create(CultureInfo.InvariantCulture, $"{UnitId(source)}-{window:D6}"),
            SourceUri = protector?.Protect(SourceUri(source)) ?? SourceUri(source),
            SourceEtag = ETag(source),
            SensorId = source % 2 == 0 ? null : "s" + source.ToString(CultureInfo.InvariantCulture),
            WindowIndex = window,
            StartTs = start,
            EndTs = start.AddSeconds(10),
            SampleCount = 10 + window,
            ChannelNames = ["co", "no2"],
            Mean = [source, window],
            Std = [1, 2],
            Min = [0, 0],
            Max = [source + 1, window + 1],
            Slope = [0.5, -0.5],
            NullCounts = [0, window],
            PipelineVersion = "p@1",
            IngestedAt = start,
        };
    }
}
