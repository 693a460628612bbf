using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Silo.Worker;

/// <summary>Adapts a job's grains to the worker's <see cref="IJobCoordinator"/> port.</summary>
internal sealed class GrainJobCoordinator(IGrainFactory grains, string jobId, JobSpec spec, string workerId) : IJobCoordinator
{
    private readonly IIngestJobGrain _job = grains.GetGrain<IIngestJobGrain>(jobId);

    public async Task<IReadOnlyList<LeasedUnit>> LeaseAsync(int maxUnits, CancellationToken cancellationToken = default)
    {
        var leases = await _job.LeaseAsync(workerId, maxUnits).WaitAsync(cancellationToken);
        return leases.Select(l => new LeasedUnit(
            l.Unit.UnitId, l.LeaseToken, l.Unit.SourceUri, l.Unit.RelativePath, l.Unit.ETag, l.Unit.Size, l.Unit.Table,
            l.Unit.Kind == "audio" ? RouteKind.Audio : RouteKind.Sensor)).ToList();
    }

    public Task ReportAsync(IReadOnlyList<UnitResult> results, CancellationToken cancellationToken = default) =>
        _job.ReportAsync(workerId, results.Select(r => new UnitOutcome(r.UnitId, r.LeaseToken, (UnitOutcomeKind)(int)r.Kind, r.Reason, r.Rows, r.MediaSeconds)).ToList());

    public async Task<FileCommitOutcome> CommitFileAsync(string table, FileCommitRequest request, CancellationToken cancellationToken = default)
    {
        var commit = new FileCommit(
            request.FileName, request.Rows, request.Bytes,
            request.Units.Select(u => new CommittedUnit(u.UnitId, u.SourceUri, u.SourceETag, u.SourceBytes, u.Rows, u.MediaSeconds)).ToList(),
            request.Writer, request.PipelineVersion);
        var result = await grains.GetGrain<ITableCommitGrain>(TableKey.Of(spec.OutputRoot, table)).CommitFileAsync(commit);
        return new FileCommitOutcome(result.Committed, result.Sequence, result.AlreadyCommittedUnits);
    }

    public Task QuarantineAsync(string table, QuarantinedUnit unit, string writer, string pipelineVersion, CancellationToken cancellationToken = default) =>
        grains.GetGrain<ITableCommitGrain>(TableKey.Of(spec.OutputRoot, table))
            .QuarantineAsync([new UnitQuarantine(unit.UnitId, unit.SourceUri, unit.SourceETag, unit.Reason)], writer, pipelineVersion);
}
