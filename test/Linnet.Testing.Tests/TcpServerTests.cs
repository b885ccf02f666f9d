using System.Net.Sockets;
using System.Text;

namespace Linnet.Testing.Tests;

public sealed class TcpServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TcpEcho_HalfClose_EchoesAllBytesThenEof()
    {
        await using var server = await TcpEchoServer.StartAsync(Ct);
        using var client = new TcpClient();
        await client.ConnectAsync(server.EndPoint, Ct);
        var socket = client.Client;
        var payload = new byte[2 * 1024 * 1024];
        Random.Shared.NextBytes(payload);

        var send = Task.Run(async () =>
        {
            await socket.SendAsync(payload, SocketFlags.None, Ct);
            socket.Shutdown(SocketShutdown.Send);
        }, Ct);
        using var received = new MemoryStream();
        var buffer = new byte[65536];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, Ct)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        await send;
        Assert.Equal(payload, received.ToArray());
        Assert.Equal(1, server.AcceptedConnections);
    }

    [Fact]
    public async Task ServerFirst_BannerCommandAndQuit_RepliesThenCloses()
    {
        await using var server = await ServerFirstTcpServer.StartAsync(Ct);
        using var client = new TcpClient();
        await client.ConnectAsync(server.EndPoint, Ct);
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.UTF8);

        Assert.Equal("220 linnet-test ready", await reader.ReadLineAsync(Ct));
        await stream.WriteAsync("HELO there\r\n"u8.ToArray(), Ct);
        Assert.Equal("250 HELO there", await reader.ReadLineAsync(Ct));
        await stream.WriteAsync("QUIT\r\n"u8.ToArray(), Ct);
        Assert.Equal("221 bye", await reader.ReadLineAsync(Ct));
        Assert.Null(await reader.ReadLineAsync(Ct));
        Assert.Equal(["HELO there", "QUIT"], server.ReceivedLines);
    }

    [Fact]
    public void GetFreeTcpPort_Called_ReturnsBindablePort()
    {
        var port = PortAllocator.GetFreeTcpPort();

        using var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
        listener.Start();
        Assert.InRange(port, 1, 65535);
    }
}
