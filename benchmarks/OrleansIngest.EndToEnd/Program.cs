using OrleansIngest.EndToEnd;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansIngest.Processing.Synthetic;

// End-to-end runner: generates a synthetic corpus, runs `orleans-ingest ingest` on the embedded silo as a
// separate process, and prints a table of wall time, × real time (overall and per CPU-second) and peak memory.
// `latency` mode (see BlobDropLatency.Usage, or `-- latency --help`): runs `orleans-ingest subscribe`, drops files
// at a steady rate and prints the latency from each drop to its commit.
if (args.Length > 0 && args[0] == "stages")
{
    return await Stages.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "latency")
{
    return await BlobDropLatency.RunAsync(args[1..]);
}

var inv = CultureInfo.InvariantCulture;
var minutes = ArgValue("--audio-minutes", 20.0);
var largeWavGb = ArgValue("--large-wav-gb", 0.0);
var lanes = ArgValue("--lanes", 0.0);
var work = Path.Combine(Path.GetTempPath(), $"oi-e2e-bench-{Guid.NewGuid():N}");
var corpus = Path.Combine(work, "corpus");
var output = Path.Combine(work, "out");
try
{
    var manifest = largeWavGb > 0
        ? await LargeWav.GenerateAsync(corpus, largeWavGb)
        : CorpusGenerator.Generate(corpus, new CorpusSettings(minutes, SensorFiles: 4, BadFiles: 3, Seed: 1));
    var cli = Path.Combine(AppContext.BaseDirectory, "orleans-ingest.dll");
    string[] ingestArgs = lanes > 0 ? ["ingest", "--source", corpus, "--output", output, "--lanes", lanes.ToString(inv)] : ["ingest", "--source", corpus, "--output", output];
    var (wall, cpu, peakBytes, exit) = await RunMeasuredAsync(cli, ingestArgs);
    if (exit != 0)
    {
        Console.Error.WriteLine($"ingest exited {exit}");
        return 1;
    }

    var outputBytes = Directory.GetFiles(output, "*.parquet", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
    var audioSeconds = manifest.TotalAudioSeconds;
    var rows = new (string, string)[]
    {
        ("machine", $"{Environment.ProcessorCount} cores, {RuntimeLabel()}"),
        ("corpus", $"{manifest.OfKind(CorpusFileKind.Audio).Count()} audio files ({manifest.OfKind(CorpusFileKind.Audio).Sum(f => f.SizeBytes) / 1e9:0.00} GB, {audioSeconds / 60:0.0} min), {manifest.OfKind(CorpusFileKind.Sensor).Count()} sensor files, {manifest.OfKind(CorpusFileKind.Bad).Count()} bad"),
        ("wall time", $"{wall.TotalSeconds:0.00} s (includes silo start/stop)"),
        ("CPU time", $"{cpu.TotalSeconds:0.00} s"),
        ("× real time (wall)", $"{audioSeconds / wall.TotalSeconds:0.0}×"),
        ("× real time per core (audio s / CPU s)", $"{audioSeconds / cpu.TotalSeconds:0.0}×"),
        ("peak working set", $"{peakBytes / (1024.0 * 1024):0} MB"),
        ("Parquet written", $"{outputBytes / (1024.0 * 1024):0.0} MB"),
    };
    Console.WriteLine();
    Console.WriteLine("| end-to-end (embedded silo) | value |");
    Console.WriteLine("|---|---|");
    foreach (var (name, value) in rows)
    {
        Console.WriteLine($"| {name} | {value} |");
    }

    return 0;
}
finally
{
    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException)
    {
        // Leave it for the OS temp cleaner.
    }
}

double ArgValue(string name, double fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], inv) : fallback;
}

static string RuntimeLabel() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;

static async Task<(TimeSpan Wall, TimeSpan Cpu, long PeakBytes, int ExitCode)> RunMeasuredAsync(string cli, string[] arguments)
{
    var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
    start.ArgumentList.Add(cli);
    foreach (var a in arguments)
    {
        start.ArgumentList.Add(a);
    }

    start.Environment["NO_COLOR"] = "1";
    var stopwatch = Stopwatch.StartNew();
    using var process = Process.Start(start)!;
    var stdout = process.StandardOutput.ReadToEndAsync();
    long peak = 0;
    var cpu = TimeSpan.Zero;
    while (!process.HasExited)
    {
        try
        {
            process.Refresh();
            peak = Math.Max(peak, process.PeakWorkingSet64);
            cpu = process.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
            break;
        }

        await Task.Delay(100);
    }

    await process.WaitForExitAsync();
    stopwatch.Stop();
    Console.WriteLine(await stdout);
    return (stopwatch.Elapsed, cpu, peak, process.ExitCode);
}
