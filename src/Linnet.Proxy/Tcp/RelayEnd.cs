using System.Net.Security;
using System.Net.Sockets;
using Linnet.Proxy.Tls;

namespace Linnet.Proxy.Tcp;

/// <summary>One side of a relayed connection: the stream to read and write, the socket under it (to reset),
/// and how to say "no more bytes from me" without closing the other direction: <c>shutdown(SHUT_WR)</c> on
/// a plain socket, TLS <c>close_notify</c> on a TLS stream (TLS 1.3 lets the other side keep writing). A TLS
/// side reads and half-closes through its <see cref="TlsShutdownGate"/>, so the two never overlap.</summary>
internal sealed class RelayEnd(Stream stream, Socket socket)
{
    public Stream Stream { get; } = stream;

    public Socket Socket { get; } = socket;

    /// <summary>The TLS layer, when this side is encrypted.</summary>
    public SslStream? Tls { get; private init; }

    private TlsShutdownGate? Gate { get; init; }

    /// <summary>A TLS side: <paramref name="tls"/> must have been built on <paramref name="gate"/>'s
    /// <see cref="TlsShutdownGate.Wrap"/>.</summary>
    public static RelayEnd ForTls(SslStream tls, TlsShutdownGate gate, Socket socket) => new(tls, socket) { Tls = tls, Gate = gate };

    public ValueTask<int> ReadAsync(Memory<byte> buffer) =>
        Tls is { } tls && Gate is { } gate ? gate.ReadAsync(tls, buffer) : Stream.ReadAsync(buffer);

    public async Task ShutdownWriteAsync()
    {
        if (Tls is { } tls && Gate is { } gate)
        {
            await gate.ShutdownAsync(tls);
        }
        else
        {
            Socket.Shutdown(SocketShutdown.Send);
        }
    }
}
