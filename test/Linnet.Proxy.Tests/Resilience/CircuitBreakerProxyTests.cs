using System.Net;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http;
using Linnet.Proxy.Tests.ControlPlane;
using Linnet.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Tests.Resilience;

/// <summary>Circuit breaking through a real proxy with real endpoints that fail and recover.</summary>
public sealed class CircuitBreakerProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Breaker_FailingEndpoint_EjectedThenReadmittedAfterItRecovers()
    {
        var failing = true;
        await using var good = await ScriptedBackend.StartAsync((context, _) => ScriptedBackend.Ok(context), Ct);
        await using var flaky = await ScriptedBackend.StartAsync((context, _) =>
        {
            if (Volatile.Read(ref failing))
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return Task.CompletedTask;
            }

            return ScriptedBackend.Ok(context);
        }, Ct);
        // Long enough a penalty that the requests below all fall inside it, however slow the machine.
        var breaker = new CircuitBreakerConfig(7, TimeSpan.FromSeconds(4), TimeSpan.FromMinutes(1), 0);
        var web = TestProxy.Service("web", 80, good.Port, flaky.Port) with { CircuitBreaker = breaker, Balancer = Linnet.Proxy.Balancing.BalancerNames.RoundRobin };
        await using var proxy = await TestProxy.StartAsync(1, [web]);
        using var client = ProxyLoad.Client(1);

        // Round robin alternates: the 7th failure of the flaky endpoint is the 14th request.
        var first = await ProxyLoad.RunAsync(client, 14, _ => ProxyLoad.Get(proxy, "web", "/"), Ct, workers: 1);
        Assert.Equal((7, 7), (first.GetValueOrDefault(HttpStatusCode.OK), first.GetValueOrDefault(HttpStatusCode.InternalServerError)));
        var scrape = await proxy.ScrapeAsync();
        Assert.Equal(1, scrape.Sum("outbound_http_balancer_endpoint_ejections_total", ("endpoint", $"127.0.0.1:{flaky.Port}")));

        // Ejected: every request goes to the good endpoint.
        var ejected = await ProxyLoad.RunAsync(client, 40, _ => ProxyLoad.Get(proxy, "web", "/"), Ct, workers: 1);
        Assert.Equal(40, ejected.GetValueOrDefault(HttpStatusCode.OK));
        Assert.Equal(7, flaky.RequestCount);

        // Recovered: after the penalty one probation request succeeds and it is back in rotation.
        Volatile.Write(ref failing, false);
        await Eventually.WaitAsync(async () =>
        {
            using var response = await client.SendAsync(ProxyLoad.Get(proxy, "web", "/"), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return flaky.RequestCount >= 7 + 10;
        }, "the recovered endpoint serving again", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Breaker_OnlyEndpointEjected_503FastWithProxyError()
    {
        await using var broken = await ScriptedBackend.StartAsync((context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        }, Ct);
        var web = TestProxy.Service("web", 80, broken.Port) with { CircuitBreaker = new CircuitBreakerConfig(7, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), 0) };
        await using var proxy = await TestProxy.StartAsync(1, [web]);
        using var client = ProxyLoad.Client(1);

        await ProxyLoad.RunAsync(client, 7, _ => ProxyLoad.Get(proxy, "web", "/"), Ct, workers: 1);
        using var response = await client.SendAsync(ProxyLoad.Get(proxy, "web", "/"), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("all endpoints are ejected", response.Headers.GetValues(ProxyErrors.Header).Single(), StringComparison.Ordinal);
        Assert.Equal(7, broken.RequestCount);
    }
}
