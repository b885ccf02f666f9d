using System.Runtime.InteropServices;

namespace Linnet.Bench.Load;

internal static partial class NativeMethods
{
    public const int PrSetTimerSlack = 29;

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>POSIX <c>nanosleep(2)</c>: returns 0, or -1 when interrupted by a signal.</summary>
    [LibraryImport("libc", EntryPoint = "nanosleep")]
    public static partial int NanoSleep(in TimeSpec request, out TimeSpec remaining);

    /// <summary>Linux <c>prctl(2)</c>; used for <c>PR_SET_TIMERSLACK</c> on the pacing thread.</summary>
    [LibraryImport("libc", EntryPoint = "prctl")]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
