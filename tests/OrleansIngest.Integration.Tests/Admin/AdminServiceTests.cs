using OrleansIngest.Processing.Synthetic;
using OrleansIngest.Silo.Admin;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Integration.Tests.Admin;

/// <summary>
/// The operators' service layer against a real in-process silo (grains, worker, VAD model, local folders): what the
/// API, the UI and the CLI show and do.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AdminServiceTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _temp = new("oi-admin");
    private InProcessSilo _silo = null!;
    private IAdminService _admin = null!;

    public async Task InitializeAsync()
    {
        _silo = await InProcessSilo.StartAsync(lanes: 1, InProcessSilo.SimulatedGpuCapacity);
        _admin = _silo.Admin;
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task AJobsProgressTablesSharesAndCommitsAreShown()
    {
        var source = Corpus("a", sensorFiles: 3, badFiles: 2);
        var started = await _admin.StartJobAsync(new StartJobRequest(source, _temp.Combine("out-a"), null, "job-shown", false, null, null));

        var detail = await WaitForPhaseAsync("job-shown", "completed");

        Assert.Equal("batch", started.Kind);
        Assert.Equal(3, detail.Summary.Committed);
        Assert.Equal(2, detail.Summary.Quarantined);
        Assert.Equal(detail.Summary.BytesTotal, detail.Summary.BytesDone);
        var share = Assert.Single(detail.SiloShares);
        Assert.Equal(3, share.Units);
        Assert.True(share.Rows > 0);
        Assert.NotEmpty(detail.RecentCommits);
        Assert.All(detail.RecentCommits, c => Assert.StartsWith(share.Silo, c.Writer, StringComparison.Ordinal));
        var tables = (await _admin.ListTablesAsync("job-shown"))!;
        Assert.Equal(3, tables.Single(t => t.Name == "sensor_windows").CommittedUnits);
        Assert.Equal(2, tables.Sum(t => t.QuarantinedUnits));
        var quarantined = (await _admin.ListQuarantineAsync("job-shown"))!;
        Assert.Equal(2, quarantined.Count);
        Assert.All(quarantined, q => Assert.False(string.IsNullOrWhiteSpace(q.Reason)));
        var units = (await _admin.ListUnitsAsync("job-shown", "quarantined", 0, 10))!;
        Assert.Equal(2, units.Total);
        Assert.Contains((await _admin.ListJobsAsync()), j => j.JobId == "job-shown" && j.Phase == "completed");
    }

    [Fact]
    public async Task AUnitQuarantinedForADamageThatWasRepaired_IsCommittedAfterARetry()
    {
        var source = Corpus("b", sensorFiles: 2, badFiles: 0);
        var damaged = Directory.GetFiles(source, "*.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var good = await File.ReadAllBytesAsync(damaged);
        var stamp = File.GetLastWriteTimeUtc(damaged);

        // Damaged in transit: one byte of the first timestamp differs; size and modification time are the original's.
        var bad = (byte[])good.Clone();
        bad[Array.IndexOf(good, (byte)'\n') + 1] = (byte)'x';
        await File.WriteAllBytesAsync(damaged, bad);
        File.SetLastWriteTimeUtc(damaged, stamp);
        await _admin.StartJobAsync(new StartJobRequest(source, _temp.Combine("out-b"), null, "job-retry", false, null, null));
        var first = await WaitForPhaseAsync("job-retry", "completed");
        var item = Assert.Single((await _admin.ListQuarantineAsync("job-retry"))!);
        Assert.Equal(1, first.Summary.Committed);

        // Copied again with its timestamp preserved (the same version), then retried by the operator.
        await File.WriteAllBytesAsync(damaged, good);
        File.SetLastWriteTimeUtc(damaged, stamp);
        var retry = await _admin.RetryQuarantinedAsync("job-retry", [item.UnitId]);

        Assert.Equal(new RetryResult(1, 1), retry);
        var after = await WaitForAsync("job-retry", d => d.Summary.Phase == "completed" && d.Summary.Committed == 2);
        Assert.Equal(0, after.Summary.Quarantined);
        Assert.Empty((await _admin.ListQuarantineAsync("job-retry"))!);
    }

    [Fact]
    public async Task APausedJobHandsOutNothingUntilResumed_AndACancelledOneEnds()
    {
        var source = Corpus("c", sensorFiles: 8, badFiles: 0);
        await _admin.StartJobAsync(new StartJobRequest(source, _temp.Combine("out-c"), null, "job-paused", false, null, null));
        Assert.True(await _admin.PauseJobAsync("job-paused"));

        // Units in flight when it paused finish; then nothing moves.
        var paused = await WaitForAsync("job-paused", d => d.Summary.Phase == "paused" && d.Summary.Units == 8 && d.Summary.Leased == 0);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var still = (await _admin.GetJobAsync("job-paused"))!;
        Assert.Equal("paused", still.Summary.Phase);
        Assert.Equal(paused.Summary.Committed, still.Summary.Committed);
        Assert.True(still.Summary.Pending > 0);

        Assert.True(await _admin.ResumeJobAsync("job-paused"));
        var done = await WaitForPhaseAsync("job-paused", "completed");
        Assert.Equal(8, done.Summary.Committed);

        await Assert.ThrowsAsync<InvalidOperationException>(() => _admin.PauseJobAsync("job-paused"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _admin.CancelJobAsync("job-paused"));

        await _admin.StartJobAsync(new StartJobRequest(Corpus("d", sensorFiles: 4, badFiles: 0), _temp.Combine("out-d"), null, "job-cancelled", false, null, null));
        Assert.True(await _admin.PauseJobAsync("job-cancelled"));
        Assert.True(await _admin.CancelJobAsync("job-cancelled"));
        var cancelled = (await _admin.GetJobAsync("job-cancelled"))!;
        Assert.Equal("cancelled", cancelled.Summary.Phase);
        Assert.NotNull(cancelled.Summary.CompletedAt);
    }

    [Fact]
    public async Task SilosAndThroughputAreReportedAndUnknownJobsAreNotFound()
    {
        await _admin.StartJobAsync(new StartJobRequest(Corpus("e", sensorFiles: 3, badFiles: 0), _temp.Combine("out-e"), null, "job-rate", false, null, null));
        await WaitForPhaseAsync("job-rate", "completed");

        var silos = await WaitForValueAsync(() => _admin.ListSilosAsync(), s => s.Count == 1 && s[0].Status == "active");
        Assert.Contains("CPU", silos[0].ExecutionProvider, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, silos[0].Lanes);
        Assert.Equal(6, silos[0].Cores);
        Assert.Equal(2, silos[0].GpuCount);
        Assert.Equal(163840, silos[0].GpuMemoryMiB);
        Assert.Equal(1.4, silos[0].Weight);
        // VadMaxBatch is not configured: the VAD runs on the CPU, so the batch resolves to 64.
        Assert.Equal(64, silos[0].VadMaxBatch);
        var throughput = await WaitForValueAsync(() => _admin.GetThroughputAsync(TimeSpan.FromMinutes(5)), t => t.Sum(p => p.UnitsPerSecond) > 0);
        Assert.Equal(3, (int)Math.Round(throughput.Sum(p => p.UnitsPerSecond) * 5));
        var overview = await _admin.GetOverviewAsync();
        Assert.Equal(1, overview.SilosUp);

        Assert.Null(await _admin.GetJobAsync("no-such-job"));
        Assert.False(await _admin.PauseJobAsync("no-such-job"));
        Assert.Null(await _admin.ListQuarantineAsync("no-such-job"));
        await Assert.ThrowsAsync<ArgumentException>(() => _admin.StartJobAsync(new StartJobRequest(_temp.Path, _temp.Combine("x"), "routes: []", null, false, null, null)));
        await Assert.ThrowsAsync<ArgumentException>(() => _admin.ListUnitsAsync("job-rate", "sleeping", 0, 10));
    }

    private string Corpus(string name, int sensorFiles, int badFiles)
    {
        var folder = _temp.Combine("src-" + name);
        CorpusGenerator.Generate(folder, new CorpusSettings(AudioMinutes: 0, SensorFiles: sensorFiles, BadFiles: badFiles, Seed: 11));
        foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".csv", StringComparison.Ordinal) && !f.EndsWith(".wav", StringComparison.Ordinal)))
        {
            File.Delete(file);
        }

        return folder;
    }

    private Task<JobDetail> WaitForPhaseAsync(string jobId, string phase) => WaitForAsync(jobId, d => d.Summary.Phase == phase);

    private async Task<JobDetail> WaitForAsync(string jobId, Func<JobDetail, bool> condition) =>
        (await WaitForValueAsync(() => _admin.GetJobAsync(jobId), d => d is not null && condition(d)))!;

    private static async Task<T> WaitForValueAsync<T>(Func<Task<T>> read, Func<T, bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not reached within {Timeout}: {value}");
            await Task.Delay(200);
        }
    }
}
