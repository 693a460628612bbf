using System.Text.Json;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Integration.Tests;

/// <summary>
/// <c>ingest --warm-up-source</c>: the warm-up folder runs first on the same silo into a scratch output that is
/// deleted, and neither its rows nor its counts reach the job's output or summary.
/// </summary>
[Trait("Category", "Integration")]
public sealed class IngestWarmUpTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task WarmUp_IsLeftOutOfTheOutputAndTheSummary_AndItsScratchOutputIsDeleted()
    {
        using var temp = new TempDirectory("oi-warm");
        var warm = CorpusGenerator.Generate(temp.Combine("warm"), new CorpusSettings(AudioMinutes: 0.5, SensorFiles: 1, BadFiles: 0, Seed: 3));
        var main = CorpusGenerator.Generate(temp.Combine("main"), new CorpusSettings(AudioMinutes: 0.5, SensorFiles: 0, BadFiles: 0, Seed: 4));
        var scratchBefore = ScratchFolders();

        var run = await CliRunner.RunAsync(
            Timeout, "ingest", "--source", temp.Combine("main"), "--output", temp.Combine("out"), "--warm-up-source", temp.Combine("warm"),
            "--summary-json", temp.Combine("summary.json"));

        Assert.True(run.ExitCode == 0, run.ToString());
        var audio = main.OfKind(CorpusFileKind.Audio).ToList();
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(temp.Combine("summary.json")));
        Assert.Equal(audio.Count, summary.RootElement.GetProperty("committed").GetInt32());
        Assert.Equal(audio.Sum(f => f.DurationSeconds!.Value), summary.RootElement.GetProperty("audio_seconds").GetDouble(), 0.01);
        Assert.Equal(0, summary.RootElement.GetProperty("sensor_windows").GetInt64());
        Assert.True(summary.RootElement.GetProperty("jit_methods").GetInt64() >= 0);
        Assert.True(summary.RootElement.GetProperty("jit_seconds").GetDouble() >= 0);

        // Log-mel and VAD ran for the job's 30 s of audio, within the job's CPU; the warm-up's share is not in it.
        var stageCpu = summary.RootElement.GetProperty("stage_cpu_seconds");
        var features = stageCpu.GetProperty("features").GetDouble();
        var inference = stageCpu.GetProperty("inference").GetDouble();
        Assert.True(features > 0 && inference > 0, stageCpu.ToString());
        Assert.True(features + inference < summary.RootElement.GetProperty("cpu_seconds").GetDouble(), summary.RootElement.ToString());

        var rows = await DuckDbQuery.QueryAsync($"SELECT DISTINCT source_uri FROM read_parquet('{temp.Combine("out")}/audio_segments/*.parquet')");
        var sources = rows.Select(r => r.GetProperty("source_uri").GetString()!).Order().ToList();
        var expected = audio.Select(f => new Uri(Path.Combine(temp.Combine("main"), f.RelativePath)).AbsoluteUri).Order().ToList();
        Assert.Equal(expected, sources);
        Assert.False(Directory.Exists(temp.Combine("out", "sensor_windows")), "the warm-up's sensor file reached the output");
        Assert.NotEmpty(warm.OfKind(CorpusFileKind.Audio));
        Assert.Empty(ScratchFolders().Except(scratchBefore));
    }

    [Fact]
    public async Task WarmUp_FromAMissingFolder_IsRefusedBeforeAnythingRuns()
    {
        using var temp = new TempDirectory("oi-warm");
        CorpusGenerator.Generate(temp.Combine("main"), new CorpusSettings(AudioMinutes: 0.1, SensorFiles: 0, BadFiles: 0, Seed: 4));

        var run = await CliRunner.RunAsync(
            Timeout, "ingest", "--source", temp.Combine("main"), "--output", temp.Combine("out"), "--warm-up-source", temp.Combine("nowhere"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Warm-up folder not found", run.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("out", "audio_segments")));
    }

    private static HashSet<string> ScratchFolders() =>
        Directory.GetDirectories(Path.GetTempPath(), "orleans-ingest-warm-up-*").ToHashSet(StringComparer.Ordinal);
}
