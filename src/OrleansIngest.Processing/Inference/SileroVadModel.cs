using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OrleansIngest.Processing.Synthetic;

namespace OrleansIngest.Processing.Inference;

/// <summary>
/// The Silero VAD ONNX model: one <see cref="InferenceSession"/> meant to be shared by the whole process
/// (register it as a singleton). <see cref="Run(ReadOnlySpan{float}, Span{float}, Span{float}, int)"/>
/// is safe to call from many threads at once.
/// </summary>
public sealed class SileroVadModel : IDisposable, IVadBatchRunner
{
    /// <summary>Provider name of the CPU execution provider.</summary>
    public const string CpuProvider = OnnxSessionFactory.CpuProvider;

    /// <summary>Provider name of the CUDA execution provider.</summary>
    public const string CudaProvider = OnnxSessionFactory.CudaProvider;

    private const string InputName = "input";
    private const string StateName = "state";
    private const string SampleRateName = "sr";
    private const string OutputName = "output";
    private const string NextStateName = "stateN";

    private static readonly string[] InputNamesWithSampleRate = [InputName, StateName, SampleRateName];
    private static readonly string[] InputNamesWithoutSampleRate = [InputName, StateName];
    private static readonly string[] InputNamesWithMagnitude = [SileroStftSplitModel.MagnitudeInput, StateName];
    private static readonly string[] OutputNames = [OutputName, NextStateName];

    /// <summary>Largest difference in probability or state the split graph may show against the whole one on the probe.</summary>
    private const float FrontEndTolerance = 1e-4f;

    private readonly InferenceSession _session;
    private readonly SileroStftFrontEnd? _frontEnd;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue? _sampleRateValue;
    private readonly string[] _inputNames;
    private readonly ConcurrentDictionary<int, BatchShapes> _shapes = new();
    private volatile bool _disposed;
    private bool _sessionReleased;

    /// <summary>Loads the model, verifying its SHA-256 when <see cref="OnnxModelSettings.Sha256"/> is set.</summary>
    /// <exception cref="FileNotFoundException">The model file does not exist.</exception>
    /// <exception cref="InvalidDataException">The hash differs, or the model's inputs/outputs are not Silero VAD's.</exception>
    public SileroVadModel(OnnxModelSettings settings)
        : this(settings, configureSession: null)
    {
    }

    /// <summary>Loads the model; <paramref name="configureSession"/> adjusts session options (benchmarks compare tunings).</summary>
    internal SileroVadModel(OnnxModelSettings settings, Action<SessionOptions>? configureSession)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrWhiteSpace(settings.Path);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.IntraOpThreads);
        var requestedProvider = OnnxSessionFactory.NormalizeProvider(settings.ExecutionProvider);

        if (!File.Exists(settings.Path))
        {
            throw new FileNotFoundException(
                $"Silero VAD model not found at '{settings.Path}' (build/SileroVad.targets copies it to <output>/models/silero_vad.onnx).",
                settings.Path);
        }

        // Hash and load the same bytes, so the file cannot change between the check and the load.
        var modelBytes = File.ReadAllBytes(settings.Path);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(modelBytes));
        if (settings.Sha256 is { } expected && !string.Equals(sha256, expected.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException(
                $"Model '{settings.Path}' has SHA-256 {sha256}, expected {expected.Trim().ToLowerInvariant()}: the file is corrupt or a different model.");
        }

        Sha256 = sha256;
        ModelVersion = $"silero_vad@sha256:{sha256[..12]}";
        Path = settings.Path;
        RequestedProvider = requestedProvider;
        var created = OnnxSessionFactory.Create(modelBytes, requestedProvider, settings.IntraOpThreads, configureSession);
        (_session, ActualProvider, ProviderFallbackReason) = (created.Session, created.ActualProvider, created.FallbackReason);
        try
        {
            HasSampleRateInput = ValidateMetadata(_session, settings.Path);
            _inputNames = HasSampleRateInput ? InputNamesWithSampleRate : InputNamesWithoutSampleRate;
            _sampleRateValue = HasSampleRateInput ? OrtValue.CreateTensorValueFromMemory(new long[] { SileroVad.SampleRate }, []) : null;
            if (settings.FftFrontEnd && ActualProvider == CpuProvider)
            {
                var (splitSession, frontEnd, reason) = TryFftFrontEnd(modelBytes, settings.IntraOpThreads, configureSession);
                FrontEndFallbackReason = reason;
                if (splitSession is not null)
                {
                    _session.Dispose();
                    (_session, _frontEnd, _inputNames) = (splitSession, frontEnd, InputNamesWithMagnitude);
                }
            }
            else
            {
                FrontEndFallbackReason = settings.FftFrontEnd ? $"the session runs on {ActualProvider}, where the graph's own STFT is kept" : "turned off in the settings";
            }
        }
        catch
        {
            _session.Dispose();
            _sampleRateValue?.Dispose();
            _runOptions.Dispose();
            throw;
        }
    }

    /// <summary>Where the build puts the model: <c>&lt;app base&gt;/models/silero_vad.onnx</c>.</summary>
    public static string DefaultModelPath { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "models", "silero_vad.onnx");

    /// <summary>SHA-256 the build pins for the model it fetches.</summary>
    public const string PinnedSha256 = "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3";

    /// <summary>Path the model was loaded from.</summary>
    public string Path { get; }

    /// <summary>SHA-256 of the loaded file (lowercase hex).</summary>
    public string Sha256 { get; }

    /// <summary>Lineage tag for output rows, e.g. <c>silero_vad@sha256:1a153a22f450</c>.</summary>
    public string ModelVersion { get; }

    /// <summary>Provider asked for in the settings (<c>auto</c>, <c>cuda</c> or <c>cpu</c>).</summary>
    public string RequestedProvider { get; }

    /// <summary>Provider the session really runs on; <c>cpu</c> after a CUDA fallback.</summary>
    public string ActualProvider { get; }

    /// <summary>Why CUDA was not used although requested or tried; <see langword="null"/> when no fallback happened.</summary>
    public string? ProviderFallbackReason { get; }

    /// <summary>
    /// Where the STFT is computed: <c>fft</c> (on the host, <see cref="SileroStftFrontEnd"/>, with the rest of the
    /// graph on ONNX Runtime) or <c>graph</c> (the whole model on ONNX Runtime).
    /// </summary>
    public string FrontEnd => _frontEnd is null ? "graph" : "fft";

    /// <summary>Why the STFT stays in the graph; <see langword="null"/> when the host computes it.</summary>
    public string? FrontEndFallbackReason { get; }

    /// <summary>
    /// Whether the model declares the <c>sr</c> input. Exports fixed to 16 kHz (the npm package's half-precision
    /// <c>silero_vad_half.onnx</c>) have none; it is bound only when declared.
    /// </summary>
    public bool HasSampleRateInput { get; }

    /// <summary>
    /// Runs <paramref name="batchSize"/> independent rows and updates their state in place.
    /// </summary>
    /// <param name="input">Row-major [batchSize, 576]: 64 context samples then 512 new samples per row.</param>
    /// <param name="state">Row-major [2, batchSize, 128]; replaced by the next state.</param>
    /// <param name="probabilities">Speech probability per row (length ≥ batchSize).</param>
    /// <param name="batchSize">Number of rows.</param>
    public void Run(ReadOnlySpan<float> input, Span<float> state, Span<float> probabilities, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var stateLength = StateLength(batchSize);
        if (state.Length != stateLength)
        {
            throw new ArgumentException($"State must hold 2 x {batchSize} x 128 = {stateLength} floats, got {state.Length}.", nameof(state));
        }

        // ONNX Runtime may write the output while still reading the input, so the next state goes to scratch first.
        var scratch = ArrayPool<float>.Shared.Rent(stateLength);
        try
        {
            var nextState = scratch.AsSpan(0, stateLength);
            Run(input, state, nextState, probabilities, batchSize);
            nextState.CopyTo(state);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Runs <paramref name="batchSize"/> independent rows, writing the next state to a separate buffer.
    /// The buffers are handed to ONNX Runtime without copies.
    /// </summary>
    /// <param name="input">Row-major [batchSize, 576].</param>
    /// <param name="state">Row-major [2, batchSize, 128].</param>
    /// <param name="nextState">Receives [2, batchSize, 128]; must not overlap <paramref name="state"/>.</param>
    /// <param name="probabilities">Speech probability per row (length ≥ batchSize).</param>
    /// <param name="batchSize">Number of rows.</param>
    public void Run(
        ReadOnlySpan<float> input,
        ReadOnlySpan<float> state,
        Span<float> nextState,
        Span<float> probabilities,
        int batchSize)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var stateLength = StateLength(batchSize);
        if (input.Length != batchSize * SileroVad.InputSamples)
        {
            throw new ArgumentException(
                $"Input must hold {batchSize} x {SileroVad.InputSamples} floats, got {input.Length}.", nameof(input));
        }

        if (state.Length != stateLength || nextState.Length != stateLength)
        {
            throw new ArgumentException(
                $"State buffers must hold 2 x {batchSize} x 128 = {stateLength} floats, got {state.Length} and {nextState.Length}.",
                nameof(state));
        }

        if (state.Overlaps(nextState))
        {
            throw new ArgumentException("The next state must not overlap the state.", nameof(nextState));
        }

        if (probabilities.Length < batchSize)
        {
            throw new ArgumentException($"Probabilities must hold at least {batchSize} floats.", nameof(probabilities));
        }

        var shapes = _shapes.GetOrAdd(batchSize, static b => new BatchShapes(b));
        if (_frontEnd is { } frontEnd)
        {
            // The graph starts at the STFT magnitude, which the host computes into pooled scratch.
            var magnitudeLength = frontEnd.MagnitudeLength(batchSize);
            var magnitude = ArrayPool<float>.Shared.Rent(magnitudeLength);
            try
            {
                frontEnd.Compute(input, magnitude.AsSpan(0, magnitudeLength), batchSize);
                RunSession(magnitude.AsSpan(0, magnitudeLength), shapes.Magnitude(frontEnd), state, nextState, probabilities, shapes);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(magnitude);
            }

            return;
        }

        RunSession(input, shapes.Input, state, nextState, probabilities, shapes);
    }

    /// <summary>
    /// Runs the split graph on three probe streams next to the whole one and compares probabilities and state after
    /// every step; returns what differed beyond <see cref="FrontEndTolerance"/>, or <see langword="null"/>.
    /// </summary>
    internal static string? CompareWithWholeGraph(SileroVadModel whole, SileroVadModel split)
    {
        const int streams = 3, steps = 12;
        var audio = ProbeAudio(streams, (steps * SileroVad.ChunkSamples) + SileroVad.ContextSamples);
        var input = new float[streams * SileroVad.InputSamples];
        var states = (Whole: new float[streams * SileroVad.StateSizePerStream], Split: new float[streams * SileroVad.StateSizePerStream]);
        var next = (Whole: new float[states.Whole.Length], Split: new float[states.Split.Length]);
        var probabilities = (Whole: new float[streams], Split: new float[streams]);
        for (var step = 0; step < steps; step++)
        {
            for (var s = 0; s < streams; s++)
            {
                audio[s].AsSpan(step * SileroVad.ChunkSamples, SileroVad.InputSamples).CopyTo(input.AsSpan(s * SileroVad.InputSamples));
            }

            whole.Run(input, states.Whole, next.Whole, probabilities.Whole, streams);
            split.Run(input, states.Split, next.Split, probabilities.Split, streams);
            var probabilityError = MaxDifference(probabilities.Whole, probabilities.Split);
            var stateError = MaxDifference(next.Whole, next.Split);
            if (probabilityError > FrontEndTolerance || stateError > FrontEndTolerance || float.IsNaN(probabilityError + stateError))
            {
                return $"the host STFT differs from the graph's at step {step}: probability by {probabilityError:G3}, state by {stateError:G3} (tolerance {FrontEndTolerance:G1})";
            }

            (states, next) = (next, states);
        }

        return null;
    }

    /// <summary>Releases the session. Callers must have finished their runs.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_sessionReleased)
        {
            _session.Dispose();
        }

        _sampleRateValue?.Dispose();
        _runOptions.Dispose();
    }

    /// <summary>
    /// Splits the graph, loads the split and checks it against this model's whole graph; the session and front end
    /// when it agrees, otherwise why not.
    /// </summary>
    private (InferenceSession? Session, SileroStftFrontEnd? FrontEnd, string? Reason) TryFftFrontEnd(
        byte[] modelBytes, int intraOpThreads, Action<SessionOptions>? configureSession)
    {
        SileroStftSplitModel split;
        try
        {
            split = SileroStftSplit.Split(modelBytes);
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or OverflowException or IndexOutOfRangeException)
        {
            // The whole graph already loaded; a graph this code cannot read only means the optimisation is skipped.
            return (null, null, $"the graph's STFT could not be split off: {ex.Message}");
        }

        InferenceSession session;
        try
        {
            session = OnnxSessionFactory.Create(split.Model, CpuProvider, intraOpThreads, configureSession).Session;
        }
        catch (OnnxRuntimeException ex)
        {
            return (null, null, $"ONNX Runtime refused the graph without its STFT: {ex.Message}");
        }

        var frontEnd = new SileroStftFrontEnd(split);
        using var candidate = new SileroVadModel(this, session, frontEnd);
        var mismatch = CompareWithWholeGraph(this, candidate);
        if (mismatch is null)
        {
            candidate.ReleaseSession();
            return (session, frontEnd, null);
        }

        return (null, null, mismatch);
    }

    /// <summary>A model sharing <paramref name="whole"/>'s identity that runs <paramref name="session"/> from the host's STFT.</summary>
    internal SileroVadModel(SileroVadModel whole, InferenceSession session, SileroStftFrontEnd frontEnd)
    {
        (Path, Sha256, ModelVersion, RequestedProvider, ActualProvider) = (whole.Path, whole.Sha256, whole.ModelVersion, whole.RequestedProvider, whole.ActualProvider);
        (_session, _frontEnd, _inputNames) = (session, frontEnd, InputNamesWithMagnitude);
    }

    /// <summary>Hands the session over to another owner: disposing this model then leaves it open.</summary>
    private void ReleaseSession() => _sessionReleased = true;

    /// <summary>Binds the caller's buffers without copies and runs the session; <paramref name="first"/> is the graph's first input.</summary>
    private unsafe void RunSession(
        ReadOnlySpan<float> first,
        long[] firstShape,
        ReadOnlySpan<float> state,
        Span<float> nextState,
        Span<float> probabilities,
        BatchShapes shapes)
    {
        var memoryInfo = OrtMemoryInfo.DefaultInstance;
        fixed (float* firstPointer = first)
        fixed (float* statePointer = state)
        fixed (float* nextStatePointer = nextState)
        fixed (float* probabilitiesPointer = probabilities)
        {
            using var firstValue = OrtValue.CreateTensorValueWithData(
                memoryInfo, TensorElementType.Float, firstShape, (nint)firstPointer, (long)first.Length * sizeof(float));
            using var stateValue = OrtValue.CreateTensorValueWithData(
                memoryInfo, TensorElementType.Float, shapes.State, (nint)statePointer, (long)state.Length * sizeof(float));
            using var outputValue = OrtValue.CreateTensorValueWithData(
                memoryInfo, TensorElementType.Float, shapes.Output, (nint)probabilitiesPointer, shapes.Output[0] * sizeof(float));
            using var nextStateValue = OrtValue.CreateTensorValueWithData(
                memoryInfo, TensorElementType.Float, shapes.State, (nint)nextStatePointer, (long)nextState.Length * sizeof(float));
            _session.Run(
                _runOptions,
                _inputNames,
                _inputNames.Length == 2 ? new[] { firstValue, stateValue } : new[] { firstValue, stateValue, _sampleRateValue! },
                OutputNames,
                new[] { outputValue, nextStateValue });
        }
    }

    /// <summary>Deterministic probe streams from the corpus generator's speech-like synthesizer, one seed per stream.</summary>
    private static float[][] ProbeAudio(int streams, int length)
    {
        var audio = new float[streams][];
        for (var s = 0; s < streams; s++)
        {
            audio[s] = new float[length];
            new SpeechLikeSynthesizer(SileroVad.SampleRate, DeterministicRandom.For(s, "silero-stft-probe")).Render(audio[s]);
        }

        return audio;
    }

    private static float MaxDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var worst = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            worst = MathF.Max(worst, MathF.Abs(a[i] - b[i]));
        }

        return worst;
    }

    private static int StateLength(int batchSize) => SileroVad.StateLayers * batchSize * SileroVad.StateWidth;

    /// <summary>Checks Silero's inputs and outputs; returns whether the optional <c>sr</c> input is declared.</summary>
    private static bool ValidateMetadata(InferenceSession session, string path)
    {
        RequireTensor(session.InputMetadata, InputName, typeof(float), rank: 2, "input", path, (1, SileroVad.InputSamples));
        RequireTensor(session.InputMetadata, StateName, typeof(float), rank: 3, "input", path, (0, SileroVad.StateLayers), (2, SileroVad.StateWidth));
        var hasSampleRate = session.InputMetadata.ContainsKey(SampleRateName);
        if (hasSampleRate)
        {
            RequireTensor(session.InputMetadata, SampleRateName, typeof(long), rank: 0, "input", path);
        }

        // Any other input would be left unbound and fail at the first run; refuse the model now instead.
        var unknown = session.InputMetadata.Keys.Where(k => k is not (InputName or StateName or SampleRateName)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidDataException(
                $"Model '{path}' has input(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))} besides input, state and sr; it is not Silero VAD v5.");
        }

        RequireTensor(session.OutputMetadata, OutputName, typeof(float), rank: 2, "output", path, (1, 1));
        RequireTensor(session.OutputMetadata, NextStateName, typeof(float), rank: 3, "output", path);
        return hasSampleRate;
    }

    private static void RequireTensor(
        IReadOnlyDictionary<string, NodeMetadata> metadata,
        string name,
        Type elementType,
        int rank,
        string kind,
        string path,
        params (int Axis, int Size)[] fixedDimensions)
    {
        if (!metadata.TryGetValue(name, out var node))
        {
            throw new InvalidDataException(
                $"Model '{path}' has no {kind} named '{name}' (it has: {string.Join(", ", metadata.Keys)}); it is not Silero VAD v5.");
        }

        var dimensions = node.Dimensions;
        var wrong = !node.IsTensor || node.ElementType != elementType || dimensions.Length != rank;
        foreach (var (axis, size) in fixedDimensions)
        {
            // -1 marks a dynamic dimension, which the model accepts at any size.
            wrong |= dimensions.Length > axis && dimensions[axis] != -1 && dimensions[axis] != size;
        }

        if (wrong)
        {
            throw new InvalidDataException(
                $"Model '{path}' {kind} '{name}' is {node.ElementType.Name}[{string.Join(", ", dimensions)}]; " +
                $"expected a rank-{rank} {elementType.Name} tensor as in Silero VAD v5.");
        }
    }

    private sealed class BatchShapes(int batchSize)
    {
        public long[] Input { get; } = [batchSize, SileroVad.InputSamples];

        public long[] State { get; } = [SileroVad.StateLayers, batchSize, SileroVad.StateWidth];

        public long[] Output { get; } = [batchSize, 1];

        private long[]? _magnitude;

        public long[] Magnitude(SileroStftFrontEnd frontEnd) => _magnitude ??= [batchSize, frontEnd.Bins, frontEnd.Frames];
    }
}
