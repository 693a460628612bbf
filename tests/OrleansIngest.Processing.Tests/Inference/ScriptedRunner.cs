using OrleansIngest.Processing.Inference;

namespace OrleansIngest.Processing.Tests.Inference;

/// <summary>
/// Wraps the real model: records each step's batch size, can hold the loop at chosen steps (a barrier, not a
/// sleep) and can fail a step.
/// </summary>
internal sealed class ScriptedRunner(IVadBatchRunner inner, params int[] holdAtSteps) : IVadBatchRunner, IDisposable
{
    private static readonly TimeSpan BarrierTimeout = TimeSpan.FromSeconds(60);
    private readonly Lock _lock = new();
    private readonly List<int> _batchSizes = [];
    private readonly SemaphoreSlim _held = new(0);
    private readonly SemaphoreSlim _release = new(0);

    public int FailAtStep { get; init; } = -1;

    public IReadOnlyList<int> BatchSizes
    {
        get
        {
            lock (_lock)
            {
                return [.. _batchSizes];
            }
        }
    }

    public void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> state, Span<float> nextState, Span<float> probabilities, int batchSize)
    {
        int step;
        lock (_lock)
        {
            step = _batchSizes.Count;
            _batchSizes.Add(batchSize);
        }

        if (holdAtSteps.Contains(step))
        {
            _held.Release();
            if (!_release.Wait(BarrierTimeout))
            {
                throw new TimeoutException($"The test never released step {step}.");
            }
        }

        if (step == FailAtStep)
        {
            throw new InvalidOperationException($"Injected failure at step {step}.");
        }

        inner.Run(input, state, nextState, probabilities, batchSize);
    }

    /// <summary>Waits until the loop is inside the next held step.</summary>
    public async Task WaitUntilHeldAsync()
    {
        if (!await _held.WaitAsync(BarrierTimeout))
        {
            throw new TimeoutException("The batcher never reached the held step.");
        }
    }

    /// <summary>Lets the held step run.</summary>
    public void Continue() => _release.Release();

    public void Dispose()
    {
        _held.Dispose();
        _release.Dispose();
    }
}
