using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Linnet.Proxy.Tests.Tcp;

/// <summary>Plain-socket client operations for opaque-TCP tests; every wait is bounded.</summary>
internal static class RawTcp
{
    /// <summary>How long any single read or connect may take before the test fails: a bound against hangs, not a
    /// latency assertion. It was 5 s until a loopback connect in MeshRotationTests (four HTTP loads and a rotation
    /// in the same process, beside the other test assemblies on CI's two cores) once took longer. That wait was not
    /// the proxy's: the kernel completes a loopback handshake whatever the listening process does while its backlog
    /// (512) has room, and that loop connects one at a time. No test expects one of these operations to time out.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<Socket> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = Bounded(cancellationToken);
            await socket.ConnectAsync(endPoint, timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static async Task SendAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        using var timeout = Bounded(cancellationToken);
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, timeout.Token);
            data = data[sent..];
        }
    }

    public static Task SendAsync(Socket socket, string text, CancellationToken cancellationToken) =>
        SendAsync(socket, Encoding.ASCII.GetBytes(text), cancellationToken);

    /// <summary>Reads exactly <paramref name="count"/> bytes; fails on end of stream or when they do not come in time.</summary>
    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count, CancellationToken cancellationToken)
    {
        using var timeout = Bounded(cancellationToken);
        var buffer = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                throw new EndOfStreamException($"connection ended after {filled} of {count} bytes");
            }

            filled += read;
        }

        return buffer;
    }

    /// <summary>Reads as many bytes as <paramref name="expected"/> has and returns them as text, for comparing.</summary>
    public static async Task<string> ReadTextAsync(Socket socket, string expected, CancellationToken cancellationToken) =>
        Encoding.ASCII.GetString(await ReadExactlyAsync(socket, Encoding.ASCII.GetByteCount(expected), cancellationToken));

    /// <summary>Reads until the peer closes its side (FIN).</summary>
    public static async Task<byte[]> ReadToEndAsync(Socket socket, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var bounded = Bounded(cancellationToken, timeout);
        using var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, bounded.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        return received.ToArray();
    }

    /// <summary>Connects and returns true once the peer has closed or reset the connection without sending
    /// anything; a reset may already surface from the connect itself.</summary>
    public static async Task<bool> ConnectAndAwaitCloseAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        using var timeout = Bounded(cancellationToken);
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endPoint, timeout.Token);
            return await socket.ReceiveAsync(new byte[1], SocketFlags.None, timeout.Token) == 0;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return true;
        }
    }

    private static CancellationTokenSource Bounded(CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? Timeout);
        return cts;
    }
}
