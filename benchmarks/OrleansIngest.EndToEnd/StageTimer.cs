using System.Diagnostics;

namespace OrleansIngest.EndToEnd;

/// <summary>
/// Times one stage the way the peers are timed: one warm-up, then repeated runs for at least a minimum time, and
/// the fastest run counts (the least disturbed by other load on a shared machine). Single-threaded by construction:
/// run the process under <c>taskset -c N</c> to pin it to one core.
/// </summary>
internal static class StageTimer
{
    public static double BestSeconds(Action run, double minSeconds)
    {
        run();
        var best = double.MaxValue;
        var total = Stopwatch.StartNew();
        var runs = 0;
        do
        {
            var once = Stopwatch.StartNew();
            run();
            best = Math.Min(best, once.Elapsed.TotalSeconds);
            runs++;
        }
        while (total.Elapsed.TotalSeconds < minSeconds || runs < 3);

        return best;
    }

    public static async Task<double> BestSecondsAsync(Func<Task> run, double minSeconds)
    {
        await run();
        var best = double.MaxValue;
        var total = Stopwatch.StartNew();
        var runs = 0;
        do
        {
            var once = Stopwatch.StartNew();
            await run();
            best = Math.Min(best, once.Elapsed.TotalSeconds);
            runs++;
        }
        while (total.Elapsed.TotalSeconds < minSeconds || runs < 3);

        return best;
    }
}
