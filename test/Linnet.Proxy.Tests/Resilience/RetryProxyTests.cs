using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Resilience;
using Linnet.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Tests.Resilience;

/// <summary>Retries through a real proxy: conditions, limit, budget, bodies, methods, no leaked responses.</summary>
public sealed class RetryProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly RetryConfig GatewayErrors = new(3, RetryConditions.GatewayError, [], []);

    [Fact]
    public async Task Retry_BackendFailing20PercentOfRequests_AtLeast999PerMilleSucceed()
    {
        // Every fifth distinct request fails the first time it arrives (a transient failure); the client
        // sees none of them fail, and the retries stay within the budget (20 % of requests + 10/s).
        var seen = new ConcurrentDictionary<string, byte>();
        await using var backend = await ScriptedBackend.StartAsync((context, _) =>
        {
            var id = context.Request.Query["id"].ToString();
            var first = seen.TryAdd(id, 0);
            if (first && int.Parse(id, CultureInfo.InvariantCulture) % 5 == 0)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return context.Response.WriteAsync("unavailable, with a body the client must never see", context.RequestAborted);
            }

            return ScriptedBackend.Ok(context);
        }, Ct);
        await using var proxy = await TestProxy.StartAsync(1, [WithRetry(TestProxy.Service("web", 80, backend.Port), GatewayErrors)]);
        using var client = ProxyLoad.Client();

        const int Total = 2_000;
        var statuses = await ProxyLoad.RunAsync(client, Total, i => ProxyLoad.Get(proxy, "web", $"/?id={i}"), Ct);

        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.OK) >= Total * 0.999, string.Join(", ", statuses));
        Assert.Equal(Total + (Total / 5), backend.RequestCount);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("outbound_http_route_request_statuses_total") == Total);
        Assert.Equal(Total / 5, scrape.Sum("outbound_http_route_retry_requests_total"));
        Assert.Equal(Total / 5, scrape.Sum("outbound_http_route_backend_response_statuses_total", ("http_status", "503")));
        Assert.Equal(Total, scrape.Sum("response_total", ("status_code", "200")));
    }

    [Fact]
    public async Task Retry_EverythingFails_BudgetCapsRetriesAt20PercentPlus10PerSecond()
    {
        await using var backend = await ScriptedBackend.StartAsync((context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        }, Ct);
        var web = WithRetry(TestProxy.Service("web", 80, backend.Port) with { CircuitBreaker = null }, GatewayErrors);
        await using var proxy = await TestProxy.StartAsync(1, [web]);
        using var client = ProxyLoad.Client();

        const int Total = 1_000;
        var elapsed = Stopwatch.StartNew();
        var statuses = await ProxyLoad.RunAsync(client, Total, _ => ProxyLoad.Get(proxy, "web", "/"), Ct);
        elapsed.Stop();

        Assert.Equal(Total, statuses.GetValueOrDefault(HttpStatusCode.ServiceUnavailable));
        var retries = backend.RequestCount - Total;
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("outbound_http_route_request_statuses_total") == Total);
        Assert.Equal(retries, scrape.Sum("outbound_http_route_retry_requests_total"));
        Assert.True(scrape.Sum("outbound_http_route_retry_overflow_total") > 0);

        // The budget: 20 % of requests, plus a reserve of 10/s × 10 s per window (a window's deposits live
        // at least 9 s, so each further 9 s may add one more reserve). Without a budget: 3,000 retries.
        var windows = 1 + (int)(elapsed.Elapsed.TotalSeconds / 9);
        Assert.InRange(retries, Total / 5, (Total / 5) + (100 * windows));
    }

    [Fact]
    public async Task Retry_LimitReached_LastResponsePassedOnWithItsBody()
    {
        await using var backend = await ScriptedBackend.StartAsync((context, n) =>
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return context.Response.WriteAsync($"attempt {n}", context.RequestAborted);
        }, Ct);
        await using var proxy = await TestProxy.StartAsync(1, [WithRetry(TestProxy.Service("web", 80, backend.Port), GatewayErrors with { Limit = 2 })]);
        using var client = ProxyLoad.Client(1);

        using var response = await client.SendAsync(ProxyLoad.Get(proxy, "web", "/"), Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("attempt 3", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(3, backend.RequestCount);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("outbound_http_route_retry_limit_exceeded_total") == 1);
        Assert.Equal(2, scrape.Sum("outbound_http_route_retry_requests_total"));
    }

    [Fact]
    public async Task Retry_ListedStatusOnly_OtherStatusesPassedOn()
    {
        await using var backend = await ScriptedBackend.StartAsync((context, _) =>
        {
            context.Response.StatusCode = context.Request.Path == "/409" ? 409 : 500;
            return Task.CompletedTask;
        }, Ct);
        var retry = new RetryConfig(1, RetryConditions.None, [409], []);
        await using var proxy = await TestProxy.StartAsync(1, [WithRetry(TestProxy.Service("web", 80, backend.Port), retry)]);
        using var client = ProxyLoad.Client(1);

        using var conflict = await client.SendAsync(ProxyLoad.Get(proxy, "web", "/409"), Ct);
        Assert.Equal(2, backend.RequestCount);
        using var error = await client.SendAsync(ProxyLoad.Get(proxy, "web", "/500"), Ct);
        Assert.Equal(3, backend.RequestCount);

        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
    }

    [Fact]
    public async Task Retry_PostBody_ReplayedOnlyWhenNonIdempotentAllowedAndSmall()
    {
        var bodies = new ConcurrentQueue<string>();
        await using var backend = await ScriptedBackend.StartAsync(async (context, n) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            bodies.Enqueue(await reader.ReadToEndAsync(context.RequestAborted));
            context.Response.StatusCode = n % 2 == 1 ? 503 : 200;
        }, Ct);
        var web = TestProxy.Service("web", 80, backend.Port) with
        {
            Routes =
            [
                new RouteConfig("shop/web",
                [
                    new RouteRuleConfig([new RouteMatchConfig(new PathMatchConfig(PathMatchType.Exact, "/allowed"), [])], [new RouteBackendConfig("web:80")])
                    {
                        Retry = GatewayErrors with { RetryNonIdempotent = true, MaxBodyBytes = 1024 },
                    },
                    new RouteRuleConfig([], [new RouteBackendConfig("web:80")]) { Retry = GatewayErrors },
                ]),
            ],
        };
        await using var proxy = await TestProxy.StartAsync(1, [web]);
        using var client = ProxyLoad.Client(1);

        // Allowed and small: the same body twice, the client sees the retry's 200.
        using var small = await client.SendAsync(Post(proxy, "/allowed", new string('s', 1000)), Ct);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal([new string('s', 1000), new string('s', 1000)], bodies.ToArray());

        // Allowed but over the limit: sent once, streamed, the 503 passed on.
        bodies.Clear();
        using var large = await client.SendAsync(Post(proxy, "/allowed", new string('l', 5000)), Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, large.StatusCode);
        Assert.Equal([new string('l', 5000)], bodies.ToArray());

        // POST on a route that does not allow non-idempotent retries: sent once.
        bodies.Clear();
        using var post = await client.SendAsync(Post(proxy, "/other", "p"), Ct);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        using var post2 = await client.SendAsync(Post(proxy, "/other", "q"), Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, post2.StatusCode);
        Assert.Equal(["p", "q"], bodies.ToArray());
    }

    [Fact]
    public async Task Retry_ConnectFailure_RetriedOnAnotherEndpoint()
    {
        await using var backend = await ScriptedBackend.StartAsync((context, _) => ScriptedBackend.Ok(context), Ct);
        var dead = Linnet.Testing.PortAllocator.GetFreeTcpPort();
        var web = WithRetry(TestProxy.Service("web", 80, dead, backend.Port) with { Balancer = Linnet.Proxy.Balancing.BalancerNames.RoundRobin, CircuitBreaker = null },
            new RetryConfig(2, RetryConditions.ConnectFailure, [], []));
        await using var proxy = await TestProxy.StartAsync(1, [web]);
        using var client = ProxyLoad.Client(1);

        var statuses = await ProxyLoad.RunAsync(client, 20, _ => ProxyLoad.Get(proxy, "web", "/"), Ct, workers: 1);

        // Round robin over [dead, live]: each request takes two turns, so each starts on the dead one and
        // its retry lands on the live one.
        Assert.Equal(20, statuses.GetValueOrDefault(HttpStatusCode.OK));
        Assert.Equal(20, backend.RequestCount);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("outbound_http_route_request_statuses_total") == 20);
        Assert.Equal(20, scrape.Sum("outbound_http_route_retry_requests_total"));
    }

    internal static ServiceConfig WithRetry(ServiceConfig service, RetryConfig retry) => service with
    {
        Routes = [new RouteConfig("shop/web", [new RouteRuleConfig([], [new RouteBackendConfig(service.Key)]) { Retry = retry }])],
    };

    private static HttpRequestMessage Post(TestProxy proxy, string path, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(proxy.OutboundUri, path)) { Content = new StringContent(body) };
        request.Headers.Host = "web";
        return request;
    }
}
