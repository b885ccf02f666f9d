using System.Diagnostics;

namespace Linnet.Bench.Load;

/// <summary>
/// Sub-millisecond waits for the dedicated pacing thread. .NET timers (<c>Task.Delay</c>,
/// <c>PeriodicTimer</c>) wake with ~1 ms granularity, which at 1,000 requests/s is the whole interval;
/// spinning would take one of the two cores away from the system under test. So the pacing thread, which
/// does nothing else and is never a thread-pool thread, blocks in <c>nanosleep(2)</c> with a 1 µs timer
/// slack (wake-up error ~50-80 µs). Any lateness that remains is still charged to the request, because
/// latency is measured from the scheduled send time.
/// </summary>
internal static class Pacer
{
    /// <summary>Call once from the pacing thread: lets the kernel wake it within 1 µs of the deadline.</summary>
    public static void UseFineTimerSlack()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = NativeMethods.Prctl(NativeMethods.PrSetTimerSlack, 1000, 0, 0, 0);
        }
    }

    /// <summary>Blocks the calling (dedicated) thread until <paramref name="deadline"/>, a Stopwatch timestamp.</summary>
    public static void WaitUntil(long deadline)
    {
        while (true)
        {
            var remaining = deadline - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return;
            }

            var nanoseconds = (long)(remaining * (1_000_000_000.0 / Stopwatch.Frequency));
            var request = new NativeMethods.TimeSpec
            {
                Seconds = nanoseconds / 1_000_000_000,
                Nanoseconds = nanoseconds % 1_000_000_000,
            };
            _ = NativeMethods.NanoSleep(request, out _);
        }
    }
}
