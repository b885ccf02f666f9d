using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http;
using Linnet.Proxy.Http.Stages;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Tests.Http.Stages;

public sealed class ForwardStageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly ProxyRequestDelegate Last = _ => throw new InvalidOperationException("forward is the last stage");

    [Fact]
    public async Task InvokeAsync_OutboundWithoutPolicy_ForwardsToThePickedEndpointAndRecordsIt()
    {
        await using var app = await HookReceiver.StartAsync(Ct);
        using var harness = new ForwardStageHarness([TestProxy.Service("svc", 80, app.EndPoint.Port)]);
        var request = harness.Outbound("svc");
        request.Endpoint = request.Target!.Balancer.Pick();

        await harness.Forward.InvokeAsync(request, Last);

        var arrived = await app.NextAsync(Ct);
        Assert.Equal("hook", arrived.Path);
        Assert.Equal(StatusCodes.Status200OK, request.Context.Response.StatusCode);
        Assert.Equal("Approved", RequestStageHarness.Body(request.Context));
        var scrape = harness.Stages.Scrape();
        Assert.Equal(1, scrape.Sum("request_total", ("direction", "outbound")));
        Assert.Equal(1, scrape.Sum("response_total", ("direction", "outbound"), ("status_code", "200")));
    }

    [Fact]
    public async Task InvokeAsync_EndpointRefusesTheConnection_502WithTheReason()
    {
        using var harness = new ForwardStageHarness([TestProxy.Service("svc", 80, PortAllocator.GetFreeTcpPort())]);
        var request = harness.Outbound("svc");
        request.Endpoint = request.Target!.Balancer.Pick();

        await harness.Forward.InvokeAsync(request, Last);

        Assert.Equal(StatusCodes.Status502BadGateway, request.Context.Response.StatusCode);
        var reason = request.Context.Response.Headers[ProxyErrors.Header].ToString();
        Assert.StartsWith("connection to http://127.0.0.1:", reason, StringComparison.Ordinal);
        Assert.Equal(reason + "\n", RequestStageHarness.Body(request.Context));
    }

    [Fact]
    public async Task InvokeAsync_AttemptOfARuleWithPolicyFailsToConnect_ReportsItToTheRetryStageWithoutAnswering()
    {
        // With a policy, an attempt only reports: whether to retry or answer is the retry stage's decision.
        var port = PortAllocator.GetFreeTcpPort();
        var svc = TestProxy.Service("svc", 80, port) with
        {
            Routes = [new RouteConfig("r", [ForwardStageHarness.Rule("svc:80") with { Retry = new RetryConfig(1, RetryConditions.ConnectFailure, [], []) { RetryNonIdempotent = true } }])],
        };
        using var harness = new ForwardStageHarness([svc]);
        var request = harness.WithSeries(harness.Outbound("svc"));
        request.Endpoint = request.Target!.Balancer.Pick();

        await harness.Forward.InvokeAsync(request, Last);

        Assert.Equal(AttemptKind.Failed, request.Attempt.Kind);
        Assert.True(request.Attempt.ConnectFailed);
        Assert.False(request.Context.Response.Headers.ContainsKey(ProxyErrors.Header));
        Assert.Equal("", RequestStageHarness.Body(request.Context));
    }
}
