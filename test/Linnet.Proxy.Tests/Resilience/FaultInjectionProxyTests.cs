using System.Net;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http;
using Linnet.Proxy.Resilience;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Resilience;

/// <summary>Injected aborts and delays through a real proxy, with the proxy's randomness seeded.</summary>
public sealed class FaultInjectionProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Fault_Abort20AndDelay30Percent_10000RequestsHitTheirPercentagesWithin2Percent()
    {
        await using var app = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        var web = TestProxy.Service("web", 80, app.Port) with
        {
            Routes =
            [
                new RouteConfig("shop/web", [new RouteRuleConfig([], [new RouteBackendConfig("web:80")])
                {
                    Fault = new FaultConfig(new FaultAbortConfig(503, null, 20), new FaultDelayConfig(TimeSpan.FromMilliseconds(1), 30)),
                }]),
            ],
        };
        await using var proxy = await TestProxy.StartAsync(1, [web], random: new SynchronizedRandom(42));
        using var client = ProxyLoad.Client();

        const int Total = 10_000;
        var statuses = await ProxyLoad.RunAsync(client, Total, _ => ProxyLoad.Get(proxy, "web", "/hello"), Ct);

        var aborted = statuses.GetValueOrDefault(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(Total, aborted + statuses.GetValueOrDefault(HttpStatusCode.OK));
        Assert.InRange(aborted / (double)Total, 0.18, 0.22);
        Assert.Equal(Total - aborted, app.RequestCount);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("outbound_http_route_request_statuses_total") == Total);
        Assert.Equal(aborted, scrape.Sum("outbound_http_route_faults_total", ("fault", "abort")));
        Assert.Equal(aborted, scrape.Sum("outbound_http_route_request_statuses_total", ("http_status", "503"), ("error", "FAULT")));
        Assert.InRange(scrape.Sum("outbound_http_route_faults_total", ("fault", "delay")) / Total, 0.28, 0.32);
    }

    [Fact]
    public async Task Fault_AbortOnly_CarriesProxyErrorAndNeverReachesBackend()
    {
        await using var app = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        var web = TestProxy.Service("web", 80, app.Port) with
        {
            Routes = [new RouteConfig("shop/web", [new RouteRuleConfig([], [new RouteBackendConfig("web:80")]) { Fault = new FaultConfig(new FaultAbortConfig(418, null, 100), null) }])],
        };
        await using var proxy = await TestProxy.StartAsync(1, [web]);
        using var client = ProxyLoad.Client(1);

        using var response = await client.SendAsync(ProxyLoad.Get(proxy, "web", "/hello"), Ct);

        Assert.Equal((HttpStatusCode)418, response.StatusCode);
        Assert.Equal("fault injected", response.Headers.GetValues(ProxyErrors.Header).Single());
        Assert.Equal(0, app.RequestCount);
    }
}
