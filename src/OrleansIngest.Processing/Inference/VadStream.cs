namespace OrleansIngest.Processing.Inference;

/// <summary>One stream registered with <see cref="VadBatcher"/>: its samples, recurrent state and results so far.</summary>
internal sealed class VadStream
{
    private readonly TaskCompletionSource<VadResult> _completion =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly ReadOnlyMemory<float> _samples;
    private readonly float[] _probabilities;
    private readonly float _speechThreshold;
    private CancellationTokenRegistration _cancellationRegistration;
    private int _nextFrame;

    public VadStream(ReadOnlyMemory<float> samples, float speechThreshold)
    {
        _samples = samples;
        _speechThreshold = speechThreshold;
        _probabilities = new float[SileroVad.FrameCount(samples.Length)];
    }

    /// <summary>Layer 0 then layer 1, <see cref="SileroVad.StateWidth"/> floats each.</summary>
    public float[] State { get; } = new float[SileroVad.StateSizePerStream];

    public Task<VadResult> Task => _completion.Task;

    /// <summary>True once the stream's task has completed in any way; the loop drops such streams.</summary>
    public bool IsFinished => _completion.Task.IsCompleted;

    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellationRegistration = cancellationToken.UnsafeRegister(
                static (s, token) => ((VadStream)s!).Cancel(token), this);
        }
    }

    /// <summary>Writes the model input row of the next frame.</summary>
    public void WriteNextInput(Span<float> row) => FillInputRow(_samples.Span, _nextFrame, row);

    /// <summary>Records the next frame's probability; completes the stream after its last frame.</summary>
    public void AcceptNext(float probability)
    {
        _probabilities[_nextFrame++] = probability;
        if (_nextFrame == _probabilities.Length)
        {
            Complete(VadResult.FromFrameProbabilities(_probabilities, _speechThreshold));
        }
    }

    public void Complete(VadResult result)
    {
        _cancellationRegistration.Dispose();
        _completion.TrySetResult(result);
    }

    public void Fail(Exception exception)
    {
        _cancellationRegistration.Dispose();
        _completion.TrySetException(exception);
    }

    private void Cancel(CancellationToken token) => _completion.TrySetCanceled(token);

    /// <summary>
    /// Writes context + chunk for <paramref name="frame"/>: the context is the last
    /// <see cref="SileroVad.ContextSamples"/> samples of the previous (zero-padded) chunk, zeros before the first.
    /// Deriving it from the samples rather than carrying it keeps the batched and single paths identical by construction.
    /// </summary>
    public static void FillInputRow(ReadOnlySpan<float> samples, int frame, Span<float> row)
    {
        var chunkStart = frame * SileroVad.ChunkSamples;
        var contextStart = chunkStart - SileroVad.ContextSamples;
        var rowEnd = chunkStart + SileroVad.ChunkSamples;

        // Row position i holds sample contextStart + i when that sample exists, else zero
        // (before the stream start, or the padding after its end).
        var firstValid = Math.Max(contextStart, 0);
        var lastValid = Math.Min(rowEnd, samples.Length);
        var leading = firstValid - contextStart;
        row[..leading].Clear();
        var count = Math.Max(lastValid - firstValid, 0);
        samples.Slice(firstValid, count).CopyTo(row.Slice(leading, count));
        row[(leading + count)..].Clear();
    }
}
