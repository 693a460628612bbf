using System.Diagnostics;
using System.Threading.Channels;
using OrleansIngest.Processing.Diagnostics;

namespace OrleansIngest.Processing.Inference;

/// <summary>
/// Continuous batching of Silero VAD across concurrent streams. One background loop advances every active
/// stream by one 512-sample chunk per model run, so segments of many files share each batch; streams join at
/// the next step after they register and leave after their last chunk. Each stream's result equals
/// <see cref="SileroVad.Analyze"/> of that stream alone, because rows of a batch never mix.
/// </summary>
/// <remarks>
/// Memory is bounded: at most <see cref="VadBatcherSettings.MaxBatch"/> active plus
/// <see cref="VadBatcherSettings.MaxPendingStreams"/> waiting streams are held (each one its caller's samples,
/// which are referenced, not copied, plus 256 floats of state and one float per frame of results); callers
/// beyond that wait in <see cref="AnalyzeAsync"/>. The batch buffers are allocated once, sized for MaxBatch.
/// The model is not owned: one <see cref="SileroVadModel"/> may serve several batchers.
/// While streams are active the loop keeps one thread-pool thread busy running the model (one core at
/// IntraOpThreads = 1); when idle it holds no thread.
/// </remarks>
public sealed class VadBatcher : IAsyncDisposable
{
    private readonly IVadBatchRunner _runner;
    private readonly VadBatcherSettings _settings;
    private readonly Channel<VadStream> _pending;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<VadStream> _active;
    private readonly float[] _input;
    private readonly float[] _state;
    private readonly float[] _nextState;
    private readonly float[] _probabilities;
    private readonly Task _loop;
    private readonly string _provider;
    private int _disposed;
    private Exception? _loopFailure;

    /// <summary>Starts the batching loop over <paramref name="model"/>.</summary>
    public VadBatcher(SileroVadModel model, VadBatcherSettings? settings = null)
        : this((IVadBatchRunner)model, settings ?? new VadBatcherSettings())
    {
    }

    internal VadBatcher(IVadBatchRunner runner, VadBatcherSettings settings)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxPendingStreams, 1);
        if (!(settings.SpeechThreshold is > 0f and < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.SpeechThreshold, "SpeechThreshold must lie in (0, 1).");
        }

        _runner = runner;
        _settings = settings;
        _provider = runner is SileroVadModel model ? model.ActualProvider : "custom";
        _pending = Channel.CreateBounded<VadStream>(new BoundedChannelOptions(settings.MaxPendingStreams)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _active = new List<VadStream>(settings.MaxBatch);
        _input = new float[settings.MaxBatch * SileroVad.InputSamples];
        _state = new float[settings.MaxBatch * SileroVad.StateSizePerStream];
        _nextState = new float[settings.MaxBatch * SileroVad.StateSizePerStream];
        _probabilities = new float[settings.MaxBatch];
        _loop = Task.Run(RunLoopAsync);
    }

    /// <summary>Settings in effect.</summary>
    public VadBatcherSettings Settings => _settings;

    /// <summary>
    /// Analyses one stream (e.g. one 30 s segment) together with whatever else is active.
    /// <paramref name="samples16k"/> must not change until the returned task completes.
    /// </summary>
    /// <param name="samples16k">Mono samples at 16 kHz.</param>
    /// <param name="cancellationToken">Cancels the wait to register and removes the stream from the batch.</param>
    /// <exception cref="ObjectDisposedException">The batcher was disposed before the stream finished.</exception>
    public async Task<VadResult> AnalyzeAsync(ReadOnlyMemory<float> samples16k, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (samples16k.IsEmpty)
        {
            return VadResult.FromFrameProbabilities([], _settings.SpeechThreshold);
        }

        var stream = new VadStream(samples16k, _settings.SpeechThreshold);

        // Registered before the loop can see the stream, so completion always finds (and releases) the registration.
        stream.RegisterCancellation(cancellationToken);
        try
        {
            await _pending.Writer.WriteAsync(stream, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            stream.Fail(_loopFailure is { } failure
                ? new InvalidOperationException("The VAD batching loop stopped after an unexpected error.", failure)
                : new ObjectDisposedException(nameof(VadBatcher)));
        }
        catch (OperationCanceledException)
        {
            stream.Fail(new OperationCanceledException(cancellationToken));
            throw;
        }

        return await stream.Task;
    }

    /// <summary>
    /// Stops the loop after its current step; streams not finished by then fail with <see cref="ObjectDisposedException"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _pending.Writer.TryComplete();
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
    }

    private async Task RunLoopAsync()
    {
        // The loop inherited the constructor's execution context: its batches serve every unit, so they must not
        // become children of whichever span happened to be current when the batcher was made.
        Activity.Current = null;
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                Admit();
                if (_active.Count == 0)
                {
                    if (!await _pending.Reader.WaitToReadAsync(_stopping.Token))
                    {
                        break;
                    }

                    continue;
                }

                Step();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Disposal: fall through to fail what is left.
        }
        catch (Exception ex)
        {
            // Model errors are handled per batch in Step; anything reaching here is a defect, so stop
            // admitting and hand it to every waiting caller rather than leaving them hanging.
            _loopFailure = ex;
        }
        finally
        {
            _pending.Writer.TryComplete();
            Exception failure = _loopFailure is null
                ? new ObjectDisposedException(nameof(VadBatcher))
                : new InvalidOperationException("The VAD batching loop stopped after an unexpected error.", _loopFailure);
            foreach (var stream in _active)
            {
                stream.Fail(failure);
            }

            _active.Clear();
            while (_pending.Reader.TryRead(out var stream))
            {
                stream.Fail(failure);
            }
        }
    }

    private void Admit()
    {
        while (_active.Count < _settings.MaxBatch && _pending.Reader.TryRead(out var stream))
        {
            // A stream cancelled while it waited never takes a slot.
            if (!stream.IsFinished)
            {
                _active.Add(stream);
            }
        }
    }

    private void Step()
    {
        _active.RemoveAll(static s => s.IsFinished);
        var batchSize = _active.Count;
        if (batchSize == 0)
        {
            return;
        }

        // The stage's CPU covers building the batch and handing state back, as a VAD peer's timing includes its own.
        using var inference = PipelineTelemetry.StartComputeStage(PipelineTelemetry.InferenceStage);

        // The model wants state as [layer, batch, width]; each stream keeps its own [layer, width] between steps,
        // so the batch can change shape from step to step.
        var layerStride = batchSize * SileroVad.StateWidth;
        for (var row = 0; row < batchSize; row++)
        {
            var stream = _active[row];
            stream.WriteNextInput(_input.AsSpan(row * SileroVad.InputSamples, SileroVad.InputSamples));
            for (var layer = 0; layer < SileroVad.StateLayers; layer++)
            {
                stream.State.AsSpan(layer * SileroVad.StateWidth, SileroVad.StateWidth)
                    .CopyTo(_state.AsSpan((layer * layerStride) + (row * SileroVad.StateWidth), SileroVad.StateWidth));
            }
        }

        var stateLength = SileroVad.StateLayers * layerStride;
        if (inference.Activity is { IsAllDataRequested: true } span)
        {
            span.SetTag(PipelineTelemetry.BatchSizeAttribute, batchSize);
            span.SetTag(PipelineTelemetry.ProviderAttribute, _provider);
        }

        PipelineTelemetry.RecordVadBatch(batchSize, _provider);
        try
        {
            _runner.Run(
                _input.AsSpan(0, batchSize * SileroVad.InputSamples),
                _state.AsSpan(0, stateLength),
                _nextState.AsSpan(0, stateLength),
                _probabilities.AsSpan(0, batchSize),
                batchSize);
        }
        catch (Exception ex)
        {
            inference.Fail(ex);

            // Only this batch's streams are affected; the loop goes on with the next registrations.
            foreach (var stream in _active)
            {
                stream.Fail(ex);
            }

            _active.Clear();
            return;
        }

        for (var row = 0; row < batchSize; row++)
        {
            var stream = _active[row];
            for (var layer = 0; layer < SileroVad.StateLayers; layer++)
            {
                _nextState.AsSpan((layer * layerStride) + (row * SileroVad.StateWidth), SileroVad.StateWidth)
                    .CopyTo(stream.State.AsSpan(layer * SileroVad.StateWidth, SileroVad.StateWidth));
            }

            stream.AcceptNext(_probabilities[row]);
        }
    }
}
