using OrleansIngest.TestSupport.Azurite;
using OrleansIngest.TestSupport.Chaos;
using Xunit.Abstractions;

namespace OrleansIngest.Integration.Tests;

/// <summary>
/// The chaos scenario at CI size: three silo processes, one SIGKILLed and restarted as soon as the first file is
/// committed and then every 10 s (at most 6 kills) until the job completes, while 5% of the silos' data-plane
/// writes lose their response after landing and 5% of their reads get a 503; then DuckDB reconciles the output
/// against the corpus (the same code as the chaos runner).
/// </summary>
[Trait("Category", "Cluster")]
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SilosKilledEveryTenSecondsUnderStorageFaults_NothingIsLostDuplicatedOrUnexpected_AndExactlyTheBadFilesAreQuarantined()
    {
        using var writer = new StringWriter();
        var log = TextWriter.Synchronized(writer);
        // An emulator of its own, driven by hand as the chaos runner does, so that the scenario code is the same.
        var azurite = new AzuriteFixture();
        ChaosReport report;
        await azurite.InitializeAsync();
        try
        {
            report = await ChaosScenario.RunAsync(
                azurite, new ChaosSettings(Files: 150, Silos: 3, KillEvery: TimeSpan.FromSeconds(10), Seed: 7, BadRatio: 0.03, Timeout: TimeSpan.FromMinutes(8), MaxKills: 6, StorageFaultRate: 0.05), log);
        }
        finally
        {
            await azurite.DisposeAsync();
        }

        output.WriteLine(writer.ToString());
        output.WriteLine(report.ToTable());

        Assert.True(report.JobCompleted, report.JobOutcome + "\n" + writer);
        Assert.True(report.Kills >= 1, "no silo was killed before the job completed:\n" + report.ToTable());
        Assert.True(report.StorageFaults > 0, "no storage fault was injected:\n" + report.ToTable());
        Assert.Empty(report.Lost);
        Assert.Empty(report.Duplicated);
        Assert.Empty(report.Unexpected);
        Assert.Equal(report.SeededBad.Order(StringComparer.Ordinal), report.Quarantined.Order(StringComparer.Ordinal));
        Assert.Equal(report.Expected, report.Committed);
    }
}
