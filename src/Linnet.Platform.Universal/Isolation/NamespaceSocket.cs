using System.ComponentModel;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Linnet.Platform.Universal.Supervisor;

namespace Linnet.Platform.Universal.Isolation;

/// <summary>A TCP socket that lives in a pod's network namespace, made without a helper process: a thread of our
/// own enters the namespace (setns), makes the socket, and returns; the socket stays in the namespace it was made
/// in. The supervisor probes an isolated app this way — from the host, the app's port leads to its proxy.</summary>
internal static class NamespaceSocket
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>A new IPv4 stream socket in <paramref name="networkNamespace"/> (a name <c>ip netns</c> lists).</summary>
    public static Socket Create(string networkNamespace)
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var original = File.OpenHandle("/proc/thread-self/ns/net");
                using var target = File.OpenHandle($"/run/netns/{networkNamespace}");
                Enter(target.DangerousGetHandle());
                try
                {
                    socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                }
                finally
                {
                    Enter(original.DangerousGetHandle());
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Win32Exception or SocketException)
            {
                error = ex;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw new IsolationException($"cannot make a socket in network namespace {networkNamespace}: {error?.Message}", error ?? new IOException());
    }

    private static void Enter(nint handle)
    {
        if (NativeMethods.SetNs((int)handle, CloneNewNet) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError());
        }
    }
}
