using System.Runtime.InteropServices;

namespace Linnet.Testing;

internal static partial class NativeMethods
{
    public const int SigTerm = 15;

    /// <summary>POSIX <c>kill(2)</c>. Returns 0 on success, -1 with errno set on failure.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
