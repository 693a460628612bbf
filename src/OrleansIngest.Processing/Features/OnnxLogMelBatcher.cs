using System.Diagnostics;
using System.Threading.Channels;
using OrleansIngest.Processing.Diagnostics;

namespace OrleansIngest.Processing.Features;

/// <summary>
/// Batches log-mel requests of concurrent callers into <see cref="OnnxLogMel"/> runs of up to
/// <see cref="OnnxLogMelSettings.MaxBatch"/> segments. Callers (the decoding lanes) keep decoding the next
/// segments while a batch runs, so decode overlaps compute; whatever queued during a run forms the next batch.
/// With two or more <see cref="OnnxLogMel"/> instances (each with its own pinned buffers), the next batch is
/// padded into its buffers, uploaded and started while the previous one computes and copies back: double buffering.
/// Each result equals <see cref="OnnxLogMel.Compute"/> of that segment alone.
/// </summary>
/// <remarks>
/// Memory is bounded: at most <c>maxPending</c> requests wait (each references, not copies, its caller's
/// samples and destination); further callers wait in <see cref="ComputeAsync"/>. The models are owned and disposed
/// with the batcher.
/// </remarks>
public sealed class OnnxLogMelBatcher : IAsyncDisposable
{
    private readonly Channel<Request> _pending;
    private readonly Channel<Runner> _idle;
    private readonly Runner[] _runners;
    private readonly Task _loop;
    private int _disposed;

    /// <summary>Starts the batching loop over <paramref name="logMel"/>, which the batcher then owns.</summary>
    /// <param name="logMel">The model to run.</param>
    /// <param name="maxPending">Requests that may wait for the next batch (at least twice the batch size).</param>
    public OnnxLogMelBatcher(OnnxLogMel logMel, int maxPending = 0)
        : this([logMel], maxPending)
    {
    }

    /// <summary>Starts the batching loop over <paramref name="logMels"/>, which run one batch each at a time.</summary>
    /// <param name="logMels">Instances of the same settings; the batcher owns them.</param>
    /// <param name="maxPending">Requests that may wait for the next batch (at least twice the batch size).</param>
    public OnnxLogMelBatcher(IReadOnlyList<OnnxLogMel> logMels, int maxPending = 0)
    {
        ArgumentNullException.ThrowIfNull(logMels);
        ArgumentOutOfRangeException.ThrowIfZero(logMels.Count);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPending);
        MaxBatch = logMels[0].Settings.MaxBatch;
        if (logMels.Any(m => m is null || m.Settings.MaxBatch != MaxBatch))
        {
            throw new ArgumentException("Every instance must have the same MaxBatch.", nameof(logMels));
        }

        _runners = [.. logMels.Select(m => new Runner(m))];
        _idle = Channel.CreateUnbounded<Runner>();
        foreach (var runner in _runners)
        {
            _idle.Writer.TryWrite(runner);
        }

        _pending = Channel.CreateBounded<Request>(new BoundedChannelOptions(Math.Max(maxPending, 2 * MaxBatch))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _loop = Task.Run(RunLoopAsync);
    }

    /// <summary>Largest batch of one run.</summary>
    public int MaxBatch { get; }

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

    /// <summary>Stops accepting requests, finishes those queued, and disposes the models.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _pending.Writer.TryComplete();
        await _loop;
        foreach (var runner in _runners)
        {
            runner.LogMel.Dispose();
        }
    }

    private async Task RunLoopAsync()
    {
        // Batches serve every unit; they must not become children of whichever span made the batcher.
        Activity.Current = null;
        var running = new List<Task>(_runners.Length);
        while (await _pending.Reader.WaitToReadAsync())
        {
            // Wait for an idle instance first, so requests that arrive meanwhile join this batch.
            var runner = await _idle.Reader.ReadAsync();
            if (!runner.Take(_pending.Reader))
            {
                _idle.Writer.TryWrite(runner);
                continue;
            }

            running.RemoveAll(t => t.IsCompleted);
            running.Add(Task.Run(() =>
            {
                try
                {
                    runner.Run();
                }
                finally
                {
                    _idle.Writer.TryWrite(runner);
                }
            }));
        }

        await Task.WhenAll(running);
    }

    /// <summary>One instance and the batch it runs; its lists are reused from batch to batch.</summary>
    private sealed class Runner(OnnxLogMel logMel)
    {
        private readonly List<Request> _batch = new(logMel.Settings.MaxBatch);
        private readonly List<ReadOnlyMemory<float>> _segments = new(logMel.Settings.MaxBatch);
        private readonly List<Memory<float>> _destinations = new(logMel.Settings.MaxBatch);

        public OnnxLogMel LogMel { get; } = logMel;

        // Takes up to MaxBatch queued requests; false when none was left to run.
        public bool Take(ChannelReader<Request> pending)
        {
            _batch.Clear();
            _segments.Clear();
            _destinations.Clear();
            while (_batch.Count < LogMel.Settings.MaxBatch && pending.TryRead(out var request))
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

            return _batch.Count > 0;
        }

        public void Run()
        {
            try
            {
                using (PipelineTelemetry.StartComputeStage(PipelineTelemetry.FeaturesStage))
                {
                    LogMel.ComputeBatch(_segments, _destinations);
                }

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
