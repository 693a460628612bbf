using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansIngest.Abstractions;
using OrleansIngest.Grains;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.Storage;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Integration.Tests;

/// <summary>
/// Lease fencing through the real grains on an in-process silo (no worker runs on it: the test plays two
/// workers): a worker whose expired lease was handed to another cannot commit the unit, even when it commits first.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LeaseFencingTests
{
    private const string JobId = "fence";
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task StaleWorkerCommittingFirst_IsRefusedAndTheWorkerHoldingTheLeaseCommitsTheUnitOnce()
    {
        using var temp = new TempDirectory("oi-fence");
        var output = new Uri(temp.Combine("out") + "/").AbsoluteUri.TrimEnd('/');
        using var host = BuildSilo();
        await host.StartAsync();
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var work = await StartJobOverOneFileAsync(grains, temp, output, seed: 21);
            var stale = await LeaseAnyAsync(grains, JobId, work, "worker-a");
            await Task.Delay(LeaseDuration + TimeSpan.FromSeconds(1));
            var current = await LeaseAnyAsync(grains, JobId, work, "worker-b");
            var table = new StorageResolver().GetTable(output, "sensor_windows");
            await StageAsync(table, "part-a.parquet");
            await StageAsync(table, "part-b.parquet");
            var committer = grains.GetGrain<ITableCommitGrain>(TableKey.Of(output, "sensor_windows"));

            var refused = await committer.CommitFileAsync(Commit("part-a.parquet", stale, "worker-a", JobId, work));
            var accepted = await committer.CommitFileAsync(Commit("part-b.parquet", current, "worker-b", JobId, work));

            Assert.Equal(stale.Unit.UnitId, current.Unit.UnitId);
            Assert.NotEqual(stale.LeaseToken, current.LeaseToken);
            Assert.False(refused.Committed);
            Assert.Equal([stale.Unit.UnitId], refused.LostLeases);
            Assert.True(accepted.Committed);
            var log = new TableCommitter(table, TimeProvider.System);
            await log.RefreshAsync();
            var file = Assert.Single(log.State.Files);
            Assert.Equal("part-b.parquet", file.Path);
            Assert.Equal(["part-b.parquet"], Directory.GetFiles(temp.Combine("out", "sensor_windows"), "*.parquet").Select(Path.GetFileName));
            Assert.Empty(Directory.GetFiles(temp.Combine("out", "sensor_windows", "_ingest", "staging")));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task WorkerWhoseLeaseIsCurrent_CommitsAfterItsExpiryAsLongAsNobodyTookItOver()
    {
        using var temp = new TempDirectory("oi-fence-late");
        var output = new Uri(temp.Combine("out") + "/").AbsoluteUri.TrimEnd('/');
        using var host = BuildSilo();
        await host.StartAsync();
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var work = await StartJobOverOneFileAsync(grains, temp, output, seed: 22);
            var lease = await LeaseAnyAsync(grains, JobId, work, "worker-a");
            await Task.Delay(LeaseDuration + TimeSpan.FromSeconds(1));
            var table = new StorageResolver().GetTable(output, "sensor_windows");
            await StageAsync(table, "part-a.parquet");

            var result = await grains.GetGrain<ITableCommitGrain>(TableKey.Of(output, "sensor_windows"))
                .CommitFileAsync(Commit("part-a.parquet", lease, "worker-a", JobId, work));
            var after = await TryLeaseAsync(grains, JobId, work, "worker-b");

            Assert.True(result.Committed);
            Assert.Empty(result.LostLeases);
            Assert.Null(after);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task<JobWork> StartJobOverOneFileAsync(IGrainFactory grains, TempDirectory temp, string output, int seed)
    {
        CorpusGenerator.Generate(temp.Combine("src"), new CorpusSettings(AudioMinutes: 0, SensorFiles: 1, BadFiles: 0, Seed: seed));
        var source = new Uri(temp.Combine("src") + "/").AbsoluteUri.TrimEnd('/');
        var pipeline = PipelineDefinition.Default;
        var job = grains.GetGrain<IIngestJobGrain>(JobId);
        await job.StartAsync(new JobSpec(source, output, pipeline.ToJson(), pipeline.LineageVersion));
        return (await job.GetWorkAsync())!;
    }

    private static IHost BuildSilo()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: FreePort(), gatewayPort: FreePort());
            silo.AddMemoryGrainStorage(IngestStorageNames.Jobs);
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IStorageResolver>(new StorageResolver());
        builder.Services.AddSingleton<UnitDiscovery>();
        builder.Services.Configure<JobOptions>(o => o.LeaseDuration = LeaseDuration);
        return builder.Build();
    }

    // Listing runs in the background after StartAsync: poll the partitions (bounded) until the unit shows up.
    private static async Task<WorkLease> LeaseAnyAsync(IGrainFactory grains, string jobId, JobWork work, string worker)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (await TryLeaseAsync(grains, jobId, work, worker) is { } lease)
            {
                return lease;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("No unit became available to lease.");
    }

    private static async Task<WorkLease?> TryLeaseAsync(IGrainFactory grains, string jobId, JobWork work, string worker)
    {
        for (var index = 0; index < work.Partitions; index++)
        {
            var leases = await grains.GetGrain<IJobPartitionGrain>(JobPartitions.Key(jobId, index)).LeaseAsync(worker, 1);
            if (leases.Count > 0)
            {
                return leases[0];
            }
        }

        return null;
    }

    private static FileCommit Commit(string file, WorkLease lease, string writer, string jobId, JobWork work) => new(
        file, 2, 4,
        [new CommittedUnit(lease.Unit.UnitId, lease.Unit.SourceUri, lease.Unit.ETag, lease.Unit.Size, 2, 0, lease.LeaseToken)],
        writer, work.Spec.PipelineVersion, jobId, work.Partitions);

    private static async Task StageAsync(ITableStore table, string name)
    {
        await using (var stream = await table.CreateStagedFileAsync(name))
        {
            await stream.WriteAsync("PAR1"u8.ToArray());
        }

        await table.SealStagedFileAsync(name);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
