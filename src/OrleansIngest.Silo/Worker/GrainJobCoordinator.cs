using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Silo.Worker;

/// <summary>
/// Adapts a job's grains to the worker's <see cref="IJobCoordinator"/> port: leases from the job's partitions
/// (starting at a different one for each worker, so workers spread over partitions), reports to the partition of
/// each unit, commits through the table's commit grain.
/// </summary>
internal sealed class GrainJobCoordinator(IGrainFactory grains, string jobId, JobWork work, string workerId, WorkerActivity activity) : IJobCoordinator
{
    private int _next = Random.Shared.Next(work.Partitions);

    public async Task<IReadOnlyList<LeasedUnit>> LeaseAsync(int maxUnits, CancellationToken cancellationToken = default)
    {
        for (var tried = 0; tried < work.Partitions; tried++)
        {
            var index = (Interlocked.Increment(ref _next) & int.MaxValue) % work.Partitions;
            var leases = await Partition(index).LeaseAsync(workerId, maxUnits).WaitAsync(cancellationToken);
            if (leases.Count > 0)
            {
                var units = leases.Select(l => new LeasedUnit(
                    l.Unit.UnitId, l.LeaseToken, l.Unit.SourceUri, l.Unit.RelativePath, l.Unit.ETag, l.Unit.Size, l.Unit.Table,
                    l.Unit.Kind == "audio" ? RouteKind.Audio : RouteKind.Sensor)).ToList();
                activity.Leased(units);
                return units;
            }
        }

        return [];
    }

    public async Task ReportAsync(IReadOnlyList<UnitResult> results, CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(results
            .GroupBy(r => JobPartitions.Of(r.UnitId, work.Partitions))
            .Select(g => Partition(g.Key).ReportAsync(workerId, g.Select(r => new UnitOutcome(r.UnitId, r.LeaseToken, (UnitOutcomeKind)(int)r.Kind, r.Reason, r.Rows, r.MediaSeconds)).ToList())));
        activity.Reported(results);
    }

    public async Task<FileCommitOutcome> CommitFileAsync(string table, FileCommitRequest request, IReadOnlyList<HeldLease> leases, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tokens = leases.ToDictionary(l => l.UnitId, l => l.LeaseToken, StringComparer.Ordinal);
        var commit = new FileCommit(
            request.FileName, request.Rows, request.Bytes,
            request.Units.Select(u => new CommittedUnit(u.UnitId, u.SourceUri, u.SourceETag, u.SourceBytes, u.Rows, u.MediaSeconds, tokens[u.UnitId])).ToList(),
            request.Writer, request.PipelineVersion, jobId, work.Partitions) { KeyId = request.KeyId };
        var result = await grains.GetGrain<ITableCommitGrain>(TableKey.Of(work.Spec.OutputRoot, table)).CommitFileAsync(commit);
        return new FileCommitOutcome(result.Committed, result.Sequence, result.AlreadyCommittedUnits) { LostLeases = result.LostLeases };
    }

    public Task QuarantineAsync(string table, QuarantinedUnit unit, string writer, string pipelineVersion, CancellationToken cancellationToken = default) =>
        grains.GetGrain<ITableCommitGrain>(TableKey.Of(work.Spec.OutputRoot, table))
            .QuarantineAsync([new UnitQuarantine(unit.UnitId, unit.SourceUri, unit.SourceETag, unit.Reason)], writer, pipelineVersion);

    private IJobPartitionGrain Partition(int index) => grains.GetGrain<IJobPartitionGrain>(JobPartitions.Key(jobId, index));
}
