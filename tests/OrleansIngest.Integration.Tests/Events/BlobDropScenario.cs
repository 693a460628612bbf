using System.Text.Json;
using Azure.Storage.Blobs;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Integration.Tests.Events;

/// <summary>
/// Shared steps of the blob-drop tests: a corpus written into a container with overwrites, a deletion and a blob outside
/// the subscribed prefix, the job's status read through the CLI, and the exactly-once check of the output with DuckDB.
/// </summary>
internal sealed class BlobDropScenario(string connectionString, string clusterId)
{
    public const string Prefix = "incoming/";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    public string ConnectionString => connectionString;

    /// <summary>Whether a write is under the subscribed prefix.</summary>
    public static bool IsFollowed(BlobWrite write) => new Uri(write.Url).AbsolutePath.Contains("/" + Prefix, StringComparison.Ordinal);

    /// <summary>Whether a write is under the prefix and routed by the default pipeline (the corpus's notes.txt is not).</summary>
    public static bool IsIngested(BlobWrite write) => IsFollowed(write) && !write.Url.EndsWith(".txt", StringComparison.Ordinal);

    public string[] ClusterArgs => ["--cluster-connection-string", connectionString, "--cluster-id", clusterId, "--storage-connection-string", connectionString];

    /// <summary>
    /// Writes the corpus under <see cref="Prefix"/>, overwrites two sensor files with other content, writes and deletes
    /// one more, and writes one blob outside the prefix. Returns the simulator holding every write.
    /// </summary>
    public static async Task<EventGridSimulator> WriteCorpusAsync(BlobContainerClient source, string folder, int seed)
    {
        var manifest = CorpusGenerator.Generate(folder, new CorpusSettings(AudioMinutes: 0.5, SensorFiles: 9, BadFiles: 0, Seed: seed));
        var simulator = new EventGridSimulator(source, seed);
        foreach (var file in manifest.Files)
        {
            await simulator.UploadAsync(Prefix + file.RelativePath, Path.Combine(folder, file.RelativePath));
        }

        var sensors = manifest.OfKind(CorpusFileKind.Sensor).ToList();
        await simulator.UploadAsync(Prefix + sensors[0].RelativePath, Path.Combine(folder, sensors[3].RelativePath));
        await simulator.UploadAsync(Prefix + sensors[1].RelativePath, Path.Combine(folder, sensors[4].RelativePath));
        await simulator.UploadAsync(Prefix + sensors[1].RelativePath, Path.Combine(folder, sensors[5].RelativePath));
        await simulator.UploadAsync(Prefix + "sensors/short-lived.csv", Path.Combine(folder, sensors[2].RelativePath));
        await simulator.DeleteAsync(Prefix + "sensors/short-lived.csv");
        await simulator.UploadAsync("elsewhere/not-subscribed.csv", Path.Combine(folder, sensors[2].RelativePath));
        return simulator;
    }

    public async Task<string> SubscribeAsync(string source, string output, string versions)
    {
        var result = await CliRunner.RunAsync(
            CommandTimeout, ["subscribe", "--source", source, "--output", output, "--versions", versions, "--reconcile-interval", "1h", .. ClusterArgs], CancellationToken.None);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout.Trim();
    }

    public async Task<JsonElement> StatusAsync(string jobId)
    {
        var result = await CliRunner.RunAsync(CommandTimeout, ["status", "--job-id", jobId, "--json", .. ClusterArgs], CancellationToken.None);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.Clone();
    }

    /// <summary>Polls the job's status until <paramref name="done"/> holds; fails with the last status after <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> WaitForAsync(string jobId, Func<JsonElement, bool> done, TimeSpan timeout, Func<string>? diagnostics = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await StatusAsync(jobId);
            if (done(status))
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Job {jobId} did not reach the expected state within {timeout}:\n{status}\n{diagnostics?.Invoke()}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    public async Task<CliRunner.Result> ReconcileAsync(string jobId) =>
        await CliRunner.RunAsync(CommandTimeout, ["reconcile", "--job-id", jobId, "--wait", .. ClusterArgs], CancellationToken.None);

    /// <summary>
    /// Reads the downloaded tables with DuckDB and checks that the rows come from exactly the current versions under the
    /// prefix — each (URI, ETag) present, no other — and that no row is there twice.
    /// </summary>
    public static async Task AssertCurrentVersionsExactlyOnceAsync(EventGridSimulator simulator, string downloaded)
    {
        var expected = simulator.Current.Values
            .Where(IsIngested)
            .Select(w => $"{w.Url} {w.ETag.Trim('"')}")
            .Order(StringComparer.Ordinal)
            .ToList();
        var versions = await DuckDbQuery.QueryAsync(
            $"SELECT DISTINCT source_uri || ' ' || source_etag AS version FROM read_parquet('{downloaded}/*/*.parquet', union_by_name = true) ORDER BY version");
        Assert.Equal(expected, versions.Select(v => v.GetProperty("version").GetString()!).ToList());

        var windows = await DuckDbQuery.QueryAsync(
            $"SELECT count(*) AS n, count(DISTINCT window_id) AS ids FROM read_parquet('{downloaded}/sensor_windows/*.parquet')");
        Assert.True(windows[0].GetProperty("n").GetInt64() > 0);
        Assert.Equal(windows[0].GetProperty("n").GetInt64(), windows[0].GetProperty("ids").GetInt64());
        var segments = await DuckDbQuery.QueryAsync(
            $"SELECT count(*) AS n, count(DISTINCT source_uri || '#' || CAST(segment_index AS VARCHAR)) AS ids FROM read_parquet('{downloaded}/audio_segments/*.parquet')");
        Assert.True(segments[0].GetProperty("n").GetInt64() > 0);
        Assert.Equal(segments[0].GetProperty("n").GetInt64(), segments[0].GetProperty("ids").GetInt64());
    }
}
