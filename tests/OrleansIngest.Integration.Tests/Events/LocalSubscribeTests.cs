using System.Text.Json;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.Storage.Local;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Integration.Tests.Events;

/// <summary>
/// Local mode: <c>orleans-ingest subscribe</c> without a cluster runs an embedded silo that watches the source folder.
/// A file present before it starts is ingested by the first listing; files dropped while it runs (written in place, or
/// written under a hidden name and renamed, as uploaders do) are ingested by the folder watcher; an overwrite is a new
/// version. The output is read by DuckDB. SIGTERM stops it cleanly.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LocalSubscribeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Subscribe_WithoutACluster_IngestsFilesDroppedIntoTheWatchedFolderExactlyOnce()
    {
        using var temp = new TempDirectory("oi-local-subscribe");
        var manifest = CorpusGenerator.Generate(temp.Combine("corpus"), new CorpusSettings(AudioMinutes: 0.3, SensorFiles: 4, BadFiles: 0, Seed: 3));
        var sensors = manifest.OfKind(CorpusFileKind.Sensor).ToList();
        var audio = manifest.OfKind(CorpusFileKind.Audio).ToList();
        var source = Directory.CreateDirectory(temp.Combine("drop")).FullName;
        var output = temp.Combine("out");

        // Present before the subscription: found by its first listing.
        File.Copy(temp.Combine("corpus", sensors[0].RelativePath), Path.Combine(source, "before.csv"));

        using var process = CliRunner.Start("subscribe", "--source", source, "--output", output, "--reconcile-interval", "1h", "--lanes", "1");
        await WaitAsync(() => process.Output.Contains("watching", StringComparison.Ordinal), process);
        await WaitForCommittedAsync(output, 1, process);

        // Dropped while watching: one written in place, the others under a hidden name and renamed into place.
        File.Copy(temp.Combine("corpus", sensors[1].RelativePath), Path.Combine(source, "in-place.csv"));
        Directory.CreateDirectory(Path.Combine(source, "nested"));
        foreach (var (file, i) in audio.Take(2).Select((f, i) => (f, i)))
        {
            var hidden = Path.Combine(source, "nested", $".upload-{i}.tmp");
            File.Copy(temp.Combine("corpus", file.RelativePath), hidden);
            File.Move(hidden, Path.Combine(source, "nested", $"clip-{i}.wav"));
        }

        await WaitForCommittedAsync(output, 4, process);
        var firstVersion = ListVersions(source).Single(v => v.Contains("/before.csv ", StringComparison.Ordinal));

        // An overwrite is a new version (the 'all' policy): ingested too, the first version's rows stay.
        File.Copy(temp.Combine("corpus", sensors[2].RelativePath), Path.Combine(source, "before.csv"), overwrite: true);
        await WaitForCommittedAsync(output, 5, process);

        var expected = ListVersions(source).Append(firstVersion).Order(StringComparer.Ordinal).ToList();
        var versions = await DuckDbQuery.QueryAsync(
            $"SELECT DISTINCT source_uri || ' ' || source_etag AS version FROM read_parquet('{output}/*/*.parquet', union_by_name = true) ORDER BY version");
        Assert.Equal(expected, versions.Select(v => v.GetProperty("version").GetString()!).ToList());
        var windows = await DuckDbQuery.QueryAsync($"SELECT count(*) AS n, count(DISTINCT window_id) AS ids FROM read_parquet('{output}/sensor_windows/*.parquet')");
        Assert.Equal(windows[0].GetProperty("n").GetInt64(), windows[0].GetProperty("ids").GetInt64());
        Assert.False(process.HasExited, process.Output);

        // A service manager stops it with SIGTERM: it stops its silo and exits cleanly.
        Assert.Equal(0, await process.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("stopped", process.Output, StringComparison.Ordinal);
    }

    // "uri etag" of every file a listing of the folder gives.
    private static List<string> ListVersions(string folder) =>
        new LocalBlobStore().ListAsync(folder).ToBlockingEnumerable().Select(o => $"{o.Uri} {o.ETag}").ToList();

    private static async Task WaitForCommittedAsync(string output, int units, CliRunner.BackgroundProcess process)
    {
        var committed = 0;
        await WaitAsync(
            async () =>
            {
                if (!Directory.Exists(output))
                {
                    return false;
                }

                var status = await CliRunner.RunAsync(TimeSpan.FromMinutes(1), "status", "--output", output, "--json");
                using var json = JsonDocument.Parse(status.Stdout);
                committed = json.RootElement.GetProperty("tables").EnumerateArray().Sum(t => t.GetProperty("units").GetProperty("committed").GetInt32());
                return committed >= units;
            },
            process,
            () => $"{committed} of {units} units committed");
    }

    private static Task WaitAsync(Func<bool> condition, CliRunner.BackgroundProcess process) =>
        WaitAsync(() => Task.FromResult(condition()), process);

    private static async Task WaitAsync(Func<Task<bool>> condition, CliRunner.BackgroundProcess process, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                Assert.Fail($"{describe?.Invoke() ?? "condition not met"} within {Timeout}; subscribe output:\n{process.Output}");
            }

            await Task.Delay(500);
        }
    }
}
