using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Tcp;

/// <summary>Opaque TCP on the outbound side: an app with no proxy support reaches a service by dialling the
/// service's dedicated loopback port.</summary>
public sealed class ServicePortOpaqueTcpTests
{
    [Fact]
    public async Task Forward_OpaqueServiceLocalPort_BytesRoundTripToEndpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var echo = await TcpEchoServer.StartAsync(ct);
        var localPort = PortAllocator.GetFreeTcpPort();
        await using var proxy = await TestProxy.StartAsync(appPort: 1, services: [OpaqueService("echo", 9000, localPort, echo.Port)]);
        var payload = RandomNumberGenerator.GetBytes(256 * 1024);

        using var client = await RawTcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, localPort), ct);
        var receive = RawTcp.ReadToEndAsync(client, ct);
        await RawTcp.SendAsync(client, payload, ct);
        client.Shutdown(SocketShutdown.Send);
        var received = await receive;

        Assert.True(payload.AsSpan().SequenceEqual(received), $"sent {payload.Length} bytes, got back {received.Length} that differ");
        Assert.Equal(1, echo.AcceptedConnections);
    }

    [Fact]
    public async Task Forward_OpaqueServiceLocalPortServerFirst_BannerRepliesAndCloseReachClient()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerFirstTcpServer.StartAsync(ct);
        var localPort = PortAllocator.GetFreeTcpPort();
        await using var proxy = await TestProxy.StartAsync(appPort: 1, services: [OpaqueService("smtp", 25, localPort, server.Port)],
            configure: b => b with { DetectTimeout = TimeSpan.FromMinutes(1) });

        using var client = await RawTcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, localPort), ct);

        Assert.Equal(ServerFirstTcpServer.Banner, await RawTcp.ReadTextAsync(client, ServerFirstTcpServer.Banner, ct));
        await RawTcp.SendAsync(client, "HELO x\r\n", ct);
        Assert.Equal("250 HELO x\r\n", await RawTcp.ReadTextAsync(client, "250 HELO x\r\n", ct));
        await RawTcp.SendAsync(client, "QUIT\r\n", ct);
        Assert.Equal(ServerFirstTcpServer.QuitReply, await RawTcp.ReadTextAsync(client, ServerFirstTcpServer.QuitReply, ct));
        Assert.Empty(await RawTcp.ReadToEndAsync(client, ct));
    }

    internal static ServiceConfig OpaqueService(string name, int port, int localPort, int endpointPort) =>
        new(name, [], port, ServiceProtocol.Opaque, localPort, [new EndpointConfig("127.0.0.1", endpointPort)]);
}
