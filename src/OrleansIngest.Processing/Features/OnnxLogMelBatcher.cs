using System.Diagnostics;
using System.Threading.Channels;

namespace OrleansIngest.Processing.Features;

/// <summary>
/// Batches log-mel requests of concurrent callers into <see cref="OnnxLogMel"/> runs of up to
/// <see cref="OnnxLogMelSettings.MaxBatch"/> segments. Callers (the decoding lanes) keep decoding the next
/// segments while a batch runs, so decode overlaps compute; whatever queued during a run forms the next batch.
/// Each result equals <see cref="OnnxLogMel.Compute"/> of that segment alone.
/// </summary>
/// <remarks>
/// Memory is bounded: at most <c>maxPending</c> requests wait (each references, not copies, its caller's
/// samples and destination); further callers wait in <see cref="ComputeAsync"/>. The model is owned and disposed
/// with the batcher.
/// </remarks>
public sealed class OnnxLogMelBatcher : IAsyncDisposable
{
    private readonly OnnxLogMel _logMel;
    private readonly Channel<Request> _pending;
    private readonly List<Request> _batch;
    private readonly List<ReadOnlyMemory<float>> _segments;
    private readonly List<Memory<float>> _destinations;
    private readonly Task _loop;
    private int _disposed;

    /// <summary>Starts the batching loop over <paramref name="logMel"/>, which the batcher then owns.</summary>
    /// <param name="logMel">The model to run.</param>
    /// <param name="maxPending">Requests that may wait for the next batch (at least the batch size).</param>
    public OnnxLogMelBatcher(OnnxLogMel logMel, int maxPending = 0)
    {
        ArgumentNullException.ThrowIfNull(logMel);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPending);
        _logMel = logMel;
        var maxBatch = logMel.Settings.MaxBatch;
        _pending = Channel.CreateBounded<Request>(new BoundedChannelOptions(Math.Max(maxPending, 2 * maxBatch))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _batch = new List<Request>(maxBatch);
        _segments = new List<ReadOnlyMemory<float>>(maxBatch);
        _destinations = new List<Memory<float>>(maxBatch);
        _loop = Task.Run(RunLoopAsync);
    }

    /// <summary>
    /// Computes the log-mel of <paramref name="samples"/> into <paramref name="destination"/> (80 × samples / 160
    /// floats, band-major), batched with other callers' segments. Neither buffer may change until the task completes.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    /// <exception cref="ObjectDisposedException">The batcher was disposed before the segment ran.</exception>
    public async Task ComputeAsync(ReadOnlyMemory<float> samples, Memory<float> destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var frames = WhisperLogMel.FrameCount(samples.Length);
        if (destination.Length < WhisperLogMel.MelBands * frames)
        {
            throw new ArgumentException($"Destination holds {destination.Length} values; {WhisperLogMel.MelBands * frames} are needed for {frames} frames.", nameof(destination));
        }

        if (frames == 0)
        {
            return;
        }

        var request = new Request(samples, destination, cancellationToken);
        try
        {
            await _pending.Writer.WriteAsync(request, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(OnnxLogMelBatcher));
        }

        // Not abandoned on cancellation: once in a batch the loop may still write the destination.
        await request.Completion.Task;
    }

    /// <summary>Stops accepting requests, finishes those queued, and disposes the model.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _pending.Writer.TryComplete();
        await _loop;
        _logMel.Dispose();
    }

    private async Task RunLoopAsync()
    {
        // Batches serve every unit; they must not become children of whichever span made the batcher.
        Activity.Current = null;
        while (await _pending.Reader.WaitToReadAsync())
        {
            _batch.Clear();
            _segments.Clear();
            _destinations.Clear();
            while (_batch.Count < _logMel.Settings.MaxBatch && _pending.Reader.TryRead(out var request))
            {
                if (request.CancellationToken.IsCancellationRequested)
                {
                    request.Completion.TrySetCanceled(request.CancellationToken);
                    continue;
                }

                _batch.Add(request);
                _segments.Add(request.Samples);
                _destinations.Add(request.Destination);
            }

            if (_batch.Count == 0)
            {
                continue;
            }

            try
            {
                _logMel.ComputeBatch(_segments, _destinations);
                foreach (var done in _batch)
                {
                    done.Completion.TrySetResult();
                }
            }
            catch (Exception ex)
            {
                // One failed run fails its own requests only; the loop serves the next batch.
                foreach (var failed in _batch)
                {
                    failed.Completion.TrySetException(ex);
                }
            }
        }
    }

    private sealed class Request(ReadOnlyMemory<float> samples, Memory<float> destination, CancellationToken cancellationToken)
    {
        public ReadOnlyMemory<float> Samples { get; } = samples;

        public Memory<float> Destination { get; } = destination;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
