using System.Diagnostics;
using System.Net;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Resilience;
using Linnet.Proxy.Tests.Balancing;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Resilience;

/// <summary>Request mirroring through a real proxy: the mirror's share, and that a dead or slow mirror
/// changes nothing for clients.</summary>
public sealed class MirrorProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Mirror_HalfOfRequests_MirrorReceivesItsShareWithTheBody()
    {
        await using var primary = await HttpTestApp.StartAsync("primary", cancellationToken: Ct);
        await using var shadow = await HttpTestApp.StartAsync("shadow", cancellationToken: Ct);
        await using var proxy = await TestProxy.StartAsync(1, Services(primary.Port, shadow.Port, 50), random: new SynchronizedRandom(7));
        using var client = ProxyLoad.Client();

        const int Total = 2_000;
        var statuses = await ProxyLoad.RunAsync(client, Total, _ => ProxyLoad.Get(proxy, "web", "/hello"), Ct);

        Assert.Equal(Total, statuses.GetValueOrDefault(HttpStatusCode.OK));
        Assert.Equal(Total, primary.RequestCount);
        var scrape = await proxy.ScrapeAsync();
        var sent = scrape.Sum("outbound_http_route_mirror_requests_total", ("result", "sent"));
        var dropped = scrape.Sum("outbound_http_route_mirror_requests_total", ("result", "dropped"));

        // The drawn share is exact to the seed; a busy machine may hold more than the in-flight bound of
        // copies at once, and those are dropped (counted), never queued.
        Assert.InRange((sent + dropped) / Total, 0.47, 0.53);
        Assert.True(sent >= dropped, $"{sent} copies sent, {dropped} dropped");
        await ControlPlane.Eventually.WaitAsync(() => shadow.RequestCount == (int)sent, $"the mirror receiving {sent} requests (has {shadow.RequestCount})");

        // A body is mirrored too.
        await ProxyLoad.RunAsync(client, 20, _ =>
        {
            var post = new HttpRequestMessage(HttpMethod.Post, new Uri(proxy.OutboundUri, "/echo")) { Content = new StringContent("payload") };
            post.Headers.Host = "web";
            return post;
        }, Ct);
        await ControlPlane.Eventually.WaitAsync(() => shadow.LastRequestHeaders.GetValueOrDefault("content-length") == "7", "a mirrored POST with its body");
    }

    [Fact]
    public async Task Mirror_DeadMirror_ClientsSeeNoDifference()
    {
        await using var primary = await HttpTestApp.StartAsync("primary", cancellationToken: Ct);
        var dead = PortAllocator.GetFreeTcpPort();
        await using var proxy = await TestProxy.StartAsync(1, Services(primary.Port, dead, 100));
        using var client = ProxyLoad.Client();

        var statuses = await ProxyLoad.RunAsync(client, 500, _ => ProxyLoad.Get(proxy, "web", "/hello"), Ct);

        Assert.Equal(500, statuses.GetValueOrDefault(HttpStatusCode.OK));
        Assert.Equal(500, primary.RequestCount);
        var scrape = await proxy.ScrapeAsync();
        Assert.Equal(500, scrape.Sum("response_total", ("authority", "web:80"), ("status_code", "200")));
    }

    [Fact]
    public async Task Mirror_SlowMirror_PrimaryLatencyUnchangedAndCopiesBounded()
    {
        await using var primary = await HttpTestApp.StartAsync("primary", cancellationToken: Ct);
        // Slower than the mirror's own timeout: no copy completes while the test runs.
        await using var slow = await SlowBackend.StartAsync(TimeSpan.FromSeconds(30), Ct);
        await using var proxy = await TestProxy.StartAsync(1, Services(primary.Port, slow.Port, 100));
        using var client = ProxyLoad.Client(4);

        // Each primary request comes back at once, whatever the mirror does.
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < 300; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.SendAsync(ProxyLoad.Get(proxy, "web", "/hello"), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("hello from primary", await response.Content.ReadAsStringAsync(Ct));
            var elapsed = Stopwatch.GetElapsedTime(started);
            slowest = elapsed > slowest ? elapsed : slowest;
        }

        Assert.True(slowest < TimeSpan.FromSeconds(2.5), $"slowest primary request took {slowest}");
        var scrape = await proxy.ScrapeAsync();
        Assert.Equal(Linnet.Proxy.Mirroring.RequestMirror.MaxInFlight, scrape.Sum("outbound_http_route_mirror_requests_total", ("result", "sent")));
        Assert.Equal(200, scrape.Sum("outbound_http_route_mirror_requests_total", ("result", "dropped")));
    }

    private static ServiceConfig[] Services(int primaryPort, int mirrorPort, double percent) =>
    [
        TestProxy.Service("web", 80, primaryPort) with
        {
            Routes = [new RouteConfig("shop/web", [new RouteRuleConfig([], [new RouteBackendConfig("web:80")]) { Mirror = new MirrorConfig("shadow:80", percent) }])],
        },
        TestProxy.Service("shadow", 80, mirrorPort),
    ];
}
