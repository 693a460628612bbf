using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using OrleansIngest.GpuBenchmark;
using OrleansIngest.Processing.Features;
using OrleansIngest.Processing.Inference;

// Exit codes: 0 passed, 1 a GPU result differs from the CPU path, 2 bad arguments, 3 the provider is not available.
GpuBenchmarkSettings settings;
try
{
    settings = GpuBenchmarkSettings.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine("usage: OrleansIngest.GpuBenchmark [--self-check] [--provider cuda|cpu] [--segments N] [--batch N] [--vad-streams N] [--vad-seconds N]");
    return 2;
}

if (settings.Provider == SileroVadModel.CudaProvider && !OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider"))
{
    Console.Error.WriteLine("This ONNX Runtime build has no CUDA execution provider: build with -p:OrleansIngestOnnxRuntime=gpu (benchmarks/gpu/run.sh does).");
    return 3;
}

Console.WriteLine($"provider {settings.Provider}; log-mel {settings.Segments} × 30 s in batches of {settings.Batch}; VAD {settings.VadStreams} streams × {settings.VadSeconds} s");
var segments = Enumerable.Range(0, settings.Segments).Select(i => Audio.Segment(30 * WhisperLogMel.SampleRate, seed: i)).ToArray();
var rows = new List<(string Stage, string Where, double RealTime, string Per, string Check)>();
var failed = false;

// Log-mel, managed on one core: the reference and the CPU figure.
var managed = new WhisperLogMel();
var frames = WhisperLogMel.FrameCount(segments[0].Length);
var reference = segments.Take(settings.CheckSegments).Select(s =>
{
    var mel = new float[WhisperLogMel.MelBands * frames];
    managed.Compute(s, mel);
    return mel;
}).ToArray();
var scratch = new float[WhisperLogMel.MelBands * frames];
var managedClock = Stopwatch.StartNew();
foreach (var segment in segments.Take(Math.Max(settings.CheckSegments, 4)))
{
    managed.Compute(segment, scratch);
}

rows.Add(("log-mel", "managed, 1 CPU core", Math.Min(settings.Segments, Math.Max(settings.CheckSegments, 4)) * 30 / managedClock.Elapsed.TotalSeconds, "core", "reference"));

// Log-mel, ONNX on the provider through the batcher, as the pipeline runs it.
// As a GPU silo runs it: two instances double-buffer (one batch uploads while the other computes).
var logMelSettings = new OnnxLogMelSettings(MaxBatch: settings.Batch, ExecutionProvider: settings.Provider, IntraOpThreads: settings.Provider == "cpu" ? 1 : 0);
OnnxLogMel[] onnx;
try
{
    onnx = settings.Provider == "cpu" ? [new OnnxLogMel(logMelSettings)] : [new OnnxLogMel(logMelSettings), new OnnxLogMel(logMelSettings)];
}
catch (OnnxRuntimeException ex)
{
    Console.Error.WriteLine($"The {settings.Provider} execution provider failed to load (CUDA/cuDNN libraries?): {ex.Message}");
    return 3;
}

var outputs = segments.Select(_ => new float[WhisperLogMel.MelBands * frames]).ToArray();
await using (var batcher = new OnnxLogMelBatcher(onnx, maxPending: 2 * settings.Batch))
{
    await batcher.ComputeAsync(segments[0], outputs[0]);
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(segments.Select((s, i) => Task.Run(() => batcher.ComputeAsync(s, outputs[i]))));
    var seconds = clock.Elapsed.TotalSeconds;
    var error = reference.Select((r, i) => r.Zip(outputs[i], (a, b) => (double)Math.Abs(a - b)).Max()).DefaultIfEmpty(0).Max();
    var pass = error <= GpuBenchmarkSettings.LogMelTolerance;
    failed |= !pass;
    rows.Add(("log-mel", $"onnx {settings.Provider}, batch {settings.Batch}", settings.Segments * 30 / seconds, settings.Provider == "cuda" ? "GPU" : "process",
        $"max abs diff {error.ToString("E1", CultureInfo.InvariantCulture)} {(pass ? "≤" : ">")} 1e-4"));
}

// VAD: the CPU provider on one core is the reference; the provider asked for runs the same streams.
var vadAudio = Enumerable.Range(0, settings.VadStreams).Select(i => Audio.Segment((int)(settings.VadSeconds * SileroVad.SampleRate), seed: 1000 + i)).ToArray();
var (cpuResults, cpuSeconds) = await RunVadAsync("cpu", settings.VadStreams, vadAudio);
(VadResult[] Results, double Seconds) providerVad = (cpuResults, cpuSeconds);
if (settings.Provider != "cpu")
{
    try
    {
        providerVad = await RunVadAsync(settings.Provider, settings.VadStreams, vadAudio);
    }
    catch (InvalidOperationException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 3;
    }
}

rows.Add(("VAD", $"onnx cpu, 1 core, batch {settings.VadStreams}", settings.VadStreams * settings.VadSeconds / cpuSeconds, "core", "reference"));
if (settings.Provider != "cpu")
{
    var (results, seconds) = providerVad;
    var difference = results.Select((r, i) => r.FrameProbabilities.Zip(cpuResults[i].FrameProbabilities, (a, b) => (double)Math.Abs(a - b)).DefaultIfEmpty(0).Max()).Max();
    var pass = difference <= GpuBenchmarkSettings.VadTolerance;
    failed |= !pass;
    rows.Add(("VAD", $"onnx {settings.Provider}, batch {settings.VadStreams}", settings.VadStreams * settings.VadSeconds / seconds, "GPU",
        $"max abs diff {difference.ToString("E1", CultureInfo.InvariantCulture)} {(pass ? "≤" : ">")} 1e-3"));
}

// The verdict first and the table last, so run.sh can append its GPU utilisation row to the table.
Console.WriteLine(failed ? "FAILED: a result differs from the CPU path by more than its tolerance." : "PASSED: results match the CPU path.");
Console.WriteLine();
Console.WriteLine("| stage | where | × real time | per | check |");
Console.WriteLine("|---|---|---:|---|---|");
foreach (var (stage, where, realTime, per, check) in rows)
{
    Console.WriteLine($"| {stage} | {where} | {realTime.ToString("N0", CultureInfo.InvariantCulture)} | {per} | {check} |");
}

return failed ? 1 : 0;

static async Task<(VadResult[] Results, double Seconds)> RunVadAsync(string provider, int streams, float[][] audio)
{
    using var model = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath, SileroVadModel.PinnedSha256, provider, IntraOpThreads: 1));
    if (model.ActualProvider != provider)
    {
        throw new InvalidOperationException($"VAD asked for {provider} but runs on {model.ActualProvider}: {model.ProviderFallbackReason}");
    }

    await using var batcher = new VadBatcher(model, new VadBatcherSettings(MaxBatch: streams));
    await batcher.AnalyzeAsync(audio[0].AsMemory(0, Math.Min(audio[0].Length, 16_000)));
    var clock = Stopwatch.StartNew();
    var results = await Task.WhenAll(audio.Select(a => batcher.AnalyzeAsync(a)));
    return (results, clock.Elapsed.TotalSeconds);
}
