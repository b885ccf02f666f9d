using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Listening.Stages;
using Linnet.Proxy.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Proxy.Tests.Listening.Stages;

public sealed class DescribeStageTests
{
    [Fact]
    public async Task InvokeAsync_InboundNotRedirected_TargetsTheAppsDefaultPort()
    {
        await using var harness = await StageHarness.ConnectAsync(TestContext.Current.CancellationToken);
        using var services = new ServiceTable(new StaticProxyConfigProvider([]), NullLogger<ServiceTable>.Instance, TimeProvider.System);
        ProxyConnectionFeature? seen = null;

        await new DescribeStage(StageHarness.Bootstrap(appPort: 7001), services).InvokeAsync(harness.Connection(ListenerRole.Inbound), c =>
        {
            seen = c.Feature;
            return Task.CompletedTask;
        });

        Assert.NotNull(seen);
        Assert.Equal(ListenerRole.Inbound, seen.Role);
        Assert.Null(seen.OriginalDestination);
        Assert.Equal(7001, seen.TargetPort);
    }

    [Fact]
    public async Task InvokeAsync_ServicePort_NamesTheServiceOfThatPort()
    {
        await using var harness = await StageHarness.ConnectAsync(TestContext.Current.CancellationToken);
        var db = new ServiceConfig("db", [], 5432, ServiceProtocol.Opaque, 15432, [new EndpointConfig("127.0.0.1", 5432)]);
        using var services = new ServiceTable(new StaticProxyConfigProvider([db]), NullLogger<ServiceTable>.Instance, TimeProvider.System);
        ProxyConnectionFeature? seen = null;

        await new DescribeStage(StageHarness.Bootstrap(), services).InvokeAsync(harness.Connection(ListenerRole.ServicePort, servicePort: 15432), c =>
        {
            seen = c.Feature;
            return Task.CompletedTask;
        });

        Assert.Equal("db", seen?.Service?.Config.Name);
        Assert.Equal(15432, seen?.TargetPort);
        Assert.True(DescribeStage.IsOpaquePort(seen!, StageHarness.Bootstrap()));
    }
}
