using System.Net;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Routing;

/// <summary>HTTP routes through a real proxy to real backends: header matches, weighted splits, no match.</summary>
public sealed class RoutingProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Route_HeaderMatch_SendsExactlyTheMatchingRequestsToB()
    {
        await using var a = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var b = await HttpTestApp.StartAsync("b", cancellationToken: Ct);
        var web = Service("web", 80) with
        {
            Routes =
            [
                new RouteConfig("shop/web-canary",
                [
                    new RouteRuleConfig([new RouteMatchConfig(null, [new HeaderMatchConfig(HeaderMatchType.Exact, "x-canary", "yes")])], [new RouteBackendConfig("web-b:80")]),
                    new RouteRuleConfig([], [new RouteBackendConfig("web-a:80")]),
                ]),
            ],
        };
        await using var proxy = await TestProxy.StartAsync(1, [web, Service("web-a", 80, a.Port), Service("web-b", 80, b.Port)]);
        using var client = Client();
        var expected = new List<string>();
        var actual = new List<string>();

        for (var i = 0; i < 30; i++)
        {
            var canary = i % 3 == 0;
            using var request = Get(proxy, "web", "/hello");
            // Sometimes absent, sometimes a near miss in value or case: only the exact value selects B.
            switch (i % 6)
            {
                case 0 or 3:
                    request.Headers.Add(i % 2 == 0 ? "x-canary" : "X-Canary", "yes");
                    break;
                case 1:
                    request.Headers.Add("x-canary", "Yes");
                    break;
                case 2:
                    request.Headers.Add("x-canary", "no");
                    break;
            }

            using var response = await client.SendAsync(request, Ct);
            expected.Add(canary ? "b" : "a");
            actual.Add(response.Headers.GetValues("x-app-name").Single());
        }

        Assert.Equal(expected, actual);
        Assert.Equal((20, 10), (a.RequestCount, b.RequestCount));
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "outbound")) == 30);
        Assert.Equal(30, scrape.Sum("response_total", ("authority", "web:80"), ("status_code", "200")));
    }

    [Fact]
    public async Task Route_NinetyTenSplit_10000RequestsWithin2Percent()
    {
        await using var a = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var b = await HttpTestApp.StartAsync("b", cancellationToken: Ct);
        var web = Service("web", 80) with
        {
            Routes = [new RouteConfig("shop/web-split", [new RouteRuleConfig([], [new RouteBackendConfig("web-a:80", 90), new RouteBackendConfig("web-b:80", 10)])])],
        };
        await using var proxy = await TestProxy.StartAsync(1, [web, Service("web-a", 80, a.Port), Service("web-b", 80, b.Port)], random: new Linnet.Proxy.Resilience.SynchronizedRandom(90));
        using var client = Client(maxConnections: 8);

        const int Total = 10_000;
        var workers = Enumerable.Range(0, 8).Select(async _ =>
        {
            for (var i = 0; i < Total / 8; i++)
            {
                using var request = Get(proxy, "web", "/hello");
                using var response = await client.SendAsync(request, Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        });
        await Task.WhenAll(workers);

        Assert.Equal(Total, a.RequestCount + b.RequestCount);
        Assert.InRange(b.RequestCount / (double)Total, 0.08, 0.12);
    }

    [Fact]
    public async Task Route_NoRuleMatches_404WithProxyError()
    {
        await using var a = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        var web = Service("web", 80, a.Port) with
        {
            Routes = [new RouteConfig("shop/web-api", [new RouteRuleConfig([new RouteMatchConfig(new PathMatchConfig(PathMatchType.Prefix, "/hello"), [])], [new RouteBackendConfig("web:80")])])],
        };
        await using var proxy = await TestProxy.StartAsync(1, [web]);
        using var client = Client();

        using var matched = await client.SendAsync(Get(proxy, "web", "/hello"), Ct);
        using var unmatched = await client.SendAsync(Get(proxy, "web", "/hellos"), Ct);

        Assert.Equal(HttpStatusCode.OK, matched.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unmatched.StatusCode);
        Assert.Equal("no route matches", unmatched.Headers.GetValues(ProxyErrors.Header).Single());
        Assert.Equal(1, a.RequestCount);
    }

    [Fact]
    public async Task Route_BackendNotInSnapshot_500WithProxyError()
    {
        var web = Service("web", 80, 1) with
        {
            Routes = [new RouteConfig("shop/web", [new RouteRuleConfig([], [new RouteBackendConfig("gone:80")])])],
        };
        await using var proxy = await TestProxy.StartAsync(1, [web]);
        using var client = Client();

        using var response = await client.SendAsync(Get(proxy, "web", "/"), Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("no valid backend", response.Headers.GetValues(ProxyErrors.Header).Single(), StringComparison.Ordinal);
    }

    private static ServiceConfig Service(string name, int port, params int[] endpointPorts) => TestProxy.Service(name, port, endpointPorts);

    private static HttpClient Client(int maxConnections = 1) =>
        new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = maxConnections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });

    private static HttpRequestMessage Get(TestProxy proxy, string host, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(proxy.OutboundUri, path));
        request.Headers.Host = host;
        return request;
    }
}
