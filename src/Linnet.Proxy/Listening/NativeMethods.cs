using System.Runtime.InteropServices;

namespace Linnet.Proxy.Listening;

/// <summary>libc calls the socket API does not offer without side effects.</summary>
internal static partial class NativeMethods
{
    // Socket.GetRawSocketOption marks the socket disconnected when the option is missing (ENOENT: a
    // connection that was not redirected), after which NetworkStream refuses it; calling getsockopt on the
    // handle leaves the Socket's state alone.
    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static unsafe partial int GetSockOpt(SafeHandle socket, int level, int name, byte* value, ref uint length);
}
