using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Tcp;

/// <summary>Non-HTTP TCP through the proxy's inbound listener, to the local app.</summary>
public sealed class InboundOpaqueTcpTests
{
    [Fact]
    public async Task Forward_OpaquePortOneMebibyteThenHalfClose_EchoedByteForByteThenEnds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var echo = await TcpEchoServer.StartAsync(ct);
        await using var proxy = await TestProxy.StartAsync(echo.Port, configure: b => b with { InboundOpaquePorts = new HashSet<int> { echo.Port } });
        var payload = RandomNumberGenerator.GetBytes(1024 * 1024);

        using var client = await RawTcp.ConnectAsync(proxy.Inbound, ct);
        var receive = RawTcp.ReadToEndAsync(client, ct);
        await RawTcp.SendAsync(client, payload, ct);
        client.Shutdown(SocketShutdown.Send);
        var received = await receive;

        Assert.Equal(payload.Length, received.Length);
        Assert.True(payload.AsSpan().SequenceEqual(received), "echoed bytes differ from the bytes sent");
        Assert.Equal(1, echo.AcceptedConnections);
    }

    [Fact]
    public async Task Forward_BinaryFirstBytesOnDetectPort_DetectedAsOpaqueWithoutWaitingForDetectTimeout()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var echo = await TcpEchoServer.StartAsync(ct);
        // A detect timeout far beyond the read bound: an echo can only arrive in time if the first bytes decided.
        await using var proxy = await TestProxy.StartAsync(echo.Port, configure: b => b with { DetectTimeout = TimeSpan.FromMinutes(1) });
        byte[] clientHello = [0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03];

        using var client = await RawTcp.ConnectAsync(proxy.Inbound, ct);
        await RawTcp.SendAsync(client, clientHello, ct);
        var first = await RawTcp.ReadExactlyAsync(client, clientHello.Length, ct);
        byte[] more = [0x00, 0xff, 0x0d, 0x0a, 0x47, 0x45, 0x54];
        await RawTcp.SendAsync(client, more, ct);
        client.Shutdown(SocketShutdown.Send);
        var rest = await RawTcp.ReadToEndAsync(client, ct);

        Assert.Equal(clientHello, first);
        Assert.Equal(more, rest);
    }

    [Fact]
    public async Task Forward_ServerFirstOnOpaquePort_BannerRepliesAndCloseReachClient()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerFirstTcpServer.StartAsync(ct);
        await using var proxy = await TestProxy.StartAsync(server.Port, configure: b => b with
        {
            InboundOpaquePorts = new HashSet<int> { server.Port },
            DetectTimeout = TimeSpan.FromMinutes(1),
        });

        using var client = await RawTcp.ConnectAsync(proxy.Inbound, ct);

        Assert.Equal(ServerFirstTcpServer.Banner, await RawTcp.ReadTextAsync(client, ServerFirstTcpServer.Banner, ct));
        await RawTcp.SendAsync(client, "HELO x\r\n", ct);
        Assert.Equal("250 HELO x\r\n", await RawTcp.ReadTextAsync(client, "250 HELO x\r\n", ct));
        await RawTcp.SendAsync(client, "QUIT\r\n", ct);
        Assert.Equal(ServerFirstTcpServer.QuitReply, await RawTcp.ReadTextAsync(client, ServerFirstTcpServer.QuitReply, ct));
        Assert.Empty(await RawTcp.ReadToEndAsync(client, ct));
        Assert.Equal(["HELO x", "QUIT"], server.ReceivedLines);
    }

    [Fact]
    public async Task Forward_ServerFirstOnDetectPort_BannerArrivesOnceDetectTimeoutTreatsSilenceAsOpaque()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerFirstTcpServer.StartAsync(ct);
        var detectTimeout = TimeSpan.FromMilliseconds(300);
        await using var proxy = await TestProxy.StartAsync(server.Port, configure: b => b with { DetectTimeout = detectTimeout });

        var start = Stopwatch.GetTimestamp();
        using var client = await RawTcp.ConnectAsync(proxy.Inbound, ct);
        var banner = await RawTcp.ReadTextAsync(client, ServerFirstTcpServer.Banner, ct);
        var waited = Stopwatch.GetElapsedTime(start);

        Assert.Equal(ServerFirstTcpServer.Banner, banner);
        // The proxy only dials the app once detection gives up on the silent client.
        Assert.True(waited >= detectTimeout - TimeSpan.FromMilliseconds(50), $"banner after {waited.TotalMilliseconds} ms, before the detect timeout");
        await RawTcp.SendAsync(client, "HELO x\r\n", ct);
        Assert.Equal("250 HELO x\r\n", await RawTcp.ReadTextAsync(client, "250 HELO x\r\n", ct));
    }

    [Fact]
    public async Task Forward_AppPortRefusesConnections_ClientClosedAndProxyKeepsServing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var echo = await TcpEchoServer.StartAsync(ct);
        var deadPort = PortAllocator.GetFreeTcpPort();
        var echoLocalPort = PortAllocator.GetFreeTcpPort();
        ServiceConfig echoService = new("echo", [], 9000, ServiceProtocol.Opaque, echoLocalPort, [new EndpointConfig("127.0.0.1", echo.Port)]);
        await using var proxy = await TestProxy.StartAsync(deadPort, [echoService], b => b with { InboundOpaquePorts = new HashSet<int> { deadPort } });

        Assert.True(await RawTcp.ConnectAndAwaitCloseAsync(proxy.Inbound, ct), "connection to a refusing app port was not closed");
        Assert.True(await RawTcp.ConnectAndAwaitCloseAsync(proxy.Inbound, ct), "second connection to a refusing app port was not closed");

        using var working = await RawTcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, echoLocalPort), ct);
        await RawTcp.SendAsync(working, "still here", ct);
        Assert.Equal("still here", await RawTcp.ReadTextAsync(working, "still here", ct));
        var scrape = await proxy.ScrapeAsync();
        Assert.Equal(2, scrape.Sum("proxy_error_total", ("direction", "inbound"), ("reason", "connect_failed")));
    }
}
