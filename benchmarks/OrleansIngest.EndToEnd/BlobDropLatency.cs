using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Synthetic;

namespace OrleansIngest.EndToEnd;

/// <summary>
/// The <c>latency</c> mode: runs <c>orleans-ingest subscribe</c> (embedded silo) on an empty folder, drops files into
/// it at a steady rate the way a blob commit lands (written under a hidden name, then renamed into place), and
/// measures each file's latency from its drop to the <c>committed_at</c> of the commit log entry that holds its
/// rows, read independently of the job from the tables' logs.
/// </summary>
internal static partial class BlobDropLatency
{
    public const string Usage = """
        latency mode: time from a file's drop (upload) to its rows being committed

          dotnet run -c Release --project benchmarks/OrleansIngest.EndToEnd -- latency [--files 60] [--rate 2] [--kind sensor|audio|mixed] [--lanes N]

          --files  files to drop (default 60)
          --rate   files per second (default 2)
          --kind   sensor: short gas-sensor CSVs (3-5 min of rows); audio: short WAVs (0.6-8 s, 8-48 kHz, PCM8/16/24, float);
                   mixed: the two in turn (default sensor)
          --lanes  the embedded silo's lanes (default: one per core)

        Measured independently: latency = committed_at of the log entry holding the file's unit - the moment the file
        was renamed into the source folder; also shown: the job's own histogram (file mtime -> commit, from its
        progress line; its buckets are 1/8 of a doubling wide, so its percentiles are bucket midpoints).

        What a file's latency is made of (defaults):
          1. settle delay, 2 s (LocalFolderWatchService.SettleDelay): the folder watcher announces a file once its size
             and mtime have been unchanged for 2 s. A fixed floor under every file.
          2. event -> pending unit: one grain call (ms).
          3. worker pickup: an idle worker polls its job every WorkerOptions.PollInterval = 200 ms (0-200 ms of wait);
             a busy lane leases the new unit as soon as it finishes its current one.
          4. processing: decode, segment, VAD, features (audio) or windows (sensor); tens of ms for these files.
          5. commit: a lane commits its open file when it finds no more work, when the file reaches its target size
             (256 MB) or PipelineDefinition.Output.MaxFileSeconds = 60 s after the file was opened. At a rate the lanes
             keep up with they run dry between files and commit at once; under a sustained backlog files (and their
             units) wait for the size or the 60 s age instead.
        So at a light load the 2 s settle delay dominates; under a backlog it is the 60 s file age.
        Measured on 2 cores (40 sensor files at 2/s, 20 mixed at 1/s, 60 WAVs at 6/s): p50 2.1-2.2 s, p95 2.2-2.4 s,
        max 2.4-2.7 s, i.e. the settle delay is ~95 % of the median; the lanes kept up, so the 60 s age never applied.

        At the end the CLI gets SIGTERM, as a service manager would stop it, and is killed if it has not exited 15 s later.
        """;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        var files = (int)Arg(args, "--files", 60);
        var rate = Arg(args, "--rate", 2);
        var lanes = (int)Arg(args, "--lanes", 0);
        var kind = ArgText(args, "--kind", "sensor");
        if (files < 1 || !(rate > 0) || lanes < 0 || kind is not ("sensor" or "audio" or "mixed"))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var work = Path.Combine(Path.GetTempPath(), $"oi-latency-bench-{Guid.NewGuid():N}");
        var source = Path.Combine(work, "source");
        var output = Path.Combine(work, "out");
        Directory.CreateDirectory(source);
        Process? cli = null;
        try
        {
            var templates = LoadTemplates(Path.Combine(work, "templates"), kind);
            var start = new ProcessStartInfo("dotnet")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,

                // With stdin redirected too the CLI prints plain progress lines rather than a live progress bar.
                RedirectStandardInput = true,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "orleans-ingest.dll"));
            foreach (var a in (string[])["subscribe", "--source", source, "--output", output])
            {
                start.ArgumentList.Add(a);
            }

            if (lanes > 0)
            {
                start.ArgumentList.Add("--lanes");
                start.ArgumentList.Add(lanes.ToString(Inv));
            }

            start.Environment["NO_COLOR"] = "1";
            var total = Stopwatch.StartNew();
            cli = Process.Start(start)!;
            var log = new CliOutput(cli);
            if (!await log.WaitForAsync(line => line.Contains("watching", StringComparison.Ordinal), TimeSpan.FromSeconds(90)))
            {
                Console.Error.WriteLine($"The CLI did not start watching:{Environment.NewLine}{log.Stderr}");
                return 1;
            }

            // "watching" comes before the folder watcher is up: the job's start listing is listing 1, and the watcher
            // (which follows the subscription list every 3 s) asks for listing 2 once it listens. Files dropped before
            // then would be found by a listing, not announced by an event, and measure less than the settle delay.
            if (!await log.WaitForAsync(line => ListingsOf(line) >= 2, TimeSpan.FromSeconds(30)))
            {
                Console.Error.WriteLine("The watcher did not ask for its first listing.");
                return 1;
            }

            var drops = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            var dropping = DropAsync(source, templates, files, rate, drops);
            var committed = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            var quarantined = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new HashSet<string>(StringComparer.Ordinal);
            var filesCommitted = 0;
            var deadline = Stopwatch.StartNew();
            var limit = TimeSpan.FromSeconds((files / rate) + 240);
            while (!(dropping.IsCompleted && drops.Keys.All(n => committed.ContainsKey(n) || quarantined.ContainsKey(n))))
            {
                if (deadline.Elapsed > limit || cli.HasExited)
                {
                    Console.Error.WriteLine($"Gave up: {committed.Count} of {files} files committed after {deadline.Elapsed.TotalSeconds:0} s (CLI exited: {cli.HasExited}).");
                    return 1;
                }

                filesCommitted += ReadNewEntries(output, entries, committed, quarantined);
                await Task.Delay(PollInterval);
            }

            await dropping;
            var firstDrop = drops.Values.Min();
            var lastCommit = committed.Values.DefaultIfEmpty(firstDrop).Max();

            // The job's histogram is read on its progress line (every 2 s): wait for one that counts every file.
            await log.WaitForAsync(line => SamplesOf(line) >= committed.Count, TimeSpan.FromSeconds(10));
            var progressLine = log.LastMatching(line => line.Contains("latency", StringComparison.Ordinal));
            var jobLatency = progressLine is null
                ? "no progress line"
                : progressLine[(progressLine.LastIndexOf("latency", StringComparison.Ordinal) + "latency".Length)..].Trim();
            var announced = progressLine is not null && ProgressEvents().Match(progressLine) is { Success: true } events
                ? $"{events.Groups[1].Value} events, {ListingsOf(progressLine)} listings (2 before the first drop)"
                : "-";
            var (stopped, exit, stopSeconds) = await StopAsync(cli);
            total.Stop();

            var latencies = committed.Select(c => (c.Value - drops[c.Key]).TotalSeconds).Order().ToArray();
            var kinds = string.Join(", ", drops.Keys.GroupBy(Path.GetExtension).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"));
            var rows = new (string, string)[]
            {
                ("machine", $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}"),
                ("files dropped", $"{files} ({kinds})"),
                ("kind", kind),
                ("rate", $"{rate.ToString("0.##", Inv)} files/s"),
                ("lanes", lanes > 0 ? lanes.ToString(Inv) : $"default ({Environment.ProcessorCount})"),
                ("committed / quarantined", $"{committed.Count} / {quarantined.Count}"),
                ("latency p50 (drop → committed_at)", Seconds(Percentile(latencies, 0.50))),
                ("latency p95", Seconds(Percentile(latencies, 0.95))),
                ("latency max", Seconds(latencies.DefaultIfEmpty(double.NaN).Max())),
                ("latency min", Seconds(latencies.DefaultIfEmpty(double.NaN).Min())),
                ("latency p50 − settle delay (2 s)", Seconds(Percentile(latencies, 0.50) - 2)),
                ("job's own latency (mtime → commit)", jobLatency),
                ("announced by (job's counters)", announced),
                ("data files committed", $"{filesCommitted} ({(filesCommitted > 0 ? committed.Count / (double)filesCommitted : 0).ToString("0.0", Inv)} source files per data file)"),
                ("wall time, first drop → last commit", Seconds((lastCommit - firstDrop).TotalSeconds)),
                ("wall time, total", $"{Seconds(total.Elapsed.TotalSeconds)} (includes silo start, first listing, stop)"),
                ("CLI stop", stopped ? $"SIGTERM: exit {exit} after {Seconds(stopSeconds)}" : $"SIGTERM ignored; killed after {Seconds(stopSeconds)}"),
            };
            Console.WriteLine();
            Console.WriteLine("| blob-drop latency (embedded silo, subscribe) | value |");
            Console.WriteLine("|---|---|");
            foreach (var (name, value) in rows)
            {
                Console.WriteLine($"| {name} | {value} |");
            }

            foreach (var (name, reason) in quarantined)
            {
                Console.WriteLine($"quarantined {name}: {reason}");
            }

            return quarantined.Count == 0 ? 0 : 1;
        }
        finally
        {
            if (cli is { HasExited: false })
            {
                cli.Kill(entireProcessTree: true);
            }

            cli?.Dispose();
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // Leave it for the OS temp cleaner.
            }
        }
    }

    /// <summary>Generates a small corpus once; the drops are copies of its files under new names.</summary>
    private static IReadOnlyList<(string Extension, byte[] Content)> LoadTemplates(string folder, string kind)
    {
        var withAudio = kind is "audio" or "mixed";
        var withSensor = kind is "sensor" or "mixed";
        var manifest = CorpusGenerator.Generate(folder, new CorpusSettings(AudioMinutes: withAudio ? 0.4 : 0, SensorFiles: withSensor ? 3 : 0, BadFiles: 0, Seed: 11));
        (string, byte[]) Load(CorpusFile f) => (Path.GetExtension(f.RelativePath), File.ReadAllBytes(Path.Combine(folder, f.RelativePath)));
        var audio = manifest.OfKind(CorpusFileKind.Audio).Select(Load).ToList();
        var sensor = manifest.OfKind(CorpusFileKind.Sensor).Select(Load).ToList();
        if (kind != "mixed")
        {
            return withAudio ? audio : sensor;
        }

        var count = Math.Max(audio.Count, sensor.Count);
        return [.. Enumerable.Range(0, count).SelectMany(i => new[] { sensor[i % sensor.Count], audio[i % audio.Count] })];
    }

    /// <summary>Drops file i at i / rate seconds: written under a hidden name (the watcher skips it), then renamed into place.</summary>
    private static async Task DropAsync(string source, IReadOnlyList<(string Extension, byte[] Content)> templates, int files, double rate, ConcurrentDictionary<string, DateTimeOffset> drops)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < files; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }

            var (extension, content) = templates[i % templates.Count];
            var name = string.Create(Inv, $"drop-{i:0000}{extension}");
            var hidden = Path.Combine(source, $".{name}.tmp");
            await File.WriteAllBytesAsync(hidden, content);
            File.Move(hidden, Path.Combine(source, name));
            drops[name] = DateTimeOffset.UtcNow;
        }
    }

    /// <summary>Reads log entries not read before; returns the number of data files they committed.</summary>
    private static int ReadNewEntries(string output, HashSet<string> seen, Dictionary<string, DateTimeOffset> committed, Dictionary<string, string> quarantined)
    {
        if (!Directory.Exists(output))
        {
            return 0;
        }

        var dataFiles = 0;
        foreach (var table in Directory.EnumerateDirectories(output))
        {
            var logFolder = Path.Combine(table, "_ingest", "log");
            if (!Directory.Exists(logFolder))
            {
                continue;
            }

            // Entries appear atomically (written to a hidden temporary name, then linked), so a listed entry is whole.
            foreach (var path in Directory.EnumerateFiles(logFolder, "*.json").Where(p => LogEntryName().IsMatch(Path.GetFileName(p)) && seen.Add(p)))
            {
                var entry = CommitLogEntry.Parse(long.Parse(Path.GetFileNameWithoutExtension(path), Inv), File.ReadAllBytes(path));
                foreach (var file in entry.Files)
                {
                    dataFiles++;
                    foreach (var unit in file.Units)
                    {
                        committed.TryAdd(NameOf(unit.SourceUri), entry.CommittedAt);
                    }
                }

                foreach (var unit in entry.Quarantined)
                {
                    quarantined.TryAdd(NameOf(unit.SourceUri), unit.Reason);
                }
            }
        }

        return dataFiles;
    }

    private static string NameOf(string sourceUri) => Path.GetFileName(new Uri(sourceUri).LocalPath);

    /// <summary>SIGTERM, as a service manager stops it; killed if it has not exited 15 s later (its host's shutdown timeout is 10 s).</summary>
    private static async Task<(bool Stopped, int ExitCode, double Seconds)> StopAsync(Process cli)
    {
        var clock = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", cli.Id.ToString(Inv)])!)
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await cli.WaitForExitAsync(timeout.Token);
            return (true, cli.ExitCode, clock.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException)
        {
            cli.Kill(entireProcessTree: true);
            await cli.WaitForExitAsync();
            return (false, cli.ExitCode, clock.Elapsed.TotalSeconds);
        }
    }

    private static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Max(0, (int)Math.Ceiling(quantile * sorted.Length) - 1)];

    private static string Seconds(double seconds) => double.IsNaN(seconds) ? "-" : seconds.ToString("0.00 s", Inv);

    private static long ListingsOf(string line) => ProgressListings().Match(line) is { Success: true } m ? long.Parse(m.Groups[1].Value, Inv) : -1;

    private static long SamplesOf(string line) => ProgressSamples().Match(line) is { Success: true } m ? long.Parse(m.Groups[1].Value, Inv) : -1;

    private static double Arg(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], Inv) : fallback;
    }

    private static string ArgText(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    [GeneratedRegex(@"^\d{20}\.json$")]
    private static partial Regex LogEntryName();

    [GeneratedRegex(@"(\d+) listings")]
    private static partial Regex ProgressListings();

    [GeneratedRegex(@"(\d+) events")]
    private static partial Regex ProgressEvents();

    [GeneratedRegex(@"\(n=(\d+)\)")]
    private static partial Regex ProgressSamples();

    /// <summary>The CLI's output lines as they come, kept for waiting on and reading back.</summary>
    private sealed class CliOutput
    {
        private readonly List<string> _lines = [];
        private readonly Task<string> _stderr;
        private readonly Process _process;

        public CliOutput(Process process)
        {
            _process = process;
            _stderr = process.StandardError.ReadToEndAsync();
            _ = Task.Run(async () =>
            {
                while (await process.StandardOutput.ReadLineAsync() is { } line)
                {
                    lock (_lines)
                    {
                        _lines.Add(line);
                    }
                }
            });
        }

        public string Stderr => _stderr.IsCompleted ? _stderr.Result : "(still running)";

        public string? LastMatching(Func<string, bool> match)
        {
            lock (_lines)
            {
                return _lines.LastOrDefault(match);
            }
        }

        /// <summary>Waits for a line that matches (one already printed counts); false on timeout or when the CLI exits.</summary>
        public async Task<bool> WaitForAsync(Func<string, bool> match, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                if (LastMatching(match) is not null)
                {
                    return true;
                }

                if (_process.HasExited)
                {
                    await _stderr;
                    return false;
                }

                await Task.Delay(PollInterval);
            }

            return false;
        }
    }
}
