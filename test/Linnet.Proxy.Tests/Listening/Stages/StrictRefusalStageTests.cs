using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Listening.Stages;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Proxy.Tests.Listening.Stages;

public sealed class StrictRefusalStageTests
{
    [Fact]
    public async Task InvokeAsync_PlaintextOnStrictMeshedInbound_RefusedAndCounted()
    {
        await using var harness = await StageHarness.ConnectAsync(TestContext.Current.CancellationToken);
        var config = StageHarness.Bootstrap() with { InboundTls = InboundTlsMode.Strict };
        var called = false;

        await new StrictRefusalStage(config, harness.Metrics, NullLogger<StrictRefusalStage>.Instance)
            .InvokeAsync(harness.Connection(ListenerRole.Inbound, meshCandidate: true), _ =>
            {
                called = true;
                return Task.CompletedTask;
            });

        Assert.False(called);
        Assert.Equal(1, harness.Scrape().Sum("proxy_error_total", ("direction", "inbound"), ("reason", "plaintext_refused")));
    }

    [Fact]
    public async Task InvokeAsync_PlaintextOnPermissiveMeshedInbound_ServedAndCountedAsPlaintext()
    {
        await using var harness = await StageHarness.ConnectAsync(TestContext.Current.CancellationToken);
        var called = false;

        await new StrictRefusalStage(StageHarness.Bootstrap(), harness.Metrics, NullLogger<StrictRefusalStage>.Instance)
            .InvokeAsync(harness.Connection(ListenerRole.Inbound, meshCandidate: true), _ =>
            {
                called = true;
                return Task.CompletedTask;
            });

        Assert.True(called);
        var scrape = harness.Scrape();
        Assert.Equal(1, scrape.Sum("tcp_open_total", ("direction", "inbound"), ("tls", "no_identity")));
        Assert.Equal(0, scrape.Sum("proxy_error_total", ("reason", "plaintext_refused")));
    }

    [Fact]
    public async Task InvokeAsync_StrictOutbound_NotConcerned()
    {
        await using var harness = await StageHarness.ConnectAsync(TestContext.Current.CancellationToken);
        var config = StageHarness.Bootstrap() with { InboundTls = InboundTlsMode.Strict };
        var called = false;

        await new StrictRefusalStage(config, harness.Metrics, NullLogger<StrictRefusalStage>.Instance)
            .InvokeAsync(harness.Connection(ListenerRole.Outbound), _ =>
            {
                called = true;
                return Task.CompletedTask;
            });

        Assert.True(called);
    }
}
