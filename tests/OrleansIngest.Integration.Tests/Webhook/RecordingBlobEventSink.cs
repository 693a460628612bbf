using System.Collections.Concurrent;
using OrleansIngest.Processing.Events;

namespace OrleansIngest.Integration.Tests.Webhook;

/// <summary>What <see cref="RecordingBlobEventSink"/> does with a batch.</summary>
public enum SinkBehaviour
{
    /// <summary>Records the batch and reports it durable.</summary>
    Record,

    /// <summary>Throws, as a sink whose storage is down.</summary>
    Throw,

    /// <summary>Never finishes until its token is cancelled, as a sink stuck on a slow grain.</summary>
    Block,

    /// <summary>Never finishes and ignores its token, as a badly written sink.</summary>
    BlockIgnoringCancellation,
}

/// <summary>The boundary under test: records every batch it made durable, or fails as told.</summary>
public sealed class RecordingBlobEventSink : IBlobEventSink
{
    private readonly ConcurrentQueue<IReadOnlyList<BlobEvent>> _batches = new();
    private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SinkBehaviour Behaviour { get; set; } = SinkBehaviour.Record;

    /// <summary>Completed once a blocked call saw its token cancelled.</summary>
    public TaskCompletionSource CancellationObserved { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Calls => _calls;

    public IReadOnlyList<IReadOnlyList<BlobEvent>> Batches => [.. _batches];

    public IReadOnlyList<BlobEvent> Events => [.. _batches.SelectMany(batch => batch)];

    private int _calls;

    public async Task<BlobEventSinkResult> EnqueueAsync(IReadOnlyList<BlobEvent> events, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        switch (Behaviour)
        {
            case SinkBehaviour.Throw:
                throw new IOException("the job partition store is unavailable");
            case SinkBehaviour.Block:
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    CancellationObserved.TrySetResult();
                    throw;
                }

                break;
            case SinkBehaviour.BlockIgnoringCancellation:
                await _never.Task;
                break;
        }

        _batches.Enqueue([.. events]);
        var deletions = events.Count(e => e.Kind == BlobEventKind.Deleted);
        return new BlobEventSinkResult(events.Count, events.Count - deletions, 0, 0, deletions, 0);
    }
}
