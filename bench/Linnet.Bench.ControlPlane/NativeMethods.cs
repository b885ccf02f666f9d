using System.Runtime.InteropServices;

namespace Linnet.Bench.ControlPlane;

internal static partial class NativeMethods
{
    public const int SigTerm = 15;

    /// <summary>POSIX <c>kill(2)</c>: <see cref="System.Diagnostics.Process.Kill()"/> only sends SIGKILL.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
