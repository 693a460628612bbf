using System.Text.Json;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Integration.Tests;

/// <summary>
/// The CLI end to end on a generated corpus: ingest on the embedded silo, then check the output with an
/// independent reader (DuckDB) and the commit log (status --json). One corpus and one output are shared by the
/// facts below, in order, because an ingest is the expensive part.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EmbeddedIngestTests : IClassFixture<EmbeddedIngestTests.IngestedCorpus>
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(8);
    private readonly IngestedCorpus _corpus;

    public EmbeddedIngestTests(IngestedCorpus corpus) => _corpus = corpus;

    public sealed class IngestedCorpus : IAsyncLifetime
    {
        public TempDirectory Temp { get; } = new("oi-e2e");
        public CorpusManifest Manifest { get; private set; } = null!;
        public CliRunner.Result FirstRun { get; private set; } = null!;
        public string Source => Temp.Combine("corpus");
        public string Output => Temp.Combine("out");

        public async Task InitializeAsync()
        {
            Manifest = CorpusGenerator.Generate(Source, new CorpusSettings(AudioMinutes: 2.5, SensorFiles: 3, BadFiles: 7, Seed: 11));
            FirstRun = await CliRunner.RunAsync(CliTimeout, "ingest", "--source", Source, "--output", Output);
        }

        public Task DisposeAsync()
        {
            Temp.Dispose();
            return Task.CompletedTask;
        }

        public string UriOf(CorpusFile file) => new Uri(Path.Combine(Source, file.RelativePath)).AbsoluteUri;
    }

    [Fact]
    public void Ingest_ExitsZeroAndSummarisesTheRun()
    {
        Assert.True(_corpus.FirstRun.ExitCode == 0, _corpus.FirstRun.ToString());
        Assert.Contains("completed", _corpus.FirstRun.Stdout, StringComparison.Ordinal);
        Assert.Contains("quarantined", _corpus.FirstRun.Stdout, StringComparison.Ordinal);
        Assert.Contains("real time", _corpus.FirstRun.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_EveryGoodAudioFileIsPresentOnceWithOneRowPer30sSegment()
    {
        var rows = await DuckDbQuery.QueryAsync(
            $"SELECT source_uri, count(*) AS n, count(DISTINCT segment_index) AS distinct_segments, min(segment_index) AS first, max(segment_index) AS last, " +
            $"bool_and(len(log_mel) = 80 * log_mel_frames) AS shapes_ok, bool_and(sample_rate = 16000) AS rate_ok, sum(end_s - start_s) AS seconds " +
            $"FROM read_parquet('{_corpus.Output}/audio_segments/*.parquet') GROUP BY source_uri");
        var byUri = rows.ToDictionary(r => r.GetProperty("source_uri").GetString()!);
        var audio = _corpus.Manifest.OfKind(CorpusFileKind.Audio).ToList();

        Assert.Equal(audio.Count, byUri.Count);
        foreach (var file in audio)
        {
            var row = byUri[_corpus.UriOf(file)];
            var expectedSegments = (int)Math.Ceiling(file.DurationSeconds!.Value / 30.0 - 1e-9);
            Assert.Equal(expectedSegments, row.GetProperty("n").GetInt64());
            Assert.Equal(expectedSegments, row.GetProperty("distinct_segments").GetInt64());
            Assert.Equal(0, row.GetProperty("first").GetInt64());
            Assert.True(row.GetProperty("shapes_ok").GetBoolean());
            Assert.True(row.GetProperty("rate_ok").GetBoolean());
            Assert.Equal(file.DurationSeconds.Value, row.GetProperty("seconds").GetDouble(), 0.01);
        }
    }

    [Fact]
    public async Task Ingest_EverySensorFileHasItsWindows()
    {
        var rows = await DuckDbQuery.QueryAsync(
            $"SELECT source_uri, count(*) AS n, count(DISTINCT window_id) AS ids FROM read_parquet('{_corpus.Output}/sensor_windows/*.parquet') GROUP BY source_uri");
        var byUri = rows.ToDictionary(r => r.GetProperty("source_uri").GetString()!);
        var sensors = _corpus.Manifest.OfKind(CorpusFileKind.Sensor).ToList();

        Assert.Equal(sensors.Count, byUri.Count);
        foreach (var file in sensors)
        {
            var row = byUri[_corpus.UriOf(file)];
            Assert.Equal(file.WindowCount!.Value, row.GetProperty("n").GetInt64());
            Assert.Equal(row.GetProperty("n").GetInt64(), row.GetProperty("ids").GetInt64());
        }
    }

    [Fact]
    public async Task Ingest_SensorRowGroupsCloseBySizeNotAtAFewWindows()
    {
        // Sensor windows are ~0.5 KB: the default 3 MiB row group holds thousands, so each of this corpus's files
        // is one row group. A cap of a few rows would leave scanners thousands of tiny row groups on real data.
        var groups = await DuckDbQuery.QueryAsync(
            $"SELECT file_name, count(DISTINCT row_group_id) AS row_groups, max(row_group_num_rows) AS largest " +
            $"FROM parquet_metadata('{_corpus.Output}/sensor_windows/*.parquet') GROUP BY file_name");
        var windows = _corpus.Manifest.OfKind(CorpusFileKind.Sensor).Sum(f => f.WindowCount!.Value);

        Assert.NotEmpty(groups);
        Assert.True(windows > 8, $"The corpus needs more than 8 sensor windows to show this, has {windows}.");
        Assert.All(groups, g => Assert.Equal(1, g.GetProperty("row_groups").GetInt64()));
        Assert.True(groups.Max(g => g.GetProperty("largest").GetInt64()) > 8, string.Join("; ", groups));
    }

    [Fact]
    public async Task Status_ReportsExactlyTheBadFilesAsQuarantinedWithSpecificReasons()
    {
        var status = await StatusAsync();
        var quarantined = status.GetProperty("tables").EnumerateArray()
            .SelectMany(t => t.GetProperty("quarantined").EnumerateArray())
            .ToDictionary(q => q.GetProperty("source_uri").GetString()!, q => q.GetProperty("reason").GetString()!);
        var bad = _corpus.Manifest.OfKind(CorpusFileKind.Bad).ToList();

        Assert.Equal(bad.Select(_corpus.UriOf).Order(), quarantined.Keys.Order());
        foreach (var file in bad)
        {
            Assert.Contains(file.ReasonKeyword!, quarantined[_corpus.UriOf(file)], StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Status_CountsMatchTheIndependentReader()
    {
        var status = await StatusAsync();
        foreach (var table in status.GetProperty("tables").EnumerateArray())
        {
            var name = table.GetProperty("name").GetString()!;
            var counted = await DuckDbQuery.QueryAsync($"SELECT count(*) AS n FROM read_parquet('{_corpus.Output}/{name}/*.parquet')");
            Assert.Equal(table.GetProperty("rows").GetInt64(), counted[0].GetProperty("n").GetInt64());
            var files = Directory.GetFiles(Path.Combine(_corpus.Output, name), "*.parquet").Length;
            Assert.Equal(table.GetProperty("files").GetInt32(), files);
        }

        var audio = status.GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "audio_segments");
        Assert.Equal(_corpus.Manifest.OfKind(CorpusFileKind.Audio).Count(), audio.GetProperty("units").GetProperty("committed").GetInt32());
    }

    [Fact]
    public async Task Ingest_RerunOnTheSameOutputAddsNothing()
    {
        var before = (await StatusAsync()).GetRawText();

        var rerun = await CliRunner.RunAsync(CliTimeout, "ingest", "--source", _corpus.Source, "--output", _corpus.Output);

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        var after = await StatusAsync();
        Assert.Equal(
            JsonDocument.Parse(before).RootElement.GetProperty("tables").EnumerateArray().Select(t => (t.GetProperty("name").GetString(), t.GetProperty("files").GetInt32(), t.GetProperty("rows").GetInt64())),
            after.GetProperty("tables").EnumerateArray().Select(t => (t.GetProperty("name").GetString(), t.GetProperty("files").GetInt32(), t.GetProperty("rows").GetInt64())));
        var duplicates = await DuckDbQuery.QueryAsync(
            $"SELECT count(*) AS n FROM (SELECT source_uri, segment_index FROM read_parquet('{_corpus.Output}/audio_segments/*.parquet') GROUP BY ALL HAVING count(*) > 1)");
        Assert.Equal(0, duplicates[0].GetProperty("n").GetInt64());
    }

    [Fact]
    public void Output_HoldsOnlyCommittedParquetAtTableRootsAndNoStagedLeftovers()
    {
        foreach (var table in new[] { "audio_segments", "sensor_windows" })
        {
            var root = Path.Combine(_corpus.Output, table);
            Assert.All(Directory.GetFiles(root), f => Assert.EndsWith(".parquet", f, StringComparison.Ordinal));
            Assert.Empty(Directory.GetFiles(Path.Combine(root, "_ingest", "staging")));
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(root, "_ingest", "log"), "*.json"));
        }
    }

    [Fact]
    public async Task Inspect_ShowsSchemaRowCountAndRows()
    {
        var status = await StatusAsync();
        var rows = status.GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "sensor_windows").GetProperty("rows").GetInt64();

        var result = await CliRunner.RunAsync(CliTimeout, "inspect", Path.Combine(_corpus.Output, "sensor_windows"), "--rows", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"{rows} rows", result.Stdout, StringComparison.Ordinal);
        foreach (var column in new[] { "window_id", "start_ts", "channel_names", "mean", "std", "sample_count" })
        {
            Assert.Contains(column, result.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("file:///", result.Stdout, StringComparison.Ordinal);
    }

    private async Task<JsonElement> StatusAsync()
    {
        var result = await CliRunner.RunAsync(CliTimeout, "status", "--output", _corpus.Output, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement;
    }
}
