using OrleansIngest.Abstractions;

namespace OrleansIngest.Grains;

/// <summary>The cluster's live metrics: silo reports in, silo rates and throughput buckets out (memory only).</summary>
public sealed class ClusterMetricsGrain(TimeProvider timeProvider) : Grain, IClusterMetricsGrain
{
    private readonly ThroughputWindow _window = new(timeProvider);

    public Task ReportAsync(SiloReport report)
    {
        _window.Record(report);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SiloActivity>> GetSilosAsync() => Task.FromResult(_window.Silos());

    public Task<IReadOnlyList<ThroughputBucket>> GetThroughputAsync(TimeSpan window) => Task.FromResult(_window.Buckets(window));
}
