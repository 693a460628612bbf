using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Azure.Storage.Blobs;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.Azurite;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Integration.Tests;

/// <summary>
/// A real cluster: three silo processes joined through Azure Table clustering on Azurite, a corpus in an Azurite
/// container, a job submitted through a gateway, the output read back by DuckDB from the downloaded files.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class ClusterTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan SubmitTimeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task ThreeSilos_IngestABlobCorpusExactlyOnceAndShareTheWork()
    {
        using var temp = new TempDirectory("oi-cluster");
        var run = Guid.NewGuid().ToString("N")[..8];
        var manifest = CorpusGenerator.Generate(temp.Combine("corpus"), new CorpusSettings(AudioMinutes: 4, SensorFiles: 3, BadFiles: 3, Seed: 21));
        var source = await ClusterScenario.UploadAsync(azurite.ConnectionString, manifest, temp.Combine("corpus"), $"corpus-{run}", "drop/");

        var output = new BlobContainerClient(azurite.ConnectionString, $"out-{run}");
        await output.CreateAsync();
        var clusterId = $"test-{run}";
        var silos = Enumerable.Range(0, 3).Select(i => ClusterScenario.StartSilo(azurite.ConnectionString, clusterId, $"silo-{i}", new Dictionary<string, string>())).ToList();
        try
        {
            var submit = await CliRunner.RunAsync(
                SubmitTimeout, "submit", "--cluster-connection-string", azurite.ConnectionString, "--cluster-id", clusterId,
                "--storage-connection-string", azurite.ConnectionString,
                "--source", azurite.ContainerUrl(source.Name, "drop"), "--output", azurite.ContainerUrl(output.Name), "--wait");

            Assert.True(submit.ExitCode == 0, submit + "\n" + string.Join("\n--- silo\n", silos.Select(s => s.Output)));
            var downloaded = temp.Combine("out");
            var (writers, quarantined) = await ClusterScenario.DownloadAsync(output, downloaded);

            var audio = await DuckDbQuery.QueryAsync(
                $"SELECT source_uri, count(*) AS n, count(DISTINCT segment_index) AS distinct_segments FROM read_parquet('{downloaded}/audio_segments/*.parquet') GROUP BY source_uri");
            var byUri = audio.ToDictionary(r => r.GetProperty("source_uri").GetString()!);
            var expectedAudio = manifest.OfKind(CorpusFileKind.Audio).ToList();
            Assert.Equal(expectedAudio.Count, byUri.Count);
            foreach (var file in expectedAudio)
            {
                var row = byUri[source.GetBlobClient("drop/" + file.RelativePath).Uri.AbsoluteUri];
                var segments = (int)Math.Ceiling(file.DurationSeconds!.Value / 30.0 - 1e-9);
                Assert.Equal(segments, row.GetProperty("n").GetInt64());
                Assert.Equal(segments, row.GetProperty("distinct_segments").GetInt64());
            }

            var sensors = await DuckDbQuery.QueryAsync(
                $"SELECT source_uri, count(*) AS n FROM read_parquet('{downloaded}/sensor_windows/*.parquet') GROUP BY source_uri");
            Assert.Equal(manifest.OfKind(CorpusFileKind.Sensor).Count(), sensors.Length);
            Assert.Equal(
                manifest.OfKind(CorpusFileKind.Bad).Select(f => source.GetBlobClient("drop/" + f.RelativePath).Uri.AbsoluteUri).Order(),
                quarantined.Keys.Order());
            Assert.True(writers.Count >= 2, $"only {string.Join(", ", writers)} committed work");

            // status and inspect read the blob tables directly.
            var status = await CliRunner.RunAsync(SubmitTimeout, "status", "--output", azurite.ContainerUrl(output.Name), "--json", "--storage-connection-string", azurite.ConnectionString);
            Assert.True(status.ExitCode == 0, status.ToString());
            var tables = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
            Assert.Equal(["audio_segments", "sensor_windows"], tables.Keys.Order());
            Assert.Equal(audio.Sum(r => r.GetProperty("n").GetInt64()), tables["audio_segments"].GetProperty("rows").GetInt64());
            var inspect = await CliRunner.RunAsync(SubmitTimeout, "inspect", azurite.ContainerUrl(output.Name) + "/audio_segments", "--rows", "1", "--storage-connection-string", azurite.ConnectionString);
            Assert.True(inspect.ExitCode == 0, inspect.ToString());
            Assert.Contains($"{tables["audio_segments"].GetProperty("rows").GetInt64()} rows", inspect.Stdout, StringComparison.Ordinal);
            Assert.Contains("log_mel: list<float>", inspect.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var silo in silos)
            {
                silo.Dispose();
            }
        }
    }

    [Fact]
    public async Task SiloKilledMidJob_WorkMovesToSilosThatJoinedLater_AndEveryFileLandsExactlyOnce()
    {
        using var temp = new TempDirectory("oi-chaos");
        var run = Guid.NewGuid().ToString("N")[..8];
        var manifest = CorpusGenerator.Generate(temp.Combine("corpus"), new CorpusSettings(AudioMinutes: 8, SensorFiles: 4, BadFiles: 2, Seed: 33));
        var source = await ClusterScenario.UploadAsync(azurite.ConnectionString, manifest, temp.Combine("corpus"), $"chaos-in-{run}", "");

        var output = new BlobContainerClient(azurite.ConnectionString, $"chaos-out-{run}");
        await output.CreateAsync();
        var clusterId = $"chaos-{run}";
        // Short leases so that units held by the killed silo come back within the test's time.
        var environment = new Dictionary<string, string> { ["OrleansIngest__Jobs__LeaseDuration"] = "00:00:15" };
        CliRunner.BackgroundProcess StartSilo(string name) => ClusterScenario.StartSilo(azurite.ConnectionString, clusterId, name, environment);
        string[] submitArgs =
        [
            "submit", "--cluster-connection-string", azurite.ConnectionString, "--cluster-id", clusterId, "--job-id", $"chaos-{run}",
            "--source", azurite.ContainerUrl(source.Name), "--output", azurite.ContainerUrl(output.Name),
        ];
        var first = StartSilo("first");
        var later = new List<CliRunner.BackgroundProcess>();
        try
        {
            var submitted = await CliRunner.RunAsync(SubmitTimeout, submitArgs);
            Assert.True(submitted.ExitCode == 0, submitted + first.Output);

            // Two silos join while the first is working; then the first dies without warning.
            later.Add(StartSilo("late-a"));
            later.Add(StartSilo("late-b"));
            await ClusterScenario.WaitForFirstCommitAsync(output, TimeSpan.FromMinutes(3));
            first.Dispose();

            var waited = await CliRunner.RunAsync(SubmitTimeout, [.. submitArgs, "--wait"]);
            Assert.True(waited.ExitCode == 0, waited + string.Join("\n--- silo\n", later.Select(s => s.Output)));

            var downloaded = temp.Combine("out");
            var (writers, _) = await ClusterScenario.DownloadAsync(output, downloaded);

            await ClusterScenario.AssertEveryGoodFileOnceAsync(manifest, source, downloaded);
            Assert.True(writers.Overlaps(["late-a", "late-b"]), $"writers: {string.Join(", ", writers)}");
        }
        finally
        {
            first.Dispose();
            foreach (var silo in later)
            {
                silo.Dispose();
            }
        }
    }

    [Fact]
    public async Task EverySiloKilledMidJob_FreshSilosRecoverTheJobFromDurableStateAndEveryFileLandsExactlyOnce()
    {
        using var temp = new TempDirectory("oi-restart-all");
        var run = Guid.NewGuid().ToString("N")[..8];
        var manifest = CorpusGenerator.Generate(temp.Combine("corpus"), new CorpusSettings(AudioMinutes: 8, SensorFiles: 4, BadFiles: 2, Seed: 35));
        var source = await ClusterScenario.UploadAsync(azurite.ConnectionString, manifest, temp.Combine("corpus"), $"restart-in-{run}", "");
        var output = new BlobContainerClient(azurite.ConnectionString, $"restart-out-{run}");
        await output.CreateAsync();
        var clusterId = $"restart-{run}";
        var environment = new Dictionary<string, string> { ["OrleansIngest__Jobs__LeaseDuration"] = "00:00:15" };
        CliRunner.BackgroundProcess StartSilo(string name) => ClusterScenario.StartSilo(azurite.ConnectionString, clusterId, name, environment);
        string[] submitArgs =
        [
            "submit", "--cluster-connection-string", azurite.ConnectionString, "--cluster-id", clusterId, "--job-id", $"restart-{run}",
            "--source", azurite.ContainerUrl(source.Name), "--output", azurite.ContainerUrl(output.Name),
        ];
        var before = new List<CliRunner.BackgroundProcess> { StartSilo("before-a"), StartSilo("before-b") };
        var after = new List<CliRunner.BackgroundProcess>();
        try
        {
            var submitted = await CliRunner.RunAsync(SubmitTimeout, submitArgs);
            Assert.True(submitted.ExitCode == 0, submitted + before[0].Output);
            await ClusterScenario.WaitForFirstCommitAsync(output, TimeSpan.FromMinutes(3));

            // The whole cluster dies without warning: nothing survives in memory. The fresh silos know the job only
            // from its durable grain state (listing checkpoint, partitions' unsettled units) and the tables' logs.
            foreach (var silo in before)
            {
                silo.Dispose();
            }

            after.Add(StartSilo("after-a"));
            after.Add(StartSilo("after-b"));
            var waited = await CliRunner.RunAsync(SubmitTimeout, [.. submitArgs, "--wait"]);
            Assert.True(waited.ExitCode == 0, waited + string.Join("\n--- silo\n", after.Select(s => s.Output)));

            var downloaded = temp.Combine("out");
            var (writers, quarantined) = await ClusterScenario.DownloadAsync(output, downloaded);

            await ClusterScenario.AssertEveryGoodFileOnceAsync(manifest, source, downloaded);
            Assert.True(writers.Overlaps(["after-a", "after-b"]), $"writers: {string.Join(", ", writers)}");
            Assert.Equal(
                manifest.OfKind(CorpusFileKind.Bad).Select(f => source.GetBlobClient(f.RelativePath).Uri.AbsoluteUri).Order(),
                quarantined.Keys.Order());
        }
        finally
        {
            foreach (var silo in before.Concat(after))
            {
                silo.Dispose();
            }
        }
    }
}
