using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Linnet.Proxy.Tests.Resilience;

/// <summary>Route timeouts and header modifiers through a real proxy, HTTP/1.1 and HTTP/2.</summary>
public sealed class TimeoutAndHeaderProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Timeout_RequestTimeoutExpires_504WithProxyErrorAtAboutTheTimeout()
    {
        await using var app = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var proxy = await TestProxy.StartAsync(1, [WithRule(TestProxy.Service("web", 80, app.Port), r => r with { Timeouts = new RouteTimeoutsConfig(TimeSpan.FromMilliseconds(300), null) })]);
        using var client = ProxyLoad.Client(1);

        var started = Stopwatch.GetTimestamp();
        using var slow = await client.SendAsync(ProxyLoad.Get(proxy, "web", "/slow/10000"), Ct);
        var elapsed = Stopwatch.GetElapsedTime(started);
        using var fast = await client.SendAsync(ProxyLoad.Get(proxy, "web", "/hello"), Ct);

        Assert.Equal(HttpStatusCode.GatewayTimeout, slow.StatusCode);
        Assert.Equal("request timed out", slow.Headers.GetValues(ProxyErrors.Header).Single());
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, fast.StatusCode);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("outbound_http_route_request_statuses_total") == 2);
        Assert.Equal(1, scrape.Sum("outbound_http_route_timeouts_total", ("timeout", "request")));
        Assert.Equal(1, scrape.Sum("outbound_http_route_request_statuses_total", ("http_status", "504"), ("error", "REQUEST_TIMEOUT")));
    }

    [Fact]
    public async Task Timeout_PerTryTimeoutWithRetries_EachAttemptCutThen504()
    {
        await using var app = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        var rule = (RouteRuleConfig r) => r with
        {
            Timeouts = new RouteTimeoutsConfig(TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200)),
            Retry = new RetryConfig(2, RetryConditions.GatewayError, [], []),
        };
        await using var proxy = await TestProxy.StartAsync(1, [WithRule(TestProxy.Service("web", 80, app.Port), rule)]);
        using var client = ProxyLoad.Client(1);

        var started = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(ProxyLoad.Get(proxy, "web", "/slow/10000"), Ct);
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("backend request timed out", response.Headers.GetValues(ProxyErrors.Header).Single());
        Assert.Equal(3, app.RequestCount);
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(550), TimeSpan.FromSeconds(10));
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("outbound_http_route_request_statuses_total") == 1);
        Assert.Equal(3, scrape.Sum("outbound_http_route_timeouts_total", ("timeout", "backend_request")));
        Assert.Equal(2, scrape.Sum("outbound_http_route_retry_requests_total"));
    }

    [Fact]
    public async Task Timeout_ResponseAlreadyStreaming_ConnectionAbortedNotTruncatedSilently()
    {
        await using var backend = await ScriptedBackend.StartAsync(async (context, _) =>
        {
            await context.Response.WriteAsync("first part ", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(TimeSpan.FromSeconds(20), context.RequestAborted);
        }, Ct);
        await using var proxy = await TestProxy.StartAsync(1, [WithRule(TestProxy.Service("web", 80, backend.Port), r => r with { Timeouts = new RouteTimeoutsConfig(TimeSpan.FromMilliseconds(500), null) })]);
        using var client = ProxyLoad.Client(1);

        using var response = await client.SendAsync(ProxyLoad.Get(proxy, "web", "/"), HttpCompletionOption.ResponseHeadersRead, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData(HttpProtocols.Http1)]
    [InlineData(HttpProtocols.Http2)]
    public async Task HeaderModifiers_RequestAndResponse_RemoveSetAddApplied(HttpProtocols protocols)
    {
        await using var app = await HttpTestApp.StartAsync("a", protocols, Ct);
        var rule = (RouteRuleConfig r) => r with
        {
            RequestHeaders = new HeaderModifierConfig([new HeaderValueConfig("x-set", "new")], [new HeaderValueConfig("x-add", "two")], ["x-remove"]),
            ResponseHeaders = new HeaderModifierConfig([new HeaderValueConfig("x-app-name", "rewritten")], [new HeaderValueConfig("x-resp-add", "yes")], ["content-type"]),
        };
        await using var proxy = await TestProxy.StartAsync(1, [WithRule(TestProxy.Service("web", 80, app.Port), rule)]);
        using var client = protocols == HttpProtocols.Http2 ? H2Client(proxy) : ProxyLoad.Client(1);
        using var request = ProxyLoad.Get(proxy, "web", "/headers");
        if (protocols == HttpProtocols.Http2)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        request.Headers.Add("x-set", "old");
        request.Headers.Add("x-add", "one");
        request.Headers.Add("x-remove", "gone");

        using var response = await client.SendAsync(request, Ct);
        var seen = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(await response.Content.ReadAsStringAsync(Ct))!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("new", seen["x-set"].GetString());
        Assert.Equal("one,two", seen["x-add"].GetString()!.Replace(" ", "", StringComparison.Ordinal));
        Assert.False(seen.ContainsKey("x-remove"));
        Assert.Equal("rewritten", response.Headers.GetValues("x-app-name").Single());
        Assert.Equal("yes", response.Headers.GetValues("x-resp-add").Single());
        Assert.Null(response.Content.Headers.ContentType);
    }

    internal static ServiceConfig WithRule(ServiceConfig service, Func<RouteRuleConfig, RouteRuleConfig> rule) => service with
    {
        Routes = [new RouteConfig("shop/web", [rule(new RouteRuleConfig([], [new RouteBackendConfig(service.Key)]))])],
    };

    private static HttpClient H2Client(TestProxy proxy) =>
        new(new SocketsHttpHandler { UseProxy = false })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
}
