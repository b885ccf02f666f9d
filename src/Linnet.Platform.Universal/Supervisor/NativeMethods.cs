using System.Runtime.InteropServices;

namespace Linnet.Platform.Universal.Supervisor;

internal static partial class NativeMethods
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>POSIX <c>kill(2)</c>: 0 on success, -1 with errno set (ESRCH: already gone).</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary>Linux <c>setns(2)</c>: moves the calling thread into the namespace <paramref name="fd"/> names.</summary>
    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(int fd, int nsType);

    /// <summary>POSIX <c>chown(2)</c>: 0 on success, -1 with errno set.</summary>
    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Chown(string path, int owner, int group);

    /// <summary>POSIX <c>lchown(2)</c>: as <see cref="Chown"/>, but a symbolic link itself, never what it names.</summary>
    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LChown(string path, int owner, int group);
}
