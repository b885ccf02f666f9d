using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http;
using Linnet.Proxy.Http.Stages;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Proxy.Tests.Http.Stages;

public sealed class RetryStageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static RetryConfig OnServerError(int limit) => new(limit, RetryConditions.ServerError, [], []) { RetryNonIdempotent = true };

    [Fact]
    public async Task InvokeAsync_RetriableResponseThenSuccess_SecondAttemptAnswersWithTheSameBody()
    {
        // Real sockets behind it: balance → forward to an app that answers 503, then 200.
        await using var app = await HookReceiver.StartAsync(Ct);
        app.Queue("hook", 503, 200);
        using var harness = new ForwardStageHarness([Service(app.EndPoint.Port, OnServerError(2))]);
        var request = harness.WithSeries(harness.Outbound("svc", body: """{"n":1}"""));
        request.KeptBody = """{"n":1}"""u8.ToArray();
        var balance = new BalanceStage(harness.Stages.Responses);

        await Retry().InvokeAsync(request, r => balance.InvokeAsync(r, f => harness.Forward.InvokeAsync(f, _ => Task.CompletedTask)));

        var first = await app.NextAsync(Ct);
        var second = await app.NextAsync(Ct);
        Assert.Equal(1, first.Body["n"]!.GetValue<int>());
        Assert.Equal(1, second.Body["n"]!.GetValue<int>());
        Assert.Equal(StatusCodes.Status200OK, request.Context.Response.StatusCode);
        Assert.Equal("Approved", RequestStageHarness.Body(request.Context));
        Assert.Equal(AttemptKind.Done, request.Attempt.Kind);
        Assert.Equal(1, harness.Stages.Scrape().Sum("outbound_http_route_retry_requests_total"));
    }

    [Fact]
    public async Task InvokeAsync_EveryAttemptTimesOut_RetriesWithinTheLimitThen504()
    {
        // 504 is retriable (gateway errors); each attempt runs under the per-try timeout the stage sets.
        using var harness = new RequestStageHarness([Service(9001, new RetryConfig(1, RetryConditions.GatewayError, [], []) { RetryNonIdempotent = true }, TimeSpan.FromSeconds(30))]);
        var request = Outbound(harness);
        var attempts = 0;

        await Retry().InvokeAsync(request, r =>
        {
            attempts++;
            Assert.NotNull(r.PerTry);
            Assert.Equal(r.PerTry!.Token, r.AttemptToken);
            r.Attempt = new AttemptResult(AttemptKind.TryTimedOut, RouteMetrics.Errors.BackendTimeout, 0, "127.0.0.1:9001 timed out");
            return Task.CompletedTask;
        });

        Assert.Equal(2, attempts);
        Assert.Equal(StatusCodes.Status504GatewayTimeout, request.Context.Response.StatusCode);
        Assert.Equal("backend request timed out", request.Context.Response.Headers[ProxyErrors.Header].ToString());
        Assert.Equal(RouteMetrics.Errors.BackendTimeout, request.Attempt.RouteError);
    }

    [Fact]
    public async Task InvokeAsync_ConnectFailureNotRetriable_AnswersTheFailedForwardOnce()
    {
        // Retried: 500 only. A failed connection is a gateway error (Envoy's "connect-failure" is part of 5xx and
        // gateway-error), not a 500.
        using var harness = new RequestStageHarness([Service(9001, new RetryConfig(3, RetryConditions.None, [500], []) { RetryNonIdempotent = true })]);
        var request = Outbound(harness);
        var attempts = 0;

        await Retry().InvokeAsync(request, r =>
        {
            attempts++;
            r.Context.Response.StatusCode = StatusCodes.Status502BadGateway; // as the forwarder leaves it
            r.Attempt = new AttemptResult(AttemptKind.Failed, RouteMetrics.Errors.Unexpected, 0, "connection to http://127.0.0.1:9001 failed", "http://127.0.0.1:9001", ConnectFailed: true);
            return Task.CompletedTask;
        });

        Assert.Equal(1, attempts);
        Assert.Equal(StatusCodes.Status502BadGateway, request.Context.Response.StatusCode);
        Assert.Equal("connection to http://127.0.0.1:9001 failed", request.Context.Response.Headers[ProxyErrors.Header].ToString());
    }

    [Fact]
    public async Task InvokeAsync_RuleWithoutPolicy_OneAttemptUntouched()
    {
        using var harness = new RequestStageHarness([TestProxy.Service("svc", 80, 9001)]);
        var request = harness.Request(RequestStageHarness.Context("svc"), Linnet.Proxy.Connections.ListenerRole.Outbound);
        request.Service = request.Target = request.Model.Find("svc", null);
        var attempts = 0;

        await Retry().InvokeAsync(request, r =>
        {
            attempts++;
            return Task.CompletedTask;
        });

        Assert.Equal(1, attempts);
        Assert.Null(request.PerTry);
    }

    private static RetryStage Retry() => new(TimeProvider.System, NullLogger<RetryStage>.Instance);

    private static ServiceConfig Service(int port, RetryConfig retry, TimeSpan? perTry = null) =>
        TestProxy.Service("svc", 80, port) with
        {
            Routes = [new RouteConfig("r", [ForwardStageHarness.Rule("svc:80") with { Retry = retry, Timeouts = perTry is null ? null : new RouteTimeoutsConfig(null, perTry) }])],
        };

    private static RequestState Outbound(RequestStageHarness harness)
    {
        var context = RequestStageHarness.Context("svc");
        context.Request.Method = "POST";
        context.Request.ContentLength = 0;
        var request = harness.Request(context, Linnet.Proxy.Connections.ListenerRole.Outbound);
        request.Service = request.Target = request.Model.Find("svc", null);
        request.Rule = request.Service!.Rules[0];
        request.BackendIndex = 0;
        request.KeptBody = [];
        request.Series = harness.Responses.RouteSeriesFor(request.Rule, request.Service);
        request.BackendSeries = harness.Responses.BackendSeriesFor(request.Rule, 0, request.Service);
        return request;
    }
}
