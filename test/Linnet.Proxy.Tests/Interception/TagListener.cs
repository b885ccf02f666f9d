using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Linnet.Proxy.Listening;

namespace Linnet.Proxy.Tests.Interception;

/// <summary>A TCP listener that answers each connection with its own name: it reads the client's one line (a
/// tag), records it with the connection's peer and original destination (<c>SO_ORIGINAL_DST</c>, set when
/// iptables redirected the connection here), writes its name and a newline, and closes. So the client learns
/// which listener its connection reached.</summary>
internal sealed class TagListener : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<TaggedConnection> _connections = new();
    private readonly Task _acceptLoop;

    /// <summary>Listens on <paramref name="endPoint"/> with <paramref name="socket"/> (made in the namespace it
    /// must listen in).</summary>
    public TagListener(string name, Socket socket, IPEndPoint endPoint)
    {
        Name = name;
        _listener = socket;
        try
        {
            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Bind(endPoint);
            _listener.Listen(16);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>What it answers.</summary>
    public string Name { get; }

    /// <summary>Where it listens.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Every connection answered, in order.</summary>
    public IReadOnlyList<TaggedConnection> Connections => [.. _connections];

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var socket = await _listener.AcceptAsync(_stopping.Token);
            _ = AnswerAsync(socket);
        }
    }

    private async Task AnswerAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                var original = OriginalDestination.Get(socket);
                var tag = new StringBuilder();
                var buffer = new byte[1];
                while (tag.Length < 256 && await socket.ReceiveAsync(buffer, _stopping.Token) == 1 && buffer[0] != (byte)'\n')
                {
                    tag.Append((char)buffer[0]);
                }

                _connections.Enqueue(new TaggedConnection(tag.ToString(), (IPEndPoint)socket.RemoteEndPoint!, original));
                await socket.SendAsync(Encoding.ASCII.GetBytes(Name + "\n"), _stopping.Token);
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The test is over, or the client went away: nothing to record.
            }
        }
    }
}
