using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.Azurite;

namespace OrleansIngest.Integration.Tests.Events;

/// <summary>
/// The Event Grid → Storage Queue route end to end: a silo process consuming an Azurite queue, a continuous job
/// subscribed through the CLI, events written to the queue the way Event Grid writes them (duplicated, shuffled, some
/// lost, older versions after newer ones, a deletion, a poison message), one reconciliation, and the output read by DuckDB.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class QueueRouteTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task QueueRoute_AfterOneReconciliationEveryCurrentVersionIsIngestedExactlyOnce()
    {
        using var temp = new TempDirectory("oi-queue-route");
        var run = Guid.NewGuid().ToString("N")[..8];
        var source = new BlobContainerClient(azurite.ConnectionString, $"drop-{run}");
        await source.CreateAsync();
        var output = new BlobContainerClient(azurite.ConnectionString, $"out-{run}");
        await output.CreateAsync();
        var queue = new QueueClient(azurite.ConnectionString, $"events-{run}");
        await queue.CreateAsync();

        var scenario = new BlobDropScenario(azurite.ConnectionString, $"queue-{run}");
        using var silo = ClusterScenario.StartSilo(azurite.ConnectionString, $"queue-{run}", "silo-0", new Dictionary<string, string>
        {
            ["ORLEANSINGEST__EVENTS__QUEUE__NAME"] = queue.Name,
            ["ORLEANSINGEST__EVENTS__QUEUE__IDLEDELAY"] = "00:00:00.200",
            ["ORLEANSINGEST__EVENTS__QUEUE__MAXDEQUEUECOUNT"] = "3",
        });
        var jobId = await scenario.SubscribeAsync(azurite.ContainerUrl(source.Name, "incoming"), azurite.ContainerUrl(output.Name), "all");
        await scenario.WaitForAsync(jobId, s => s.GetProperty("subscription").GetProperty("listings").GetInt32() >= 1, TimeSpan.FromMinutes(2), () => silo.Output);

        var simulator = await BlobDropScenario.WriteCorpusAsync(source, temp.Combine("corpus"), seed: 17);
        var (deliveries, lost) = simulator.PlanDeliveries(lossRate: 0.05, maxBatch: 6, BlobDropScenario.IsIngested);
        var copies = 0;
        var poisonSent = false;
        foreach (var delivery in deliveries)
        {
            if (!poisonSent && copies > 10)
            {
                await queue.SendMessageAsync("this is not an event");
                poisonSent = true;
            }

            foreach (var write in delivery.Writes)
            {
                await queue.SendMessageAsync(EventGridSimulator.QueueMessage(write));
                copies += BlobDropScenario.IsFollowed(write) ? 1 : 0;
            }
        }

        // Every copy under the prefix reached the job (as enqueued, duplicate or deletion), and the queue is empty.
        await scenario.WaitForAsync(jobId, s => s.GetProperty("subscription").GetProperty("events").GetInt64() == copies, TimeSpan.FromMinutes(3), () => silo.Output);
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        var lostCurrent = lost.Count(w => BlobDropScenario.IsIngested(w) && simulator.Current.TryGetValue(w.Url, out var current) && current == w);
        var reconcile = await scenario.ReconcileAsync(jobId);
        Assert.True(reconcile.ExitCode == 0, reconcile.ToString());
        Assert.Contains($"{lostCurrent} units found that events had missed", reconcile.Stdout, StringComparison.Ordinal);

        // Under the 'all' policy every delivered version under the prefix is a unit: current versions commit, versions
        // overwritten or deleted before they were read are quarantined as changed.
        var underPrefix = simulator.Writes.Where(w => !w.Deleted && BlobDropScenario.IsIngested(w)).ToList();
        var current = simulator.Current.Values.Where(BlobDropScenario.IsIngested).ToList();
        var delivered = underPrefix.Except(lost).Count();
        var status = await scenario.WaitForAsync(
            jobId,
            s => s.GetProperty("pending").GetInt32() + s.GetProperty("leased").GetInt32() == 0
                && s.GetProperty("committed").GetInt32() + s.GetProperty("quarantined").GetInt32() == delivered + lostCurrent,
            TimeSpan.FromMinutes(5),
            () => silo.Output);
        Assert.Equal(current.Count, status.GetProperty("committed").GetInt32());
        var subscription = status.GetProperty("subscription");
        Assert.Equal(delivered, subscription.GetProperty("enqueued").GetInt64());
        Assert.Equal(lostCurrent, subscription.GetProperty("found_by_listing").GetInt64());
        Assert.True(subscription.GetProperty("deletions").GetInt64() >= 1);
        Assert.True(status.GetProperty("commit_latency").GetProperty("samples").GetInt64() == current.Count);
        Assert.True(status.GetProperty("commit_latency").GetProperty("p95_seconds").GetDouble() > 0);

        var downloaded = temp.Combine("out");
        await ClusterScenario.DownloadAsync(output, downloaded);
        await BlobDropScenario.AssertCurrentVersionsExactlyOnceAsync(simulator, downloaded);

        // The operators' commands, through the same service layer as the dashboard.
        var list = await CliRunner.RunAsync(TimeSpan.FromMinutes(2), ["jobs", "list", "--json", .. scenario.ClusterArgs], CancellationToken.None);
        Assert.True(list.ExitCode == 0, list.ToString());
        using (var jobs = JsonDocument.Parse(list.Stdout))
        {
            var listed = Assert.Single(jobs.RootElement.EnumerateArray(), j => j.GetProperty("jobId").GetString() == jobId);
            Assert.Equal("continuous", listed.GetProperty("kind").GetString());
        }

        var show = await CliRunner.RunAsync(TimeSpan.FromMinutes(2), ["jobs", "show", "--job-id", jobId, .. scenario.ClusterArgs], CancellationToken.None);
        using (var detail = JsonDocument.Parse(show.Stdout))
        {
            Assert.Equal(lostCurrent, detail.RootElement.GetProperty("subscription").GetProperty("foundByListing").GetInt64());
            Assert.Equal(current.Count, detail.RootElement.GetProperty("siloShares").EnumerateArray().Sum(s => s.GetProperty("units").GetInt32()));
        }

        var cancel = await CliRunner.RunAsync(TimeSpan.FromMinutes(2), ["jobs", "cancel", "--job-id", jobId, .. scenario.ClusterArgs], CancellationToken.None);
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Equal("cancelled", (await scenario.StatusAsync(jobId)).GetProperty("phase").GetString());
        var pause = await CliRunner.RunAsync(TimeSpan.FromMinutes(2), ["jobs", "pause", "--job-id", jobId, .. scenario.ClusterArgs], CancellationToken.None);
        Assert.Equal(3, pause.ExitCode);
        Assert.Contains("finished", pause.Stderr, StringComparison.Ordinal);

        // The poison message is set aside with its reason, not retried forever and not lost.
        var poison = new QueueClient(azurite.ConnectionString, queue.Name + "-poison");
        var poisoned = (await poison.ReceiveMessagesAsync(32)).Value;
        var envelope = Assert.Single(poisoned);
        using var json = JsonDocument.Parse(envelope.Body.ToString());
        Assert.Equal("this is not an event", json.RootElement.GetProperty("body").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("reason").GetString()));
    }
}
