using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http;
using Linnet.Proxy.Http.Stages;
using Linnet.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Proxy.Tests.Http.Stages;

public sealed class FiltersStageTests
{
    [Fact]
    public async Task InvokeAsync_RequestHeaderModifier_AppliedBeforeTheStagesAfterAndTheRequestRecorded()
    {
        var rule = ForwardStageHarness.Rule("svc:80") with
        {
            RequestHeaders = new HeaderModifierConfig([new HeaderValueConfig("x-stage", "filters")], [], ["x-drop"]),
        };
        using var harness = new ForwardStageHarness([Service(rule)]);
        var request = harness.Outbound("svc");
        request.Context.Request.Headers["x-drop"] = "1";
        string? seen = null;
        var dropped = false;

        await Filters(harness).InvokeAsync(request, r =>
        {
            seen = r.Context.Request.Headers["x-stage"].ToString();
            dropped = !r.Context.Request.Headers.ContainsKey("x-drop");
            r.Context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        });

        Assert.Equal("filters", seen);
        Assert.True(dropped);
        var scrape = harness.Stages.Scrape();
        Assert.Equal(1, scrape.Sum("request_total", ("direction", "outbound")));
        Assert.Equal(1, scrape.Sum("response_total", ("direction", "outbound"), ("status_code", "200")));
        Assert.Equal(1, scrape.Sum("outbound_http_route_request_statuses_total", ("http_status", "200")));
    }

    [Fact]
    public async Task InvokeAsync_FaultAbortAtHundredPercent_AnswersTheConfiguredStatusAndForwardsNothing()
    {
        var rule = ForwardStageHarness.Rule("svc:80") with { Fault = new FaultConfig(new FaultAbortConfig(503, null, 100), null) };
        using var harness = new ForwardStageHarness([Service(rule)]);
        var request = harness.Outbound("svc");
        var forwarded = false;

        await Filters(harness).InvokeAsync(request, _ =>
        {
            forwarded = true;
            return Task.CompletedTask;
        });

        Assert.False(forwarded);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, request.Context.Response.StatusCode);
        Assert.Equal("fault injected", request.Context.Response.Headers[ProxyErrors.Header].ToString());
        Assert.Equal(1, harness.Stages.Scrape().Sum("outbound_http_route_request_statuses_total", ("http_status", "503"), ("error", "FAULT")));
    }

    [Fact]
    public async Task InvokeAsync_DeadlineExpiresBeforeAnAnswer_504RequestTimedOut()
    {
        // The stages after it run under the deadline: one that waits for an answer that never comes is cut off.
        var rule = ForwardStageHarness.Rule("svc:80") with { Timeouts = new RouteTimeoutsConfig(TimeSpan.FromMilliseconds(50), null) };
        using var harness = new ForwardStageHarness([Service(rule)]);
        var request = harness.Outbound("svc");

        await Filters(harness).InvokeAsync(request, r => Task.Delay(Timeout.Infinite, r.Deadline!.Token));

        Assert.Equal(StatusCodes.Status504GatewayTimeout, request.Context.Response.StatusCode);
        Assert.Equal("request timed out", request.Context.Response.Headers[ProxyErrors.Header].ToString());
        Assert.Equal(1, harness.Stages.Scrape().Sum("outbound_http_route_request_statuses_total", ("http_status", "504"), ("error", "REQUEST_TIMEOUT")));
    }

    [Fact]
    public async Task InvokeAsync_RuleWithoutPolicy_PassesWithoutRecording()
    {
        using var harness = new ForwardStageHarness([TestProxy.Service("svc", 80, 9001)]);
        var request = harness.Outbound("svc");
        var passed = false;

        await Filters(harness).InvokeAsync(request, _ =>
        {
            passed = true;
            return Task.CompletedTask;
        });

        Assert.True(passed);
        Assert.Null(request.Deadline);
        Assert.Equal(0, harness.Stages.Scrape().Sum("request_total", ("direction", "outbound")));
    }

    private static FiltersStage Filters(ForwardStageHarness harness) =>
        new(harness.Stages.Responses, harness.Clients, TimeProvider.System, new Random(1), NullLogger<FiltersStage>.Instance);

    private static ServiceConfig Service(RouteRuleConfig rule) =>
        TestProxy.Service("svc", 80, 9001) with { Routes = [new RouteConfig("r", [rule])] };
}
