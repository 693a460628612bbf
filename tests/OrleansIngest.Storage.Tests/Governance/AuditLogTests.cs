using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Storage.Governance;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Storage.Tests.Governance;

[Trait("Category", "Unit")]
public sealed class AuditLogTests : IDisposable
{
    private readonly TempDirectory _dir = new("audit");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AuditLog_ListsAScriptedSessionInOrderWithIdentities()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero));
        var store = new LocalGovernanceStore(_dir.Combine("out", "_ingest"));
        var log = new AuditLog(store, time);
        await log.AppendAsync("cli/alice", "submit", "job-1", "ok");
        time.Advance(TimeSpan.FromSeconds(1));
        await log.AppendAsync("apikey:ci", "retry", "job-1", "ok");
        time.Advance(TimeSpan.FromSeconds(1));
        await log.AppendAsync("cli/alice", "erase", "sensor_windows:file:///x.csv", "ok", new Dictionary<string, string> { ["rows_removed"] = "3" });
        time.Advance(TimeSpan.FromSeconds(1));
        await log.AppendAsync("oidc:bob", "read_rows", "audio_segments", "denied");

        var all = await log.ReadAsync().ToListAsync();
        Assert.Equal(["submit", "retry", "erase", "read_rows"], all.Select(r => r.Action));
        Assert.Equal(["cli/alice", "apikey:ci", "cli/alice", "oidc:bob"], all.Select(r => r.Actor));
        Assert.Equal("3", all[2].Details!["rows_removed"]);
        Assert.Equal(["submit", "erase"], (await log.ReadAsync(actor: "cli/alice").ToListAsync()).Select(r => r.Action));
        Assert.Equal(["erase", "read_rows"], (await log.ReadAsync(since: new DateTimeOffset(2026, 5, 1, 8, 0, 2, TimeSpan.Zero)).ToListAsync()).Select(r => r.Action));
    }

    [Fact]
    public async Task AuditLog_ConcurrentWritersNeverOverwriteEachOther()
    {
        var store = new LocalGovernanceStore(_dir.Combine("out", "_ingest"));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero));
        await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => new AuditLog(store, time).AppendAsync($"w{i}", "submit", "job", "ok"))));

        var actors = (await new AuditLog(store, time).ReadAsync().ToListAsync()).Select(r => r.Actor).ToHashSet();
        Assert.Equal(64, actors.Count);
    }
}
