using System.Net;
using System.Net.Sockets;
using System.Text;
using Linnet.Proxy.Tests.Infrastructure;

namespace Linnet.Proxy.Tests.Tcp;

public sealed class HalfCloseTests
{
    [Fact]
    public async Task Opaque_ServerHalfClosesFirst_ClientCanStillSend()
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var backend = Task.Run(
            async () =>
            {
                using var socket = await listener.AcceptSocketAsync(ct);
                await socket.SendAsync("hello"u8.ToArray(), SocketFlags.None, ct);
                socket.Shutdown(SocketShutdown.Send);
                return Encoding.ASCII.GetString(await ReadToEndAsync(socket, ct));
            },
            ct);
        await using var proxy = await TestProxy.StartAsync(port, configure: b => b with { InboundOpaquePorts = new HashSet<int> { port } });
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.Inbound, ct);

        var greeting = Encoding.ASCII.GetString(await ReadToEndAsync(client, ct));
        await client.SendAsync("after server FIN"u8.ToArray(), SocketFlags.None, ct);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("hello", greeting);
        Assert.Equal("after server FIN", await backend.WaitAsync(TimeSpan.FromSeconds(10), ct));
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, n);
        }

        return received.ToArray();
    }
}
