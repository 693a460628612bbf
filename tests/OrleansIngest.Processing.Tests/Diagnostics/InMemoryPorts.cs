using System.Collections.Concurrent;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Processing.Tests.Diagnostics;

/// <summary>Sources held in memory by URI; only reading is used by a worker.</summary>
internal sealed class InMemorySource(IReadOnlyDictionary<string, byte[]> blobs) : IBlobStore
{
    public Task<Stream> OpenReadAsync(string uri, string expectedETag, CancellationToken cancellationToken = default) =>
        Task.FromResult<Stream>(new MemoryStream(blobs[uri], writable: false));

    public IAsyncEnumerable<SourceObject> ListAsync(string sourceRoot, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("A worker does not list sources.");

    public Task<SourcePage> ListPageAsync(string sourceRoot, string? continuationToken, int pageSize, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("A worker does not list sources.");

    public SourceLocation? Locate(string sourceRoot, string uri) => throw new NotSupportedException("A worker does not locate sources.");
}

/// <summary>A table whose staged files are memory streams; the worker only stages, seals and deletes.</summary>
internal sealed class InMemoryTable(string uri) : ITableStore
{
    public ConcurrentBag<string> Sealed { get; } = [];

    public string TableUri { get; } = uri;

    public Task<Stream> CreateStagedFileAsync(string fileName, CancellationToken cancellationToken = default) => Task.FromResult<Stream>(new MemoryStream());

    public Task SealStagedFileAsync(string fileName, CancellationToken cancellationToken = default)
    {
        Sealed.Add(fileName);
        return Task.CompletedTask;
    }

    public Task DeleteStagedFileAsync(string fileName, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task PublishAsync(string fileName, CancellationToken cancellationToken = default) => throw Unused();

    public Task<bool> IsPublishedAsync(string fileName, CancellationToken cancellationToken = default) => throw Unused();

    public Task<Stream> OpenPublishedFileAsync(string fileName, CancellationToken cancellationToken = default) => throw Unused();

    public IAsyncEnumerable<(string FileName, DateTimeOffset LastModified)> ListStagedFilesAsync(CancellationToken cancellationToken = default) => throw Unused();

    public Task<bool> TryCreateLogEntryAsync(long sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => throw Unused();

    public IAsyncEnumerable<(long Sequence, byte[] Content)> ReadLogAsync(long fromSequence, CancellationToken cancellationToken = default) => throw Unused();

    public Task<bool> TryCreateCheckpointAsync(long sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => throw Unused();

    public Task<(long Sequence, byte[] Content)?> ReadLatestCheckpointAsync(long beforeSequence = long.MaxValue, CancellationToken cancellationToken = default) => throw Unused();

    public Task<bool> TryCreateCheckpointPartAsync(long first, long last, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => throw Unused();

    public Task<byte[]?> ReadCheckpointPartAsync(long first, long last, CancellationToken cancellationToken = default) => throw Unused();

    private static NotSupportedException Unused() => new("The commit log is the coordinator's business, not the worker's.");
}

internal sealed class InMemoryStorage(IBlobStore source) : IStorageResolver
{
    private readonly ConcurrentDictionary<string, InMemoryTable> _tables = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, InMemoryTable> Tables => _tables;

    public ITableStore GetTable(string outputRoot, string tableName) => _tables.GetOrAdd(tableName, name => new InMemoryTable($"{outputRoot}/{name}"));

    public IBlobStore GetSource(string sourceRoot) => source;

    public IAsyncEnumerable<string> ListTablesAsync(string outputRoot, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("A worker does not list tables.");
}

/// <summary>Leases its units once, commits every file and records what the worker reports.</summary>
internal sealed class RecordingCoordinator(IReadOnlyList<LeasedUnit> units) : IJobCoordinator
{
    private int _leased;
    private long _sequence;

    public ConcurrentQueue<UnitResult> Results { get; } = new();

    public ConcurrentQueue<FileCommitRequest> Commits { get; } = new();

    public ConcurrentQueue<QuarantinedUnit> Quarantined { get; } = new();

    public Task<IReadOnlyList<LeasedUnit>> LeaseAsync(int maxUnits, CancellationToken cancellationToken = default)
    {
        var start = Interlocked.Add(ref _leased, maxUnits) - maxUnits;
        return Task.FromResult<IReadOnlyList<LeasedUnit>>([.. units.Skip(start).Take(maxUnits)]);
    }

    public Task ReportAsync(IReadOnlyList<UnitResult> results, CancellationToken cancellationToken = default)
    {
        foreach (var result in results)
        {
            Results.Enqueue(result);
        }

        return Task.CompletedTask;
    }

    public Task<FileCommitOutcome> CommitFileAsync(string table, FileCommitRequest request, IReadOnlyList<HeldLease> leases, CancellationToken cancellationToken = default)
    {
        Commits.Enqueue(request);
        return Task.FromResult(new FileCommitOutcome(true, Interlocked.Increment(ref _sequence), []));
    }

    public Task QuarantineAsync(string table, QuarantinedUnit unit, string writer, string pipelineVersion, CancellationToken cancellationToken = default)
    {
        Quarantined.Enqueue(unit);
        return Task.CompletedTask;
    }
}
