using System.Runtime.InteropServices;

namespace OrleansIngest.Processing.Diagnostics;

/// <summary>
/// CPU time of the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>). A stage that runs synchronously on one
/// thread costs its delta, also while other threads share the core, which a wall clock would count too.
/// </summary>
internal static partial class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>Whether the clock can be read here (Linux); elsewhere <see cref="Nanoseconds"/> returns -1.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && Read() >= 0;

    /// <summary>Nanoseconds of CPU the calling thread has used, or -1 where the clock cannot be read.</summary>
    public static long Nanoseconds() => IsSupported ? Read() : -1;

    private static long Read()
    {
        try
        {
            return ClockGetTime(ClockThreadCpuTimeId, out var time) == 0 ? (time.Seconds * 1_000_000_000L) + time.Nanoseconds : -1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1;
        }
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
