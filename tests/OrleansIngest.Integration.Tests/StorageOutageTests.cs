using Azure.Storage.Blobs;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.Azurite;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Integration.Tests;

/// <summary>An Azurite that keeps its data on disk, so a test can take storage away and bring it back.</summary>
public sealed class DurableAzuriteFixture : IAsyncLifetime
{
    public AzuriteFixture Azurite { get; } = AzuriteFixture.CreateDurable();

    public Task InitializeAsync() => Azurite.InitializeAsync();

    public Task DisposeAsync() => Azurite.DisposeAsync();
}

/// <summary>
/// Storage (blobs, membership table, grain state) goes away for ~20 s in the middle of a cluster job: the job
/// stalls, then finishes, and every file lands exactly once. (Before the re-lease fix in JobWorker, 1 run in 8
/// showed one sensor file's windows twice; it has run clean in every run since, and is part of the default run.)
/// </summary>
[Trait("Category", "Cluster")]
public sealed class StorageOutageTests(DurableAzuriteFixture fixture) : IClassFixture<DurableAzuriteFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task StorageStoppedFor20sMidJob_JobStallsThenFinishesWithNothingLostOrDuplicated()
    {
        var azurite = fixture.Azurite;
        using var temp = new TempDirectory("oi-outage");
        var run = Guid.NewGuid().ToString("N")[..8];
        var manifest = CorpusGenerator.Generate(temp.Combine("corpus"), new CorpusSettings(AudioMinutes: 8, SensorFiles: 4, BadFiles: 2, Seed: 44));
        var source = await ClusterScenario.UploadAsync(azurite.ConnectionString, manifest, temp.Combine("corpus"), $"outage-in-{run}", "");
        var output = new BlobContainerClient(azurite.ConnectionString, $"outage-out-{run}");
        await output.CreateAsync();
        var clusterId = $"outage-{run}";
        var silos = Enumerable.Range(0, 3)
            .Select(i => ClusterScenario.StartSilo(azurite.ConnectionString, clusterId, $"silo-{i}", new Dictionary<string, string> { ["OrleansIngest__Jobs__LeaseDuration"] = "00:00:30" }))
            .ToList();
        string[] submitArgs =
        [
            "submit", "--cluster-connection-string", azurite.ConnectionString, "--cluster-id", clusterId, "--job-id", $"outage-{run}",
            "--source", azurite.ContainerUrl(source.Name), "--output", azurite.ContainerUrl(output.Name),
        ];
        try
        {
            var submitted = await CliRunner.RunAsync(Timeout, submitArgs);
            Assert.True(submitted.ExitCode == 0, submitted.ToString());
            await ClusterScenario.WaitForFirstCommitAsync(output, TimeSpan.FromMinutes(3));

            azurite.StopServer();
            await Task.Delay(TimeSpan.FromSeconds(20));
            await azurite.StartServerAsync();

            var waited = await CliRunner.RunAsync(Timeout, [.. submitArgs, "--wait"]);
            Assert.True(waited.ExitCode == 0, waited + string.Join("\n--- silo\n", silos.Select(s => s.Output)));
            Assert.All(silos, s => Assert.False(s.HasExited, "a silo crashed during the outage:\n" + s.Output));

            var downloaded = temp.Combine("out");
            var (_, quarantined) = await ClusterScenario.DownloadAsync(output, downloaded);
            // Every published data file is named by exactly one log entry (readers globbing the folder see only the log's files).
            foreach (var table in new[] { "audio_segments", "sensor_windows" })
            {
                var logged = Directory.GetFiles(Path.Combine(downloaded, table, "_ingest", "log"), "*.json")
                    .SelectMany(f => System.Text.Json.JsonDocument.Parse(File.ReadAllText(f)).RootElement.GetProperty("files").EnumerateArray().Select(e => e.GetProperty("path").GetString()!))
                    .ToList();
                var published = Directory.GetFiles(Path.Combine(downloaded, table), "*.parquet").Select(f => Path.GetFileName(f)).ToList();
                Assert.Equal(logged.Order(StringComparer.Ordinal), published.Order(StringComparer.Ordinal));
            }

            await ClusterScenario.AssertEveryGoodFileOnceAsync(manifest, source, downloaded);
            Assert.Equal(
                manifest.OfKind(CorpusFileKind.Bad).Select(f => source.GetBlobClient(f.RelativePath).Uri.AbsoluteUri).Order(),
                quarantined.Keys.Order());
        }
        finally
        {
            foreach (var silo in silos)
            {
                silo.Dispose();
            }
        }
    }
}
