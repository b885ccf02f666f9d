using System.Net.Security;
using System.Net.Sockets;

namespace Linnet.Proxy.Tcp;

/// <summary>One side of a relayed connection: the stream to read and write, the socket under it (to reset),
/// and how to say "no more bytes from me" without closing the other direction: <c>shutdown(SHUT_WR)</c> on
/// a plain socket, TLS <c>close_notify</c> on a TLS stream (TLS 1.3 lets the other side keep writing).</summary>
internal sealed class RelayEnd(Stream stream, Socket socket)
{
    public Stream Stream { get; } = stream;

    public Socket Socket { get; } = socket;

    /// <summary>The TLS layer, when this side is encrypted.</summary>
    public SslStream? Tls { get; init; }

    public async Task ShutdownWriteAsync()
    {
        if (Tls is { } tls)
        {
            await tls.ShutdownAsync();
        }
        else
        {
            Socket.Shutdown(SocketShutdown.Send);
        }
    }
}
