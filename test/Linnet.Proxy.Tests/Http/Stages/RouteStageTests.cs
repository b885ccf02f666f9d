using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Http.Stages;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Tests.Http.Stages;

public sealed class RouteStageTests
{
    // web:80 routes /api to api:80; nothing else matches (Gateway API: a request no rule matches gets 404).
    private static readonly ServiceConfig Web = TestProxy.Service("web", 80, 9001) with
    {
        Routes = [new RouteConfig("web-routes", [new RouteRuleConfig([new RouteMatchConfig(new PathMatchConfig(PathMatchType.Prefix, "/api"), [])], [new RouteBackendConfig("api:80")])])],
    };

    private static readonly ServiceConfig Api = TestProxy.Service("api", 80, 9002);

    [Fact]
    public async Task InvokeAsync_RuleMatches_TheBackendServesTheRequest()
    {
        using var harness = new RequestStageHarness([Web, Api]);
        var request = Routed(harness, "/api/items");
        RequestState? passed = null;

        await new RouteStage(new HttpRouter(new Random(1)), harness.Responses).InvokeAsync(request, r =>
        {
            passed = r;
            return Task.CompletedTask;
        });

        Assert.Equal("web", passed?.Service?.Config.Name);
        Assert.Equal("api", passed?.Target?.Config.Name);
        Assert.NotNull(passed?.Rule);
        Assert.Equal(0, passed?.BackendIndex);
    }

    [Fact]
    public async Task InvokeAsync_NoRuleMatches_404()
    {
        using var harness = new RequestStageHarness([Web, Api]);
        var request = Routed(harness, "/other");
        var forwarded = false;

        await new RouteStage(new HttpRouter(new Random(1)), harness.Responses).InvokeAsync(request, _ =>
        {
            forwarded = true;
            return Task.CompletedTask;
        });

        Assert.False(forwarded);
        Assert.Equal(StatusCodes.Status404NotFound, request.Context.Response.StatusCode);
        Assert.Equal(1, harness.Scrape().Sum("proxy_error_total", ("reason", "no_route")));
    }

    [Fact]
    public async Task InvokeAsync_Outbound_RouteSeriesPerRuleAndDefaultRouteWithoutRtRoute()
    {
        using var harness = new RequestStageHarness([Web, Api]);
        var stage = new RouteStage(new HttpRouter(new Random(1)), harness.Responses);
        foreach (var path in new[] { "/api/1", "/api/2", "/other" })
        {
            var request = Routed(harness, path);
            await stage.InvokeAsync(request, r =>
            {
                harness.Responses.Record(r.Context, r.Direction, r.Service!.Authority, r.Tls, 1);
                return Task.CompletedTask;
            });
        }

        var scrape = harness.Scrape();
        Assert.Equal(2, scrape.Sum("route_request_total", ("direction", "outbound"), ("dst", "web:80"), ("rt_route", "web-routes")));
        Assert.Equal(2, scrape.Sum("route_response_total", ("direction", "outbound"), ("rt_route", "web-routes"), ("status_code", "200"), ("classification", "success")));
        // The request no rule matched: the proxy's 404, under Linkerd's default route (no rt_route).
        var unmatched = Assert.Single(scrape.All("route_response_total"), s => !s.Labels.ContainsKey("rt_route"));
        Assert.Equal((1.0, "web:80", "404"), (unmatched.Value, unmatched.Labels["dst"], unmatched.Labels["status_code"]));
    }

    [Fact]
    public async Task InvokeAsync_ServiceWithoutRules_NoRouteSeries()
    {
        using var harness = new RequestStageHarness([Web, Api]);
        var request = harness.Request(RequestStageHarness.Context("api", "/x"), ListenerRole.Outbound);
        request.Service = request.Target = request.Model.Find("api", null);

        await new RouteStage(new HttpRouter(new Random(1)), harness.Responses).InvokeAsync(request, r =>
        {
            harness.Responses.Record(r.Context, r.Direction, r.Service!.Authority, r.Tls, 1);
            return Task.CompletedTask;
        });

        Assert.Equal(1, harness.Scrape().Sum("response_total", ("direction", "outbound")));
        Assert.Empty(harness.Scrape().All("route_request_total"));
    }

    [Fact]
    public async Task InvokeAsync_ServiceWithoutRules_PassesUntouched()
    {
        using var harness = new RequestStageHarness([Web, Api]);
        var request = harness.Request(RequestStageHarness.Context("api", "/x"), ListenerRole.Outbound);
        request.Service = request.Target = request.Model.Find("api", null);
        RequestState? passed = null;

        await new RouteStage(new HttpRouter(new Random(1)), harness.Responses).InvokeAsync(request, r =>
        {
            passed = r;
            return Task.CompletedTask;
        });

        Assert.Equal("api", passed?.Target?.Config.Name);
        Assert.Null(passed?.Rule);
    }

    private static RequestState Routed(RequestStageHarness harness, string path)
    {
        var request = harness.Request(RequestStageHarness.Context("web", path), ListenerRole.Outbound);
        request.Service = request.Target = request.Model.Find("web", null);
        return request;
    }
}
