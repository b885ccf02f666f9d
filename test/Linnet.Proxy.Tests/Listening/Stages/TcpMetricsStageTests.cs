using Linnet.Proxy.Connections;
using Linnet.Proxy.Listening.Stages;

namespace Linnet.Proxy.Tests.Listening.Stages;

public sealed class TcpMetricsStageTests
{
    [Fact]
    public async Task InvokeAsync_PlaintextConnection_OpenWhileThePathRunsClosedAfter()
    {
        await using var harness = await StageHarness.ConnectAsync(TestContext.Current.CancellationToken);
        var connection = harness.Connection(ListenerRole.Outbound);
        double openDuring = -1;

        await new TcpMetricsStage().InvokeAsync(connection, _ =>
        {
            openDuring = harness.Scrape().Sum("tcp_open_connections", ("direction", "outbound"));
            return Task.CompletedTask;
        });

        var after = harness.Scrape();
        Assert.Equal(1, openDuring);
        Assert.Equal(1, after.Sum("tcp_open_total", ("direction", "outbound"), ("tls", "no_identity")));
        Assert.Equal(1, after.Sum("tcp_close_total", ("direction", "outbound")));
        Assert.Equal(0, after.Sum("tcp_open_connections", ("direction", "outbound")));
    }

    [Fact]
    public async Task InvokeAsync_MeshCandidate_WaitsForTheHandshakeToNameTheSeries()
    {
        await using var harness = await StageHarness.ConnectAsync(TestContext.Current.CancellationToken);
        var connection = harness.Connection(ListenerRole.Inbound, meshCandidate: true);
        var seenSeries = true;

        await new TcpMetricsStage().InvokeAsync(connection, c =>
        {
            seenSeries = c.Series is not null;
            return Task.CompletedTask;
        });

        Assert.False(seenSeries);
        Assert.Equal(0, harness.Scrape().Sum("tcp_open_total", ("direction", "inbound")));
    }

    [Fact]
    public async Task InvokeAsync_HandedOffToKestrel_LeavesTheSeriesOpen()
    {
        await using var harness = await StageHarness.ConnectAsync(TestContext.Current.CancellationToken);
        var connection = harness.Connection(ListenerRole.Outbound);

        await new TcpMetricsStage().InvokeAsync(connection, c =>
        {
            c.HandedOff = true;
            return Task.CompletedTask;
        });

        var scrape = harness.Scrape();
        Assert.Equal(1, scrape.Sum("tcp_open_connections", ("direction", "outbound")));
        Assert.Equal(0, scrape.Sum("tcp_close_total", ("direction", "outbound")));
    }
}
