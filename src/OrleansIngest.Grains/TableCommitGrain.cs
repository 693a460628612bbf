using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Grains;

/// <summary>
/// Single writer of one table's commit log. The protocol itself (put-if-absent entries, whole-file rejection,
/// publish after commit, roll-forward on activation) lives in <see cref="TableCommitter"/>.
/// </summary>
public sealed class TableCommitGrain(IStorageResolver storage, TimeProvider timeProvider) : Grain, ITableCommitGrain
{
    private static readonly TimeSpan OrphanGracePeriod = TimeSpan.FromHours(1);
    private static readonly TimeSpan HoldMargin = TimeSpan.FromSeconds(5);
    private TableCommitter? _committer;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (outputRoot, table) = TableKey.Parse(this.GetPrimaryKeyString());
        _committer = new TableCommitter(storage.GetTable(outputRoot, table), timeProvider);
        await _committer.RecoverAsync(cancellationToken);
        await _committer.CollectOrphansAsync(OrphanGracePeriod, cancellationToken);
    }

    public async Task<FileCommitResult> CommitFileAsync(FileCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        var units = commit.Units.Select(u => new LoggedUnit(u.UnitId, u.SourceUri, u.ETag, u.Size, u.Rows, u.MediaSeconds)).ToList();
        var request = new FileCommitRequest(commit.FileName, commit.Rows, commit.Bytes, units, commit.Writer, commit.PipelineVersion) { KeyId = commit.KeyId };
        var outcome = await _committer!.CommitFileAsync(request, ct => FenceAsync(commit, ct));
        return new FileCommitResult(outcome.Committed, outcome.Sequence, outcome.AlreadyCommittedUnits, outcome.LostLeases);
    }

    // Asks every partition holding one of the file's units whether the writer still holds its leases. The hold is
    // measured from before the calls and shortened by a margin, so the entry is written well inside it.
    private async Task<LeaseFence> FenceAsync(FileCommit commit, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetUtcNow();
        var results = await Task.WhenAll(commit.Units
            .GroupBy(u => JobPartitions.Of(u.UnitId, commit.Partitions))
            .Select(g => GrainFactory.GetGrain<IJobPartitionGrain>(JobPartitions.Key(commit.JobId, g.Key))
                .FenceAsync(commit.Writer, g.Select(u => new LeaseClaim(u.UnitId, u.LeaseToken)).ToList())
                .WaitAsync(cancellationToken)));
        var lost = results.SelectMany(r => r.Lost).ToList();
        var held = results.Length == 0 ? TimeSpan.Zero : results.Min(r => r.HeldFor);
        return new LeaseFence(lost, started + held - HoldMargin);
    }

    public async Task QuarantineAsync(IReadOnlyList<UnitQuarantine> units, string writer, string pipelineVersion)
    {
        ArgumentNullException.ThrowIfNull(units);
        var entries = units.Select(u => new QuarantinedUnit(u.UnitId, u.SourceUri, u.ETag, u.Reason)).ToList();
        await _committer!.QuarantineAsync(entries, writer, pipelineVersion);
    }
}
