using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Proxy.Tests.Tcp;
using Linnet.Proxy.Tls;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Tls;

/// <summary>Opaque TCP between two proxies over mTLS with the transport header: an app dials the service's
/// local port; bytes reach the server's app intact, half-close included.</summary>
public sealed class MeshOpaqueTcpTests
{
    [Fact]
    public async Task Forward_OpaqueOverMesh_BytesRoundTripWithHalfClose()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var echo = await TcpEchoServer.StartAsync(ct);
        var localPort = PortAllocator.GetFreeTcpPort();
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), echo.Port, ServiceProtocol.Opaque, localPort);
        var payload = RandomNumberGenerator.GetBytes(512 * 1024);

        using var client = await RawTcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, localPort), ct);
        var receive = RawTcp.ReadToEndAsync(client, ct);
        await RawTcp.SendAsync(client, payload, ct);
        client.Shutdown(SocketShutdown.Send);
        var received = await receive;

        Assert.True(payload.AsSpan().SequenceEqual(received), $"sent {payload.Length} bytes, got back {received.Length} that differ");
        Assert.Equal(1, echo.AcceptedConnections);
        var server = await mesh.Server.ScrapeWhenAsync(s => s.Sum("tcp_close_total", ("direction", "inbound"), ("peer", "src"), ("tls", "true")) >= 1);
        var clientScrape = await mesh.Client.ScrapeWhenAsync(s => s.Sum("tcp_close_total", ("direction", "outbound"), ("peer", "dst"), ("tls", "true")) >= 1);
        Assert.Equal(1, server.Sum("tcp_open_total", ("direction", "inbound"), ("peer", "src"), ("tls", "true"), ("client_id", MeshPair.ClientName)));
        Assert.Equal(payload.Length, server.Sum("tcp_read_bytes_total", ("direction", "inbound"), ("peer", "src"), ("client_id", MeshPair.ClientName)));
        Assert.Equal(1, clientScrape.Sum("tcp_open_total", ("direction", "outbound"), ("peer", "dst"), ("tls", "true"), ("server_id", MeshPair.ServerName)));
    }

    [Fact]
    public async Task Forward_ClientResetsMidStream_ResetPassedOnAndCountedOnBothProxies()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var echo = await TcpEchoServer.StartAsync(ct);
        var localPort = PortAllocator.GetFreeTcpPort();
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), echo.Port, ServiceProtocol.Opaque, localPort);
        using var client = await RawTcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, localPort), ct);
        await RawTcp.SendAsync(client, "ping", ct);
        Assert.Equal("ping", await RawTcp.ReadTextAsync(client, "ping", ct));

        // RST, not FIN: the relay passes a reset on as a reset, and a connection the proxy resets is counted.
        client.LingerState = new LingerOption(true, 0);
        client.Close();

        var clientScrape = await mesh.Client.ScrapeWhenAsync(s => s.Sum("proxy_error_total", ("direction", "outbound"), ("reason", "peer_reset")) >= 1);
        var serverScrape = await mesh.Server.ScrapeWhenAsync(s => s.Sum("proxy_error_total", ("direction", "inbound"), ("reason", "peer_reset")) >= 1);
        Assert.Equal(1, clientScrape.Sum("proxy_error_total", ("direction", "outbound"), ("reason", "peer_reset")));
        Assert.Equal(1, serverScrape.Sum("proxy_error_total", ("direction", "inbound"), ("reason", "peer_reset")));
    }

    [Fact]
    public async Task Forward_ServerFirstOverMesh_BannerAndRepliesReachClient()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerFirstTcpServer.StartAsync(ct);
        var localPort = PortAllocator.GetFreeTcpPort();
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), server.Port, ServiceProtocol.Opaque, localPort);

        using var client = await RawTcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, localPort), ct);

        Assert.Equal(ServerFirstTcpServer.Banner, await RawTcp.ReadTextAsync(client, ServerFirstTcpServer.Banner, ct));
        await RawTcp.SendAsync(client, "QUIT\r\n", ct);
        Assert.Equal(ServerFirstTcpServer.QuitReply, await RawTcp.ReadTextAsync(client, ServerFirstTcpServer.QuitReply, ct));
        Assert.Empty(await RawTcp.ReadToEndAsync(client, ct));
    }

    [Fact]
    public async Task Forward_OpaqueToWrongIdentity_ClosedAndAppUntouched()
    {
        var ct = TestContext.Current.CancellationToken;
        var ca = TestMeshCa.Create();
        await using var echo = await TcpEchoServer.StartAsync(ct);
        var localPort = PortAllocator.GetFreeTcpPort();
        await using var mesh = await MeshPair.StartAsync(echo.Port, ca.NewIdentity(MeshPair.ClientName), ca.NewIdentity(TestMeshCa.Identity("test", "impostor")),
            MeshPair.ServerName, ServiceProtocol.Opaque, localPort);

        using var client = await RawTcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, localPort), ct);
        await RawTcp.SendAsync(client, "secret", ct);
        var ended = await EndsAsync(client, ct);

        Assert.True(ended, "the client connection must be closed");
        Assert.Equal(0, echo.AcceptedConnections);
        var scrape = await mesh.Client.ScrapeAsync();
        Assert.Equal(1, scrape.Sum("proxy_error_total", ("direction", "outbound"), ("reason", "tls_handshake_failed")));
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0, 80 })]
    [InlineData(new byte[] { 0, 1, 0 })]
    [InlineData(new byte[] { 0, 2, 0, 0 })]
    public async Task Forward_MalformedTransportHeader_ClosedAndAppUntouched(byte[] header)
    {
        var ct = TestContext.Current.CancellationToken;
        var ca = TestMeshCa.Create();
        await using var echo = await TcpEchoServer.StartAsync(ct);
        var serverIdentity = ca.NewIdentity(MeshPair.ServerName);
        await using var server = await TestProxy.StartAsync(echo.Port, identity: serverIdentity);
        var tls = new MeshTls(ca.NewIdentity(MeshPair.ClientName), new BootstrapConfig(), TimeProvider.System);

        using var socket = await RawTcp.ConnectAsync(server.Inbound, ct);
        await using var stream = await tls.ConnectAsync(new NetworkStream(socket), MeshPair.ServerName, MeshAlpn.Transport, "server", ct);
        await stream.WriteAsync(header, ct);
        await stream.FlushAsync(ct);
        var buffer = new byte[16];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var ended = await ReadEndsAsync(stream, buffer, timeout.Token);

        Assert.True(ended, "the server proxy must close a connection whose header is malformed");
        Assert.Equal(0, echo.AcceptedConnections);
        var scrape = await server.ScrapeAsync();
        Assert.Equal(1, scrape.Sum("proxy_error_total", ("direction", "inbound"), ("reason", "bad_transport_header")));
    }

    [Fact]
    public async Task Forward_PlaintextTcpToStrictInbound_ClosedAndAppUntouched()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var echo = await TcpEchoServer.StartAsync(ct);
        var server = new TestMeshCa[] { TestMeshCa.Create() }[0].NewIdentity(MeshPair.ServerName);
        await using var proxy = await TestProxy.StartAsync(echo.Port, configure: b => b with
        {
            InboundTls = InboundTlsMode.Strict,
            InboundOpaquePorts = new HashSet<int> { echo.Port },
        }, identity: server);

        using var client = await RawTcp.ConnectAsync(proxy.Inbound, ct);
        await RawTcp.SendAsync(client, "plaintext", ct);

        Assert.True(await EndsAsync(client, ct), "a strict inbound must close plaintext");
        Assert.Equal(0, echo.AcceptedConnections);
    }

    private static async Task<bool> EndsAsync(Socket socket, CancellationToken ct)
    {
        try
        {
            var rest = await RawTcp.ReadToEndAsync(socket, ct, TimeSpan.FromSeconds(20));
            return rest.Length == 0;
        }
        catch (SocketException)
        {
            return true; // reset
        }
    }

    private static async Task<bool> ReadEndsAsync(Stream stream, byte[] buffer, CancellationToken ct)
    {
        try
        {
            return await stream.ReadAsync(buffer, ct) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
