using System.Globalization;
using OrleansIngest.TestSupport.Azurite;
using OrleansIngest.TestSupport.Chaos;

// Chaos runner: many small files, N silo processes, a random silo SIGKILLed and restarted every K seconds until
// the job completes, optionally with storage faults (lost responses on writes, 503s on reads) at a given rate;
// the output reconciled by DuckDB. Exit 0 only when nothing is lost, duplicated or unexpected
// and exactly the seeded bad files are quarantined.
var settings = new ChaosSettings(
    Files: (int)Arg("--files", 1000),
    Silos: (int)Arg("--silos", 3),
    KillEvery: TimeSpan.FromSeconds(Arg("--kill-every", 20)),
    Seed: (int)Arg("--seed", 1),
    BadRatio: Arg("--bad-ratio", 0.01),
    Timeout: TimeSpan.FromMinutes(Arg("--timeout-minutes", 60)),
    StorageFaultRate: Arg("--storage-fault-rate", 0));
Console.WriteLine($"chaos: {settings.Files} files, {settings.Silos} silos, kill every {settings.KillEvery.TotalSeconds:0.#} s, seed {settings.Seed}, bad ratio {settings.BadRatio}, storage fault rate {settings.StorageFaultRate}");
var azurite = new AzuriteFixture();
await azurite.InitializeAsync();
try
{
    var log = TextWriter.Synchronized(Console.Out);
    var report = await ChaosScenario.RunAsync(azurite, settings, log);
    Console.WriteLine();
    Console.WriteLine($"| chaos: {settings.Files} files, {settings.Silos} silos × 1 lane, SIGKILL every {settings.KillEvery.TotalSeconds:0.#} s, storage fault rate {settings.StorageFaultRate}, seed {settings.Seed} | |");
    Console.Write(report.ToTable());
    Console.WriteLine(report.Passed ? "PASS" : "FAIL");
    return report.Passed ? 0 : 1;
}
finally
{
    await azurite.DisposeAsync();
}

double Arg(string name, double fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
