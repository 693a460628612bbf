using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using OrleansIngest.TestSupport.Azurite;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.TestSupport.Chaos;

/// <summary>The shape of a chaos run.</summary>
/// <param name="Files">Files in the corpus (good and bad).</param>
/// <param name="Silos">Silo processes kept running (one lane each).</param>
/// <param name="KillEvery">
/// Interval between SIGKILLs of a random silo (each restarted at once under the same name); the first kill comes
/// as soon as the job's first file is committed, so that it always lands mid-job.
/// </param>
/// <param name="Seed">Seed of the corpus and of the kill schedule.</param>
/// <param name="BadRatio">Share of seeded broken files.</param>
/// <param name="Timeout">Give up waiting for the job after this long.</param>
/// <param name="MaxKills">Stop killing after this many (bounds a CI run on a slow machine); unlimited by default.</param>
/// <param name="StorageFaultRate">
/// Probability that a silo's data-plane write loses its response (after it landed) or a read gets a 503; 0 for none.
/// </param>
public sealed record ChaosSettings(int Files, int Silos, TimeSpan KillEvery, int Seed, double BadRatio, TimeSpan Timeout, int MaxKills = int.MaxValue, double StorageFaultRate = 0);

/// <summary>
/// A job over many small files on a cluster of silo processes (Azure Table membership on Azurite) while a
/// random silo is SIGKILLed and restarted every few seconds; then the output is downloaded and reconciled by
/// DuckDB. Used by the chaos runner (<c>benchmarks/OrleansIngest.Chaos</c>) and the CI chaos test.
/// </summary>
public static partial class ChaosScenario
{
    /// <summary>Leases expire quickly so that a killed silo's units come back within the run.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(10);

    /// <summary>Files are committed well within a lease, so that a live lane's units never expire while it holds them.</summary>
    public const double MaxFileSeconds = 4;

    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(5);

    // A waiting client that lost its gateway can sit in its own retries for minutes; a fresh one reconnects at once.
    private static readonly TimeSpan WaitAttemptTimeout = TimeSpan.FromSeconds(45);

    /// <summary>Runs the scenario on <paramref name="azurite"/>; progress lines go to <paramref name="log"/>.</summary>
    public static async Task<ChaosReport> RunAsync(AzuriteFixture azurite, ChaosSettings settings, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        using var temp = new TempDirectory("oi-chaos");
        var run = Guid.NewGuid().ToString("N")[..8];
        var corpus = ChaosCorpus.Generate(temp.Combine("corpus"), settings.Files, settings.BadRatio, settings.Seed);
        var source = new BlobContainerClient(azurite.ConnectionString, $"chaos-in-{run}");
        await source.CreateAsync(cancellationToken: cancellationToken);
        await Parallel.ForEachAsync(corpus, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (file, ct) =>
            await source.GetBlobClient(file.RelativePath).UploadAsync(temp.Combine("corpus", file.RelativePath), ct));
        log.WriteLine($"corpus: {corpus.Count} files uploaded to {source.Name}");

        var output = new BlobContainerClient(azurite.ConnectionString, $"chaos-out-{run}");
        await output.CreateAsync(cancellationToken: cancellationToken);
        var pipeline = temp.Combine("pipeline.json");
        await File.WriteAllTextAsync(pipeline, string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "name": "chaos",
              "routes": [
                { "match": ["**/*.wav"], "table": "audio_segments", "kind": "audio" },
                { "match": ["**/*.csv"], "table": "sensor_windows", "kind": "sensor" }
              ],
              "output": { "maxFileSeconds": {{MaxFileSeconds}} }
            }
            """), cancellationToken);

        var cluster = new Cluster(azurite.ConnectionString, $"chaos-{run}", settings.StorageFaultRate);
        string[] submit =
        [
            "submit", "--cluster-connection-string", azurite.ConnectionString, "--cluster-id", cluster.Id, "--job-id", $"chaos-{run}",
            "--source", azurite.ContainerUrl(source.Name), "--output", azurite.ContainerUrl(output.Name), "--pipeline", pipeline,
        ];
        var random = new Random(settings.Seed);
        try
        {
            for (var i = 0; i < settings.Silos; i++)
            {
                cluster.Start($"silo-{i}");
            }

            var stopwatch = Stopwatch.StartNew();
            var submitted = await CliRunner.RunAsync(CliTimeout, submit, cancellationToken);
            if (submitted.ExitCode != 0)
            {
                throw new InvalidOperationException($"submit failed: {submitted}\n{cluster.Diagnostics()}");
            }

            log.WriteLine($"job chaos-{run} submitted to {settings.Silos} silos");
            using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var chaos = KillLoopAsync(cluster, output, settings, random, log, done.Token);
            var (completed, outcome) = await WaitAsync([.. submit, "--wait"], settings.Timeout, log, cancellationToken);
            var wall = stopwatch.Elapsed;
            await done.CancelAsync();
            await chaos;
            log.WriteLine($"job {outcome} after {wall.TotalSeconds:0.0} s, {cluster.Kills} kills, {cluster.StorageFaults} storage faults injected");
            if (!completed)
            {
                log.WriteLine(cluster.Diagnostics());
            }

            cluster.Dispose();
            var report = await ReconcileAsync(output, source, corpus, temp.Combine("out"), cancellationToken);
            return report with
            {
                JobCompleted = completed,
                JobOutcome = outcome,
                JobWallTime = wall,
                Kills = cluster.Kills,
                SilosStarted = cluster.Started,
                StorageFaults = cluster.StorageFaults,
                Units = corpus.Count(f => f.Kind != ChaosFileKind.Skip),
            };
        }
        finally
        {
            cluster.Dispose();
        }
    }

    private static async Task KillLoopAsync(Cluster cluster, BlobContainerClient output, ChaosSettings settings, Random random, TextWriter log, CancellationToken cancellationToken)
    {
        try
        {
            await FirstCommitAsync(output, cancellationToken);
            while (cluster.Kills < settings.MaxKills)
            {
                if (cluster.Kills > 0)
                {
                    await Task.Delay(settings.KillEvery, cancellationToken);
                }

                var name = $"silo-{random.Next(settings.Silos)}";
                cluster.KillAndRestart(name);
                log.WriteLine($"kill #{cluster.Kills}: {name} (SIGKILL, restarted on new ports)");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The job finished (or the run was cancelled): stop killing.
        }
    }

    private static async Task FirstCommitAsync(BlobContainerClient output, CancellationToken cancellationToken)
    {
        while (true)
        {
            await foreach (var blob in output.GetBlobsAsync(cancellationToken: cancellationToken))
            {
                if (blob.Name.Contains("/_ingest/log/", StringComparison.Ordinal))
                {
                    return;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>
    /// <c>submit --wait</c> on the job until it finishes: the client may lose its gateway to a kill, or give up
    /// while the grains of a dead silo re-activate; then it is run again (the same job id is a no-op submit).
    /// </summary>
    private static async Task<(bool Completed, string Outcome)> WaitAsync(string[] args, TimeSpan timeout, TextWriter log, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var attempts = 0;
        var last = "";
        while (deadline.Elapsed < timeout)
        {
            attempts++;
            CliRunner.Result result;
            try
            {
                var left = timeout - deadline.Elapsed;
                result = await CliRunner.RunAsync(left < WaitAttemptTimeout ? left : WaitAttemptTimeout, args, cancellationToken);
            }
            catch (TimeoutException ex)
            {
                last = ex.Message;
                log.WriteLine($"wait #{attempts} still running after {WaitAttemptTimeout.TotalSeconds:0} s; waiting again with a fresh client");
                continue;
            }

            if (result.ExitCode == 0)
            {
                return (true, attempts == 1 ? "completed" : $"completed ({attempts} waits)");
            }

            last = result.ToString();
            if (result.Stdout.Contains("outcome", StringComparison.Ordinal))
            {
                // The job itself ended other than completed: waiting again cannot change that.
                return (false, $"ended: {Tail(result.Stdout)}");
            }

            log.WriteLine($"wait #{attempts} ended without an outcome (exit {result.ExitCode}); waiting again");
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        return (false, $"not finished after {timeout.TotalSeconds:0} s ({attempts} waits); last: {Tail(last)}");
    }

    private static async Task<ChaosReport> ReconcileAsync(BlobContainerClient output, BlobContainerClient source, IReadOnlyList<ChaosFile> corpus, string folder, CancellationToken cancellationToken)
    {
        var quarantined = new HashSet<string>(StringComparer.Ordinal);
        var tables = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var blob in output.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            var local = Path.Combine(folder, blob.Name);
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            await output.GetBlobClient(blob.Name).DownloadToAsync(local, cancellationToken);
            if (blob.Name.Contains("/_ingest/log/", StringComparison.Ordinal))
            {
                using var entry = JsonDocument.Parse(await File.ReadAllTextAsync(local, cancellationToken));
                foreach (var q in entry.RootElement.GetProperty("quarantined").EnumerateArray())
                {
                    quarantined.Add(q.GetProperty("source_uri").GetString()!);
                }
            }
            else if (blob.Name.EndsWith(".parquet", StringComparison.Ordinal) && blob.Name.Count(c => c == '/') == 1)
            {
                tables.Add(blob.Name[..blob.Name.IndexOf('/', StringComparison.Ordinal)]);
            }
        }

        // Rows per source and the data files holding them, by DuckDB (never our own Parquet reader).
        var found = new Dictionary<string, (long Rows, long Files)>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            var glob = DuckDbQuery.Literal(Path.Combine(folder, table, "*.parquet"));
            foreach (var row in await DuckDbQuery.QueryAsync(
                $"SELECT source_uri, count(*) AS n, count(DISTINCT filename) AS files FROM read_parquet({glob}, filename = true) GROUP BY source_uri", cancellationToken))
            {
                var uri = row.GetProperty("source_uri").GetString()!;
                var (rows, files) = found.GetValueOrDefault(uri);
                found[uri] = (rows + row.GetProperty("n").GetInt64(), files + row.GetProperty("files").GetInt64());
            }
        }

        string Uri(ChaosFile file) => source.GetBlobClient(file.RelativePath).Uri.AbsoluteUri;
        var good = corpus.Where(f => f.Kind is ChaosFileKind.Audio or ChaosFileKind.Sensor).ToDictionary(Uri, f => f.ExpectedRows, StringComparer.Ordinal);
        return new ChaosReport
        {
            Expected = good.Count,
            Committed = good.Count(g => found.TryGetValue(g.Key, out var f) && f.Rows == g.Value && f.Files == 1),
            Lost = [.. good.Where(g => !found.TryGetValue(g.Key, out var f) || f.Rows < g.Value).Select(g => g.Key)],
            Duplicated = [.. found.Where(f => good.TryGetValue(f.Key, out var rows) && (f.Value.Rows > rows || f.Value.Files > 1)).Select(f => f.Key)],
            Unexpected = [.. found.Keys.Where(uri => !good.ContainsKey(uri))],
            Quarantined = [.. quarantined],
            SeededBad = [.. corpus.Where(f => f.Kind == ChaosFileKind.Bad).Select(Uri)],
        };
    }

    private static string Tail(string text) => text.Length <= 2000 ? text : "…" + text[^2000..];

    /// <summary>The silo processes of one cluster, by name; a killed silo is replaced by a new process of the same name.</summary>
    private sealed partial class Cluster(string connectionString, string id, double storageFaultRate) : IDisposable
    {
        private long _faultsOfEndedSilos;

        private readonly Dictionary<string, CliRunner.BackgroundProcess> _silos = new(StringComparer.Ordinal);

        public string Id => id;

        public int Kills { get; private set; }

        public int Started { get; private set; }

        /// <summary>Storage faults the silos reported injecting (each process's last report, summed).</summary>
        public long StorageFaults
        {
            get
            {
                lock (_silos)
                {
                    return _faultsOfEndedSilos + _silos.Values.Sum(s => LastFaultReport(s.Output));
                }
            }
        }

        public void Start(string name)
        {
            lock (_silos)
            {
                _silos[name] = CliRunner.Start(
                    new Dictionary<string, string>
                    {
                        ["OrleansIngest__Jobs__LeaseDuration"] = LeaseDuration.ToString("c", CultureInfo.InvariantCulture),
                        ["OrleansIngest__Storage__ChaosFaultRate"] = storageFaultRate.ToString(CultureInfo.InvariantCulture),
                    },
                    "silo", "--cluster-connection-string", connectionString, "--cluster-id", id,
                    "--silo-port", FreePort(), "--gateway-port", FreePort(), "--advertised-ip", "127.0.0.1",
                    "--name", name, "--lanes", "1", "--http-port", "0", "--storage-connection-string", connectionString);
                Started++;
            }
        }

        public void KillAndRestart(string name)
        {
            lock (_silos)
            {
                var silo = _silos[name];
                silo.Dispose();
                _faultsOfEndedSilos += LastFaultReport(silo.Output);
                Kills++;
                Start(name);
            }
        }

        [GeneratedRegex(@"chaos: (\d+) storage faults injected")]
        private static partial Regex FaultReport();

        // "chaos: N storage faults injected", as ChaosStorageFaults logs it every few seconds; the last one counts.
        private static long LastFaultReport(string output)
        {
            var matches = FaultReport().Matches(output);
            return matches.Count == 0 ? 0 : long.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
        }

        public string Diagnostics()
        {
            lock (_silos)
            {
                return string.Join("\n", _silos.Select(s => $"--- {s.Key} (exited: {s.Value.HasExited})\n{s.Value.Output}"));
            }
        }

        public void Dispose()
        {
            lock (_silos)
            {
                foreach (var silo in _silos.Values)
                {
                    silo.Dispose();
                }
            }
        }

        private static string FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        }
    }
}
