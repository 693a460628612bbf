using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Storage.Tests.Commit;

/// <summary>
/// Passes every call to a real store, recording which log entries were read; with <c>hideCheckpoints</c> it
/// answers that there are none, so a committer over it replays the whole log (the reference a checkpoint must match).
/// </summary>
public sealed class CountingTableStore(ITableStore inner, bool hideCheckpoints = false) : ITableStore
{
    private readonly ConcurrentQueue<long> _entriesRead = new();
    private readonly ConcurrentQueue<(long First, long Last)> _partsCreated = new();

    /// <summary>Ranges of the checkpoint parts this store was asked to create, in order.</summary>
    public IReadOnlyList<(long First, long Last)> PartsCreated => [.. _partsCreated];

    /// <summary>Sequences of the log entries read, in the order they were read.</summary>
    public IReadOnlyList<long> EntriesRead => [.. _entriesRead];

    public string TableUri => inner.TableUri;

    public Task<Stream> CreateStagedFileAsync(string fileName, CancellationToken cancellationToken = default) => inner.CreateStagedFileAsync(fileName, cancellationToken);

    public Task SealStagedFileAsync(string fileName, CancellationToken cancellationToken = default) => inner.SealStagedFileAsync(fileName, cancellationToken);

    public Task PublishAsync(string fileName, CancellationToken cancellationToken = default) => inner.PublishAsync(fileName, cancellationToken);

    public Task<bool> IsPublishedAsync(string fileName, CancellationToken cancellationToken = default) => inner.IsPublishedAsync(fileName, cancellationToken);

    public Task<Stream> OpenPublishedFileAsync(string fileName, CancellationToken cancellationToken = default) => inner.OpenPublishedFileAsync(fileName, cancellationToken);

    public Task DeleteStagedFileAsync(string fileName, CancellationToken cancellationToken = default) => inner.DeleteStagedFileAsync(fileName, cancellationToken);

    public IAsyncEnumerable<(string FileName, DateTimeOffset LastModified)> ListStagedFilesAsync(CancellationToken cancellationToken = default) => inner.ListStagedFilesAsync(cancellationToken);

    public Task<bool> TryCreateLogEntryAsync(long sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        inner.TryCreateLogEntryAsync(sequence, content, cancellationToken);

    public async IAsyncEnumerable<(long Sequence, byte[] Content)> ReadLogAsync(long fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var entry in inner.ReadLogAsync(fromSequence, cancellationToken))
        {
            _entriesRead.Enqueue(entry.Sequence);
            yield return entry;
        }
    }

    public Task<bool> TryCreateCheckpointAsync(long sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        hideCheckpoints ? Task.FromResult(false) : inner.TryCreateCheckpointAsync(sequence, content, cancellationToken);

    public Task<(long Sequence, byte[] Content)?> ReadLatestCheckpointAsync(long beforeSequence = long.MaxValue, CancellationToken cancellationToken = default) =>
        hideCheckpoints ? Task.FromResult<(long, byte[])?>(null) : inner.ReadLatestCheckpointAsync(beforeSequence, cancellationToken);

    public Task<bool> TryCreateCheckpointPartAsync(long first, long last, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        _partsCreated.Enqueue((first, last));
        return hideCheckpoints ? Task.FromResult(false) : inner.TryCreateCheckpointPartAsync(first, last, content, cancellationToken);
    }

    public Task<byte[]?> ReadCheckpointPartAsync(long first, long last, CancellationToken cancellationToken = default) =>
        hideCheckpoints ? Task.FromResult<byte[]?>(null) : inner.ReadCheckpointPartAsync(first, last, cancellationToken);
}
