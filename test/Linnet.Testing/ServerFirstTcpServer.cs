using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Linnet.Testing;

/// <summary>
/// A server-speaks-first TCP peer (SMTP-like) on 127.0.0.1:&lt;ephemeral&gt;. On accept it sends
/// <see cref="Banner"/>; each received line <c>X</c> is answered with <c>"250 X\r\n"</c>; <c>QUIT</c>
/// (case-insensitive) is answered with <c>"221 bye\r\n"</c>, after which the server closes the connection.
/// </summary>
public sealed class ServerFirstTcpServer : IAsyncDisposable
{
    /// <summary>The greeting written immediately after accept.</summary>
    public const string Banner = "220 linnet-test ready\r\n";

    /// <summary>The reply to <c>QUIT</c>.</summary>
    public const string QuitReply = "221 bye\r\n";

    private static readonly TimeSpan LingerAfterQuit = TimeSpan.FromSeconds(2);

    private readonly TcpAcceptLoop _loop;
    private readonly ConcurrentQueue<string> _receivedLines = new();

    private ServerFirstTcpServer()
    {
        _loop = TcpAcceptLoop.Start(ServeAsync);
    }

    /// <summary>The bound TCP port on 127.0.0.1.</summary>
    public int Port => _loop.EndPoint.Port;

    /// <summary>The bound endpoint (127.0.0.1:Port).</summary>
    public IPEndPoint EndPoint => _loop.EndPoint;

    /// <summary>Connections accepted since start.</summary>
    public int AcceptedConnections => _loop.AcceptedConnections;

    /// <summary>Connections currently open.</summary>
    public int ActiveConnections => _loop.ActiveConnections;

    /// <summary>Every line received so far, across all connections, without line terminators.</summary>
    public IReadOnlyList<string> ReceivedLines => [.. _receivedLines];

    /// <summary>Starts listening.</summary>
    public static Task<ServerFirstTcpServer> StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new ServerFirstTcpServer());
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _loop.DisposeAsync();

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(Banner), cancellationToken);

        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            _receivedLines.Enqueue(line);
            if (string.Equals(line, "QUIT", StringComparison.OrdinalIgnoreCase))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(QuitReply), cancellationToken);
                socket.Shutdown(SocketShutdown.Send);
                await DrainAsync(stream, cancellationToken);
                return;
            }

            await stream.WriteAsync(Encoding.UTF8.GetBytes($"250 {line}\r\n"), cancellationToken);
        }
    }

    /// <summary>
    /// After our FIN, read until the peer closes (bounded) so that closing never turns unread input
    /// into a RST that could destroy the "221 bye" before the client reads it.
    /// </summary>
    private static async Task DrainAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        linger.CancelAfter(LingerAfterQuit);
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, linger.Token) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
