using System.Net;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Tcp;

/// <summary>Transport metrics after an opaque exchange whose byte counts are known exactly.</summary>
public sealed class OpaqueTcpMetricsTests
{
    private const string Helo = "HELO x\r\n";
    private const string HeloReply = "250 HELO x\r\n";
    private const string Quit = "QUIT\r\n";

    [Theory]
    [InlineData("inbound")]
    [InlineData("outbound")]
    public async Task Forward_KnownServerFirstExchange_ByteCountersMatchExactly(string direction)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerFirstTcpServer.StartAsync(ct);
        var localPort = PortAllocator.GetFreeTcpPort();
        await using var proxy = direction == "inbound"
            ? await TestProxy.StartAsync(server.Port, configure: b => b with { InboundOpaquePorts = new HashSet<int> { server.Port } })
            : await TestProxy.StartAsync(appPort: 1, services: [ServicePortOpaqueTcpTests.OpaqueService("smtp", 25, localPort, server.Port)]);
        var target = direction == "inbound" ? proxy.Inbound : new IPEndPoint(IPAddress.Loopback, localPort);

        using (var client = await RawTcp.ConnectAsync(target, ct))
        {
            Assert.Equal(ServerFirstTcpServer.Banner, await RawTcp.ReadTextAsync(client, ServerFirstTcpServer.Banner, ct));
            await RawTcp.SendAsync(client, Helo, ct);
            Assert.Equal(HeloReply, await RawTcp.ReadTextAsync(client, HeloReply, ct));
            await RawTcp.SendAsync(client, Quit, ct);
            Assert.Equal(ServerFirstTcpServer.QuitReply, await RawTcp.ReadTextAsync(client, ServerFirstTcpServer.QuitReply, ct));
            Assert.Empty(await RawTcp.ReadToEndAsync(client, ct));
        }

        var sent = Helo.Length + Quit.Length;
        var received = ServerFirstTcpServer.Banner.Length + HeloReply.Length + ServerFirstTcpServer.QuitReply.Length;
        (string, string) dir = ("direction", direction);
        var scrape = await proxy.ScrapeWhenAsync(s =>
            s.Sum("tcp_close_total", dir, ("peer", "dst")) >= 1 && s.Sum("tcp_close_total", dir, ("peer", "src")) >= 1);
        Assert.Equal(1, scrape.Sum("tcp_open_total", dir, ("peer", "dst")));
        Assert.Equal(1, scrape.Sum("tcp_close_total", dir, ("peer", "dst")));
        Assert.Equal(0, scrape.Sum("tcp_open_connections", dir));
        Assert.Equal(sent, scrape.Sum("tcp_write_bytes_total", dir, ("peer", "dst")));
        Assert.Equal(received, scrape.Sum("tcp_read_bytes_total", dir, ("peer", "dst")));
        Assert.Equal(sent, scrape.Sum("tcp_read_bytes_total", dir, ("peer", "src")));
        Assert.Equal(received, scrape.Sum("tcp_write_bytes_total", dir, ("peer", "src")));
        Assert.Equal(1, scrape.Sum("tcp_connection_duration_ms_count", dir, ("peer", "dst")));
    }
}
