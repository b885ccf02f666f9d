using Linnet.Proxy.Connections;
using Linnet.Proxy.Detection;
using Linnet.Proxy.Listening.Stages;

namespace Linnet.Proxy.Tests.Listening.Stages;

public sealed class DetectionStageTests
{
    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", nameof(DetectedProtocol.Http1))]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", nameof(DetectedProtocol.Http2))]
    [InlineData("\u0016\u0003\u0001\u0000\u0005hello-not-http-at-all", nameof(DetectedProtocol.Opaque))]
    public async Task InvokeAsync_FirstBytes_ClassifyWithoutConsumingThem(string first, string expectedName)
    {
        // By name: the proxy's types are internal, a public test method cannot take one.
        var expected = Enum.Parse<DetectedProtocol>(expectedName);
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await StageHarness.ConnectAsync(ct);
        await harness.SendAsync(first, ct);
        var connection = harness.Connection(ListenerRole.Outbound);
        var protocol = DetectedProtocol.NeedMore;

        await new DetectionStage(StageHarness.Bootstrap(), TimeProvider.System).InvokeAsync(connection, c =>
        {
            protocol = c.Protocol;
            return Task.CompletedTask;
        });

        Assert.Equal(expected, protocol);
        // Nothing consumed: the next owner reads the connection from its first byte.
        var buffer = new byte[first.Length];
        var read = await harness.Accepted.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, ct);
        Assert.Equal(first[..read], System.Text.Encoding.ASCII.GetString(buffer, 0, read));
    }

    [Fact]
    public async Task InvokeAsync_OpaqueInboundPortWithoutMesh_DecidesOpaqueWithoutWaitingForBytes()
    {
        await using var harness = await StageHarness.ConnectAsync(TestContext.Current.CancellationToken);
        var config = StageHarness.Bootstrap(appPort: 5432) with { InboundOpaquePorts = new HashSet<int> { 5432 } };
        var connection = harness.Connection(ListenerRole.Inbound);
        connection.Feature = connection.Feature with { TargetPort = 5432 };
        var protocol = DetectedProtocol.NeedMore;

        // The client sends nothing (a server-first protocol): an opaque port needs no detection.
        await new DetectionStage(config, TimeProvider.System).InvokeAsync(connection, c =>
        {
            protocol = c.Protocol;
            return Task.CompletedTask;
        });

        Assert.Equal(DetectedProtocol.Opaque, protocol);
    }

    [Fact]
    public async Task InvokeAsync_ListenerStoppedDuringDetection_EndsThePath()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await StageHarness.ConnectAsync(ct);
        await harness.SendAsync("GET / HTTP/1.1\r\n", ct);
        harness.Drain.Stop();
        var called = false;

        await new DetectionStage(StageHarness.Bootstrap(), TimeProvider.System).InvokeAsync(harness.Connection(ListenerRole.Outbound), _ =>
        {
            called = true;
            return Task.CompletedTask;
        });

        Assert.False(called);
    }
}
