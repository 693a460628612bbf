using Microsoft.ML.OnnxRuntime;
using OrleansIngest.Processing.Inference;

namespace OrleansIngest.Processing.Features;

/// <summary>
/// Whisper's log-mel computed by ONNX Runtime from <see cref="OnnxLogMelGraph"/>, many segments per run; the
/// results equal <see cref="WhisperLogMel.Compute"/> of each segment alone within 1e-4 (each item has its own
/// maximum). Made for a GPU, where one run of 64–256 × 30 s segments keeps the device busy; on a CPU the managed
/// <see cref="WhisperLogMel"/> is faster (see the benchmarks).
/// <para>
/// Input and output live in two arrays allocated once and pinned in the managed heap (not page-locked CUDA host
/// memory: on a GPU the driver stages the copy), sized for <see cref="OnnxLogMelSettings.MaxBatch"/>
/// full segments. Runs of full segments go through an I/O binding cached per batch size, so a steady stream
/// allocates nothing per run; the input is reflect-padded straight into the pinned array. Segments of other
/// lengths (a file's short last segment) run in groups of equal length over the same arrays.
/// Not thread-safe: one instance per loop (see <see cref="OnnxLogMelBatcher"/>).
/// </para>
/// </summary>
public sealed class OnnxLogMel : IDisposable
{
    private const int Padding = WhisperLogMel.FftSize / 2;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly int _fullFrames;
    private readonly Dictionary<int, BoundRun> _boundRuns = [];
    private readonly List<int> _group = [];
    private bool _disposed;

    /// <summary>Generates the graph and opens a session on the provider asked for.</summary>
    /// <exception cref="ArgumentException">The settings are out of range or name an unknown provider.</exception>
    public OnnxLogMel(OnnxLogMelSettings? settings = null)
    {
        Settings = settings ?? new OnnxLogMelSettings();
        ArgumentOutOfRangeException.ThrowIfLessThan(Settings.MaxBatch, 1, nameof(settings));
        ArgumentOutOfRangeException.ThrowIfLessThan(Settings.SegmentSamples, WhisperLogMel.HopLength, nameof(settings));
        ArgumentOutOfRangeException.ThrowIfNegative(Settings.IntraOpThreads, nameof(settings));
        _fullFrames = WhisperLogMel.FrameCount(Settings.SegmentSamples);
        _input = GC.AllocateArray<float>(checked(Settings.MaxBatch * OnnxLogMelGraph.PaddedLength(_fullFrames)), pinned: true);
        _output = GC.AllocateArray<float>(checked(Settings.MaxBatch * WhisperLogMel.MelBands * _fullFrames), pinned: true);
        _session = CreateSession(OnnxLogMelGraph.Build(), Settings);
    }

    /// <summary>Settings in effect.</summary>
    public OnnxLogMelSettings Settings { get; }

    /// <summary>Same contract as <see cref="WhisperLogMel.Compute"/>, for one segment.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short or the segment too long.</exception>
    public void Compute(ReadOnlySpan<float> samples, Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var frames = WhisperLogMel.FrameCount(samples.Length);
        RequireDestination(destination.Length, frames, 0);
        if (frames == 0)
        {
            return;
        }

        RequireCapacity(frames);
        PadInto(samples, _input.AsSpan(0, OnnxLogMelGraph.PaddedLength(frames)));
        Run(1, frames);
        _output.AsSpan(0, WhisperLogMel.MelBands * frames).CopyTo(destination);
    }

    /// <summary>
    /// Computes the log-mel of every segment into the destination at the same index, as <see cref="Compute"/>
    /// would one by one. Segments of equal length share runs of up to <see cref="OnnxLogMelSettings.MaxBatch"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length, a destination is too short, or a segment is too long.</exception>
    public void ComputeBatch(IReadOnlyList<ReadOnlyMemory<float>> segments, IReadOnlyList<Memory<float>> destinations)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentNullException.ThrowIfNull(destinations);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (segments.Count != destinations.Count)
        {
            throw new ArgumentException($"{segments.Count} segments but {destinations.Count} destinations.", nameof(destinations));
        }

        for (var i = 0; i < segments.Count; i++)
        {
            var frames = WhisperLogMel.FrameCount(segments[i].Length);
            RequireDestination(destinations[i].Length, frames, i);
            if (frames > 0)
            {
                RequireCapacity(frames);
            }
        }

        // Group by frame count in order of first appearance: usually one group of full segments.
        for (var i = 0; i < segments.Count; i++)
        {
            var frames = WhisperLogMel.FrameCount(segments[i].Length);
            if (frames == 0 || IsDoneEarlier(segments, i, frames))
            {
                continue;
            }

            _group.Clear();
            for (var j = i; j < segments.Count; j++)
            {
                if (WhisperLogMel.FrameCount(segments[j].Length) == frames)
                {
                    _group.Add(j);
                }
            }

            RunGroup(segments, destinations, frames);
        }
    }

    /// <summary>Releases the session and the cached bindings.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var run in _boundRuns.Values)
        {
            run.Dispose();
        }

        _session.Dispose();
        _runOptions.Dispose();
    }

    // The one place a session is made, so a shared session factory can take it over.
    private static InferenceSession CreateSession(byte[] model, OnnxLogMelSettings settings)
    {
        // TF32 convolutions keep 10 mantissa bits: enough to move a log-mel value by about 1e-4, the whole tolerance.
        var cuda = new Dictionary<string, string>(StringComparer.Ordinal) { ["use_tf32"] = "0" };
        return OnnxSessionFactory.Create(model, settings.ExecutionProvider, settings.IntraOpThreads, cuda).Session;
    }

    private static bool IsDoneEarlier(IReadOnlyList<ReadOnlyMemory<float>> segments, int index, int frames)
    {
        for (var j = 0; j < index; j++)
        {
            if (WhisperLogMel.FrameCount(segments[j].Length) == frames)
            {
                return true;
            }
        }

        return false;
    }

    private static void RequireDestination(int length, int frames, int index)
    {
        var required = WhisperLogMel.MelBands * frames;
        if (length < required)
        {
            throw new ArgumentException($"Destination {index} holds {length} values; {required} are needed for {frames} frames.");
        }
    }

    // How many segments of this length fit the pinned arrays at once.
    private int RequireCapacity(int frames)
    {
        var items = Math.Min(_input.Length / OnnxLogMelGraph.PaddedLength(frames), _output.Length / (WhisperLogMel.MelBands * frames));
        if (items == 0)
        {
            throw new ArgumentException(
                $"A segment of {frames} frames is longer than the {Settings.MaxBatch} × {Settings.SegmentSamples} samples the buffers hold.");
        }

        return items;
    }

    private void RunGroup(IReadOnlyList<ReadOnlyMemory<float>> segments, IReadOnlyList<Memory<float>> destinations, int frames)
    {
        var padded = OnnxLogMelGraph.PaddedLength(frames);
        var melValues = WhisperLogMel.MelBands * frames;
        var perRun = Math.Min(RequireCapacity(frames), frames == _fullFrames ? Settings.MaxBatch : int.MaxValue);
        for (var start = 0; start < _group.Count; start += perRun)
        {
            var count = Math.Min(perRun, _group.Count - start);
            for (var k = 0; k < count; k++)
            {
                PadInto(segments[_group[start + k]].Span, _input.AsSpan(k * padded, padded));
            }

            Run(count, frames);
            for (var k = 0; k < count; k++)
            {
                _output.AsSpan(k * melValues, melValues).CopyTo(destinations[_group[start + k]].Span);
            }
        }
    }

    private void Run(int count, int frames)
    {
        if (frames == _fullFrames)
        {
            if (!_boundRuns.TryGetValue(count, out var bound))
            {
                bound = new BoundRun(_session, _input, _output, count, frames);
                _boundRuns.Add(count, bound);
            }

            _session.RunWithBinding(_runOptions, bound.Binding);
            return;
        }

        using var run = new BoundRun(_session, _input, _output, count, frames);
        _session.RunWithBinding(_runOptions, run.Binding);
    }

    // Centre padding as numpy's reflect: 200 mirrored samples before the signal, as many after as the last window needs.
    private static void PadInto(ReadOnlySpan<float> samples, Span<float> padded)
    {
        var n = samples.Length;
        var direct = Math.Min(n, padded.Length - Padding);
        samples[..direct].CopyTo(padded.Slice(Padding, direct));
        for (var j = 0; j < Padding; j++)
        {
            padded[j] = samples[Reflect(j - Padding, n)];
        }

        for (var j = Padding + direct; j < padded.Length; j++)
        {
            padded[j] = samples[Reflect(j - Padding, n)];
        }
    }

    private static int Reflect(int index, int length)
    {
        if (length == 1)
        {
            return 0;
        }

        var period = 2 * (length - 1);
        index %= period;
        if (index < 0)
        {
            index += period;
        }

        return index < length ? index : period - index;
    }

    /// <summary>Input and output tensors over the pinned arrays, bound once for one batch shape.</summary>
    private sealed class BoundRun : IDisposable
    {
        private readonly OrtValue _input;
        private readonly OrtValue _output;

        public BoundRun(InferenceSession session, float[] input, float[] output, int count, int frames)
        {
            var padded = OnnxLogMelGraph.PaddedLength(frames);
            _input = OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance, input.AsMemory(0, count * padded), [count, 1, padded]);
            _output = OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance, output.AsMemory(0, count * WhisperLogMel.MelBands * frames), [count, WhisperLogMel.MelBands, frames]);
            Binding = session.CreateIoBinding();
            Binding.BindInput(OnnxLogMelGraph.InputName, _input);
            Binding.BindOutput(OnnxLogMelGraph.OutputName, _output);
        }

        public OrtIoBinding Binding { get; }

        public void Dispose()
        {
            Binding.Dispose();
            _input.Dispose();
            _output.Dispose();
        }
    }
}
