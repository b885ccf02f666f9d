using System.Net;
using System.Net.Sockets;

namespace Linnet.Proxy.Tests.Infrastructure;

/// <summary>A TCP relay on 127.0.0.1:&lt;ephemeral&gt; to a target port that holds back the target's first
/// bytes on each connection for <see cref="Delay"/>: a TLS server that is slow to answer the ClientHello,
/// so that setting up a connection takes that long while requests on it are as fast as the target.</summary>
internal sealed class SlowHandshakeRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _relays = [];
    private readonly Task _loop;

    private SlowHandshakeRelay(TcpListener listener, int targetPort, TimeSpan delay)
    {
        _listener = listener;
        _targetPort = targetPort;
        Delay = delay;
        _loop = LoopAsync();
    }

    public TimeSpan Delay { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static SlowHandshakeRelay Start(int targetPort, TimeSpan delay)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new SlowHandshakeRelay(listener, targetPort, delay);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _loop;
        Task[] relays;
        lock (_relays)
        {
            relays = [.. _relays];
        }

        await Task.WhenAll(relays);
        _stopping.Dispose();
    }

    private async Task LoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            lock (_relays)
            {
                _relays.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var clientSocket = client;
        using var target = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await target.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _targetPort), _stopping.Token);
            await using var clientStream = new NetworkStream(clientSocket, ownsSocket: false);
            await using var targetStream = new NetworkStream(target, ownsSocket: false);
            using var done = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            var up = clientStream.CopyToAsync(targetStream, done.Token);
            var down = DownAsync(targetStream, clientStream, done.Token);
            await Task.WhenAny(up, down);
            await done.CancelAsync();
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The test is over, or a side hung up.
        }
    }

    private async Task DownAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var first = true;
        while (true)
        {
            var n = await from.ReadAsync(buffer, cancellationToken);
            if (n == 0)
            {
                return;
            }

            if (first)
            {
                // The slowness under test (a slow handshake), not a stand-in for synchronisation.
                await Task.Delay(Delay, cancellationToken);
                first = false;
            }

            await to.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
        }
    }
}
