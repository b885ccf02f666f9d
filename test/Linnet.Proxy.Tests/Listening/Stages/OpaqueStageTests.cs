using System.Net.Sockets;
using System.Text;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Listening.Stages;
using Linnet.Proxy.Tcp;
using Linnet.Proxy.Tls;
using Linnet.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Proxy.Tests.Listening.Stages;

public sealed class OpaqueStageTests
{
    [Fact]
    public async Task InvokeAsync_Inbound_RelaysToTheAppPortAndTheDrainWaitsForIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await TcpEchoServer.StartAsync(ct);
        await using var harness = await StageHarness.ConnectAsync(ct);
        var stage = Create(StageHarness.Bootstrap(appPort: app.Port), harness);
        var connection = harness.Connection(ListenerRole.Inbound);
        connection.Feature = connection.Feature with { TargetPort = app.Port };

        var relay = stage.InvokeAsync(connection, _ => throw new InvalidOperationException("the opaque stage ends the path"));
        await harness.SendAsync("ping", ct);
        var buffer = new byte[4];
        var read = 0;
        while (read < 4)
        {
            read += await harness.Client.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, ct);
        }

        Assert.Equal("ping", Encoding.ASCII.GetString(buffer));
        Assert.Equal(1, harness.Drain.OpaqueCount);
        harness.Client.Shutdown(SocketShutdown.Both);
        harness.Client.Close();
        await relay.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal(0, harness.Drain.OpaqueCount);
    }

    [Fact]
    public async Task InvokeAsync_OutboundWithoutDestination_ClosedAndCounted()
    {
        await using var harness = await StageHarness.ConnectAsync(TestContext.Current.CancellationToken);
        var stage = Create(StageHarness.Bootstrap(), harness);

        await stage.InvokeAsync(harness.Connection(ListenerRole.Outbound), _ => throw new InvalidOperationException("the opaque stage ends the path"));

        Assert.Equal(1, harness.Scrape().Sum("proxy_error_total", ("direction", "outbound"), ("reason", "no_destination")));
        Assert.Equal(0, harness.Drain.OpaqueCount);
    }

    private static OpaqueStage Create(BootstrapConfig config, StageHarness harness)
    {
        var mesh = new MeshTls(new ProxyIdentity(false), config, TimeProvider.System);
        var forwarder = new OpaqueForwarder(config, mesh, harness.Metrics, TimeProvider.System, NullLogger<OpaqueForwarder>.Instance);
        return new OpaqueStage(forwarder, mesh, config, harness.Metrics, NullLogger<OpaqueStage>.Instance);
    }
}
