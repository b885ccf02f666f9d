using System.Net;
using System.Net.Sockets;

namespace Linnet.Testing;

/// <summary>
/// Raw TCP echo server on 127.0.0.1:&lt;ephemeral&gt;: echoes every byte until the peer half-closes
/// (sends FIN), then half-closes its own side, so clients can check the stream byte-for-byte to EOF.
/// </summary>
public sealed class TcpEchoServer : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly TcpAcceptLoop _loop;

    private TcpEchoServer()
    {
        _loop = TcpAcceptLoop.Start(EchoAsync);
    }

    /// <summary>The bound TCP port on 127.0.0.1.</summary>
    public int Port => _loop.EndPoint.Port;

    /// <summary>The bound endpoint (127.0.0.1:Port).</summary>
    public IPEndPoint EndPoint => _loop.EndPoint;

    /// <summary>Connections accepted since start.</summary>
    public int AcceptedConnections => _loop.AcceptedConnections;

    /// <summary>Connections currently open.</summary>
    public int ActiveConnections => _loop.ActiveConnections;

    /// <summary>Starts listening.</summary>
    public static Task<TcpEchoServer> StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new TcpEchoServer());
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _loop.DisposeAsync();

    private static async Task EchoAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var stream = new NetworkStream(socket, ownsSocket: false);
        var buffer = new byte[BufferSize];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        socket.Shutdown(SocketShutdown.Send);
    }
}
