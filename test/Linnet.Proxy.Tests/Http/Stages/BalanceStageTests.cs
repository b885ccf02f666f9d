using Linnet.Proxy.Connections;
using Linnet.Proxy.Http;
using Linnet.Proxy.Http.Stages;
using Linnet.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Tests.Http.Stages;

public sealed class BalanceStageTests
{
    [Fact]
    public async Task InvokeAsync_ServiceWithAnEndpoint_PicksItForTheForward()
    {
        using var harness = new RequestStageHarness([TestProxy.Service("svc", 80, 9001)]);
        var request = Outbound(harness, "svc");
        RequestState? passed = null;

        await new BalanceStage(harness.Responses).InvokeAsync(request, r =>
        {
            passed = r;
            return Task.CompletedTask;
        });

        Assert.Equal(9001, passed?.Endpoint?.Config.Port);
    }

    [Fact]
    public async Task InvokeAsync_ServiceWithoutEndpoints_503NoEndpointsAndNothingForwarded()
    {
        using var harness = new RequestStageHarness([TestProxy.Service("empty", 80)]);
        var request = Outbound(harness, "empty");
        var forwarded = false;

        await new BalanceStage(harness.Responses).InvokeAsync(request, _ =>
        {
            forwarded = true;
            return Task.CompletedTask;
        });

        Assert.False(forwarded);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, request.Context.Response.StatusCode);
        Assert.Contains("has no available endpoints", request.Context.Response.Headers[ProxyErrors.Header].ToString(), StringComparison.Ordinal);
        Assert.Equal(1, harness.Scrape().Sum("proxy_error_total", ("direction", "outbound"), ("reason", "no_endpoints")));
    }

    [Fact]
    public async Task InvokeAsync_Inbound_PassesWithoutPicking()
    {
        using var harness = new RequestStageHarness([TestProxy.Service("svc", 80, 9001)]);
        var request = harness.Request(RequestStageHarness.Context("svc"), ListenerRole.Inbound);
        RequestState? passed = null;

        await new BalanceStage(harness.Responses).InvokeAsync(request, r =>
        {
            passed = r;
            return Task.CompletedTask;
        });

        Assert.Same(request, passed);
        Assert.Null(passed!.Endpoint);
    }

    private static RequestState Outbound(RequestStageHarness harness, string service)
    {
        var request = harness.Request(RequestStageHarness.Context(service), ListenerRole.Outbound);
        request.Service = request.Target = request.Model.Find(service, null);
        return request;
    }
}
