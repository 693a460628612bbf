using OrleansIngest.Fuzz;
using SharpFuzz;

// Under afl-fuzz this is the fork server; run directly it executes one input read from stdin, which is how a
// finding is reproduced: dotnet OrleansIngest.Fuzz.dll <target> < finding
if (args.Length != 1 || !FuzzTargets.ByName.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: OrleansIngest.Fuzz <{string.Join('|', FuzzTargets.ByName.Keys)}> < input");
    return 2;
}

// afl-fuzz hands its shared memory to the target in this variable; without it the input is being run by hand.
FuzzTargets.Verbose = Environment.GetEnvironmentVariable("__AFL_SHM_ID") is null;
FuzzTargets.OutcomeToKeep = Environment.GetEnvironmentVariable("FUZZ_KEEP_OUTCOME");
Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    target(copy.ToArray());
});
return 0;
