using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Linnet.Proxy.Tests.Interception;

/// <summary>
/// A server "outside the pod": a raw socket listener on a given address (the host side of a test's veth pair)
/// and an ephemeral port. Either a minimal HTTP/1.1 server, one request per connection answered with
/// <see cref="HttpBody"/> and <c>Connection: close</c>, or a TCP echo that echoes until the peer half-closes
/// and then half-closes itself. Records every peer and, for HTTP, every request line and Host header.
/// </summary>
internal sealed class HostSideServer : IAsyncDisposable
{
    /// <summary>The body of every HTTP response.</summary>
    public const string HttpBody = "answered by the host-side backend";

    private const int MaxHeaderBytes = 16 * 1024;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly bool _http;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, Task> _connections = new();
    private readonly ConcurrentQueue<IPEndPoint> _peers = new();
    private readonly ConcurrentQueue<(string RequestLine, string Host)> _requests = new();
    private readonly Task _acceptLoop;

    private HostSideServer(IPAddress address, bool http)
    {
        _http = http;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(new IPEndPoint(address, 0));
            _listener.Listen(64);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The bound address and port.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Remote end points of every accepted connection, in order.</summary>
    public IReadOnlyList<IPEndPoint> Peers => [.. _peers];

    /// <summary>HTTP requests received: request line and Host header.</summary>
    public IReadOnlyList<(string RequestLine, string Host)> Requests => [.. _requests];

    /// <summary>Starts the HTTP server on <paramref name="address"/>:0.</summary>
    public static HostSideServer StartHttp(IPAddress address) => new(address, http: true);

    /// <summary>Starts the TCP echo on <paramref name="address"/>:0.</summary>
    public static HostSideServer StartEcho(IPAddress address) => new(address, http: false);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        foreach (var socket in _connections.Keys)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_connections.Values).WaitAsync(DrainTimeout);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            _peers.Enqueue((IPEndPoint)socket.RemoteEndPoint!);
            _connections[socket] = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await Task.Yield();
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            if (_http)
            {
                await AnswerHttpAsync(stream, _stopping.Token);
            }
            else
            {
                await EchoAsync(stream, _stopping.Token);
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Peer reset, or we are stopping.
        }
        finally
        {
            socket.Dispose();
        }
    }

    private async Task AnswerHttpAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxHeaderBytes];
        var length = 0;
        int end;
        while ((end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0 || (length += read) == buffer.Length)
            {
                return;
            }
        }

        var lines = Encoding.ASCII.GetString(buffer, 0, end).Split("\r\n");
        var host = lines.Skip(1).FirstOrDefault(l => l.StartsWith("host:", StringComparison.OrdinalIgnoreCase))?[5..].Trim() ?? "";
        _requests.Enqueue((lines[0], host));
        var response = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {HttpBody.Length}\r\nx-served-by: host-side\r\nConnection: close\r\n\r\n{HttpBody}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response), cancellationToken);
    }

    private static async Task EchoAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }
}
