using System.Net;
using System.Net.Sockets;
using System.Text;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Proxy.Tests.Tcp;
using Linnet.Proxy.Tls;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Tls;

/// <summary>The port a mesh client names in its transport header (issue 10): a meshed caller admitted to
/// <c>web</c>'s app must not reach <c>web</c>'s own listeners through it — above all its outbound 4140, from
/// where its bytes would leave as <c>web</c> — while legitimate opaque traffic to the app keeps flowing.</summary>
public sealed class TransportTargetTests
{
    private static readonly string AttackerName = TestMeshCa.Identity("test", "attacker");

    [Fact]
    public async Task Forward_HeaderNamesOutboundPort_RefusedCountedAndNoPivotToBackend()
    {
        var ct = TestContext.Current.CancellationToken;
        var ca = TestMeshCa.Create();
        await using var echo = await TcpEchoServer.StartAsync(ct);
        await using var backend = await HttpTestApp.StartAsync("backend", cancellationToken: ct);
        var backendService = TestProxy.Service("backend", 80, backend.Port);
        await using var web = await TestProxy.StartAsync(echo.Port, services: [backendService], identity: ca.NewIdentity(MeshPair.ServerName));

        // The pivot: through web's inbound, name web's outbound and ask it for the backend as web.
        await using (var pivot = await OpenAsync(ca, web, web.Outbound.Port, ct))
        {
            await pivot.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: backend\r\nConnection: close\r\n\r\n"), ct);
            await pivot.FlushAsync(ct);
            Assert.Empty(await ReadToEndAsync(pivot, ct));
        }

        Assert.Equal(0, backend.RequestCount);
        var scrape = await web.ScrapeAsync();
        Assert.Equal(1, scrape.Sum("proxy_error_total", ("direction", "inbound"), ("reason", "forbidden_target_port")));

        // Legitimate opaque traffic to the app still flows on the same proxy.
        await AssertEchoesAsync(ca, web, echo.Port, ct);
    }

    [Fact]
    public async Task Forward_HeaderNamesAdminPort_Refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var ca = TestMeshCa.Create();
        await using var echo = await TcpEchoServer.StartAsync(ct);
        await using var web = await TestProxy.StartAsync(echo.Port, identity: ca.NewIdentity(MeshPair.ServerName));

        await using (var probe = await OpenAsync(ca, web, web.AdminUri.Port, ct))
        {
            await probe.WriteAsync(Encoding.ASCII.GetBytes("GET /metrics HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n"), ct);
            await probe.FlushAsync(ct);
            Assert.Empty(await ReadToEndAsync(probe, ct));
        }

        var scrape = await web.ScrapeAsync();
        Assert.Equal(1, scrape.Sum("proxy_error_total", ("direction", "inbound"), ("reason", "forbidden_target_port")));
        await AssertEchoesAsync(ca, web, echo.Port, ct);
    }

    [Fact]
    public async Task Forward_HeaderNamesServicePort_Refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var ca = TestMeshCa.Create();
        await using var echo = await TcpEchoServer.StartAsync(ct);
        await using var backend = await TcpEchoServer.StartAsync(ct);
        var localPort = PortAllocator.GetFreeTcpPort();
        var service = new ServiceConfig("backend", [], 5432, ServiceProtocol.Opaque, localPort, [new EndpointConfig("127.0.0.1", backend.Port)]);
        await using var web = await TestProxy.StartAsync(echo.Port, services: [service], identity: ca.NewIdentity(MeshPair.ServerName));

        await using (var probe = await OpenAsync(ca, web, localPort, ct))
        {
            await probe.WriteAsync("hello"u8.ToArray(), ct);
            await probe.FlushAsync(ct);
            Assert.Empty(await ReadToEndAsync(probe, ct));
        }

        Assert.Equal(0, backend.AcceptedConnections);
        var scrape = await web.ScrapeAsync();
        Assert.Equal(1, scrape.Sum("proxy_error_total", ("direction", "inbound"), ("reason", "forbidden_target_port")));
    }

    [Fact]
    public async Task Forward_HeaderNamesUndeclaredPort_RefusedDeclaredPortServed()
    {
        var ct = TestContext.Current.CancellationToken;
        var ca = TestMeshCa.Create();
        await using var declared = await TcpEchoServer.StartAsync(ct);
        await using var undeclared = await TcpEchoServer.StartAsync(ct);
        await using var web = await TestProxy.StartAsync(declared.Port, configure: b => b with { AppPorts = new HashSet<int> { declared.Port } },
            identity: ca.NewIdentity(MeshPair.ServerName));

        await using (var probe = await OpenAsync(ca, web, undeclared.Port, ct))
        {
            await probe.WriteAsync("hello"u8.ToArray(), ct);
            await probe.FlushAsync(ct);
            Assert.Empty(await ReadToEndAsync(probe, ct));
        }

        Assert.Equal(0, undeclared.AcceptedConnections);
        await AssertEchoesAsync(ca, web, declared.Port, ct);
        Assert.Equal(1, declared.AcceptedConnections);
    }

    [Fact]
    public async Task Forward_HeaderNamesInboundPort_ReachesAppDefaultPortNotProxy()
    {
        // Universal mode addresses an instance at its proxy's inbound port: naming that port means the app's
        // default port, so the header can never loop a connection back into the proxy's inbound listener.
        var ct = TestContext.Current.CancellationToken;
        var ca = TestMeshCa.Create();
        await using var echo = await TcpEchoServer.StartAsync(ct);
        await using var web = await TestProxy.StartAsync(echo.Port, identity: ca.NewIdentity(MeshPair.ServerName));

        await AssertEchoesAsync(ca, web, web.Inbound.Port, ct);

        Assert.Equal(1, echo.AcceptedConnections);
    }

    private static async Task<Stream> OpenAsync(TestMeshCa ca, TestProxy server, int port, CancellationToken ct)
    {
        var tls = new MeshTls(ca.NewIdentity(AttackerName), new BootstrapConfig(), TimeProvider.System);
        var socket = await RawTcp.ConnectAsync(server.Inbound, ct);
        var stream = await tls.ConnectAsync(new NetworkStream(socket, ownsSocket: true), MeshPair.ServerName, MeshAlpn.Transport, "server", ct);
        await stream.WriteAsync(TransportHeader.Encode(port), ct);
        await stream.FlushAsync(ct);
        return stream;
    }

    private static async Task AssertEchoesAsync(TestMeshCa ca, TestProxy server, int port, CancellationToken ct)
    {
        await using var stream = await OpenAsync(ca, server, port, ct);
        var payload = Encoding.ASCII.GetBytes("opaque bytes still flow");
        await stream.WriteAsync(payload, ct);
        await stream.FlushAsync(ct);
        var buffer = new byte[payload.Length];
        await stream.ReadExactlyAsync(buffer, ct);
        Assert.Equal(payload, buffer);
    }

    /// <summary>Everything the server sends until it closes (a reset counts as closed).</summary>
    private static async Task<byte[]> ReadToEndAsync(Stream stream, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
        }

        return received.ToArray();
    }
}
