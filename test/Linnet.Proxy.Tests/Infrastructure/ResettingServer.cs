using System.Net;
using System.Net.Sockets;

namespace Linnet.Proxy.Tests.Infrastructure;

/// <summary>Accepts connections, reads the request, and resets the connection (RST) without answering.</summary>
internal sealed class ResettingServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Task _loop;

    private ResettingServer(TcpListener listener)
    {
        _listener = listener;
        _loop = LoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static Task<ResettingServer> StartAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return Task.FromResult(new ResettingServer(listener));
    }

    private async Task LoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            using (socket)
            {
                var buffer = new byte[4096];
                try
                {
                    await socket.ReceiveAsync(buffer, SocketFlags.None);
                }
                catch (SocketException)
                {
                }

                socket.LingerState = new LingerOption(true, 0);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _loop;
    }
}
