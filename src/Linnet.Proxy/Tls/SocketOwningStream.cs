using System.Net.Sockets;
using Linnet.Proxy.Streams;

namespace Linnet.Proxy.Tls;

/// <summary>A stream that also closes the socket beneath it when disposed (the TLS layer's inner stream does
/// not own its socket, so that a failed handshake leaves the socket to the listener).</summary>
internal sealed class SocketOwningStream(Stream inner, Socket socket) : DelegatingStream(inner, ownsInner: true)
{
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            socket.Dispose();
        }
    }
}
