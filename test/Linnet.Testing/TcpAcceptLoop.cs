using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Linnet.Testing;

/// <summary>
/// Listens on 127.0.0.1:0 and runs a handler per accepted socket; tracks connections and tears
/// everything down on dispose (listener closed, open sockets closed, handlers awaited).
/// </summary>
internal sealed class TcpAcceptLoop : IAsyncDisposable
{
    private static readonly TimeSpan HandlerDrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly Func<Socket, CancellationToken, Task> _handler;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _acceptTask;
    private int _pending = 1; // the accept loop itself, plus one per running handler
    private int _accepted;
    private int _disposed;

    private TcpAcceptLoop(Socket listener, Func<Socket, CancellationToken, Task> handler)
    {
        _listener = listener;
        _handler = handler;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _acceptTask = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public int AcceptedConnections => Volatile.Read(ref _accepted);

    public int ActiveConnections => _open.Count;

    public static TcpAcceptLoop Start(Func<Socket, CancellationToken, Task> handler)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(512);
            return new TcpAcceptLoop(listener, handler);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Dispose();
        await _acceptTask;
        foreach (var socket in _open.Keys)
        {
            socket.Dispose();
        }

        Release();
        try
        {
            await _drained.Task.WaitAsync(HandlerDrainTimeout);
        }
        catch (TimeoutException)
        {
            // A handler ignored cancellation and socket closure; nothing more we can do.
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        await Task.Yield();
        while (!_stopping.IsCancellationRequested)
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

            socket.NoDelay = true;
            Interlocked.Increment(ref _accepted);
            Interlocked.Increment(ref _pending);
            _open.TryAdd(socket, 0);
            _ = RunHandlerAsync(socket);
        }
    }

    private async Task RunHandlerAsync(Socket socket)
    {
        try
        {
            await Task.Yield();
            await _handler(socket, _stopping.Token);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Peer reset, or we are shutting down.
        }
        finally
        {
            _open.TryRemove(socket, out _);
            socket.Dispose();
            Release();
        }
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            _drained.TrySetResult();
        }
    }
}
