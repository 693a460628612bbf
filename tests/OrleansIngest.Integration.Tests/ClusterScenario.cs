using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Azure.Storage.Blobs;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Integration.Tests;

/// <summary>Shared steps of the cluster tests: silos as processes, corpus upload, output download.</summary>
internal static class ClusterScenario
{
    public static CliRunner.BackgroundProcess StartSilo(string connectionString, string clusterId, string name, IReadOnlyDictionary<string, string> environment, int httpPort = 0) => CliRunner.Start(
        environment, "silo", "--cluster-connection-string", connectionString, "--cluster-id", clusterId,
        "--http-port", httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--silo-port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--gateway-port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--advertised-ip", "127.0.0.1", "--name", name, "--lanes", "1", "--storage-connection-string", connectionString);

    public static async Task<BlobContainerClient> UploadAsync(string connectionString, CorpusManifest manifest, string folder, string container, string prefix)
    {
        var client = new BlobContainerClient(connectionString, container);
        await client.CreateAsync();
        foreach (var file in manifest.Files)
        {
            await client.GetBlobClient(prefix + file.RelativePath).UploadAsync(Path.Combine(folder, file.RelativePath));
        }

        return client;
    }

    /// <summary>Downloads a whole output container; returns the silos named as writers and the quarantined sources.</summary>
    public static async Task<(HashSet<string> Writers, Dictionary<string, string> Quarantined)> DownloadAsync(BlobContainerClient output, string folder)
    {
        var writers = new HashSet<string>(StringComparer.Ordinal);
        var quarantined = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var blob in output.GetBlobsAsync())
        {
            var local = Path.Combine(folder, blob.Name);
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            await output.GetBlobClient(blob.Name).DownloadToAsync(local);
            if (blob.Name.Contains("/_ingest/log/", StringComparison.Ordinal) && !blob.Name.EndsWith(".checkpoint.json", StringComparison.Ordinal))
            {
                using var entry = JsonDocument.Parse(await File.ReadAllTextAsync(local));
                writers.Add(entry.RootElement.GetProperty("writer").GetString()!.Split('/')[0]);
                foreach (var q in entry.RootElement.GetProperty("quarantined").EnumerateArray())
                {
                    quarantined[q.GetProperty("source_uri").GetString()!] = q.GetProperty("reason").GetString()!;
                }
            }
        }

        return (writers, quarantined);
    }

    public static async Task WaitForFirstCommitAsync(BlobContainerClient output, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            await foreach (var blob in output.GetBlobsAsync())
            {
                if (blob.Name.Contains("/_ingest/log/", StringComparison.Ordinal) && !blob.Name.EndsWith(".checkpoint.json", StringComparison.Ordinal))
                {
                    return;
                }
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("No commit within " + timeout);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Reads the downloaded tables with DuckDB: every good audio file once with one row per 30 s segment, every
    /// sensor window once. Sources are at <paramref name="source"/> under their corpus paths.
    /// </summary>
    public static async Task AssertEveryGoodFileOnceAsync(CorpusManifest manifest, BlobContainerClient source, string downloaded)
    {
        var audio = await DuckDbQuery.QueryAsync(
            $"SELECT source_uri, count(*) AS n, count(DISTINCT segment_index) AS distinct_segments FROM read_parquet('{downloaded}/audio_segments/*.parquet') GROUP BY source_uri");
        var expectedAudio = manifest.OfKind(CorpusFileKind.Audio).ToList();
        Assert.Equal(expectedAudio.Count, audio.Length);
        foreach (var file in expectedAudio)
        {
            var row = audio.Single(r => r.GetProperty("source_uri").GetString() == source.GetBlobClient(file.RelativePath).Uri.AbsoluteUri);
            var segments = (int)Math.Ceiling(file.DurationSeconds!.Value / 30.0 - 1e-9);
            Assert.Equal(segments, row.GetProperty("n").GetInt64());
            Assert.Equal(segments, row.GetProperty("distinct_segments").GetInt64());
        }

        var windows = await DuckDbQuery.QueryAsync(
            $"SELECT count(*) AS n, count(DISTINCT window_id) AS ids FROM read_parquet('{downloaded}/sensor_windows/*.parquet')");
        Assert.Equal(manifest.OfKind(CorpusFileKind.Sensor).Sum(f => f.WindowCount!.Value), windows[0].GetProperty("n").GetInt64());
        Assert.Equal(windows[0].GetProperty("n").GetInt64(), windows[0].GetProperty("ids").GetInt64());
    }
}
