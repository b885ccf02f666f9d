using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Resilience;

/// <summary>gRPC calls (Grpc.Net.Client, through the proxy's outbound listener) with route filters:
/// statuses and deadlines come out right through faults, retries and timeouts.</summary>
public sealed class GrpcPolicyProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Grpc_InjectedAbort_TrailersOnlyWithTheGrpcStatus()
    {
        await using var setup = await GrpcSetup.StartAsync(r => r with { Fault = new FaultConfig(new FaultAbortConfig(503, 14, 100), null) });

        var error = await Assert.ThrowsAsync<RpcException>(() => setup.Client.SayAsync(new EchoRequest { Message = "x" }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(0, setup.Server.CallCount);
    }

    [Fact]
    public async Task Grpc_RetriableCode_RetriedUpToTheLimitThenStatusPassedOn()
    {
        await using var setup = await GrpcSetup.StartAsync(r => r with { Retry = new RetryConfig(2, RetryConditions.None, [], [14]) });

        var unavailable = await Assert.ThrowsAsync<RpcException>(() => setup.Client.SayAsync(new EchoRequest { Message = "x", FailCode = 14 }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(3, setup.Server.CallCount);

        // A code the route does not list is not retried.
        var internalError = await Assert.ThrowsAsync<RpcException>(() => setup.Client.SayAsync(new EchoRequest { Message = "x", FailCode = 13 }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(4, setup.Server.CallCount);

        var reply = await setup.Client.SayAsync(new EchoRequest { Message = "ok" }, cancellationToken: Ct);

        Assert.Equal(StatusCode.Unavailable, unavailable.StatusCode);
        Assert.Equal(StatusCode.Internal, internalError.StatusCode);
        Assert.Equal("ok", reply.Message);
        var scrape = await setup.Proxy.ScrapeWhenAsync(s => s.Sum("outbound_http_route_request_statuses_total") == 3);
        Assert.Equal(2, scrape.Sum("outbound_http_route_retry_requests_total"));
        Assert.Equal(1, scrape.Sum("response_total", ("grpc_status", "14")));
    }

    [Fact]
    public async Task Grpc_RouteRequestTimeout_DeadlineExceededFromTheProxy()
    {
        await using var setup = await GrpcSetup.StartAsync(r => r with { Timeouts = new RouteTimeoutsConfig(TimeSpan.FromMilliseconds(300), null) });

        var started = Stopwatch.GetTimestamp();
        var error = await Assert.ThrowsAsync<RpcException>(() => setup.Client.SayAsync(new EchoRequest { Message = "x", DelayMs = 20_000 }, cancellationToken: Ct).ResponseAsync);
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        var scrape = await setup.Proxy.ScrapeWhenAsync(s => s.Sum("outbound_http_route_request_statuses_total") == 1);
        Assert.Equal(1, scrape.Sum("response_total", ("grpc_status", "4")));
    }

    [Fact]
    public async Task Grpc_ClientDeadlineDuringInjectedDelay_EndsAtTheDeadlineWithDeadlineExceeded()
    {
        await using var setup = await GrpcSetup.StartAsync(r => r with { Fault = new FaultConfig(null, new FaultDelayConfig(TimeSpan.FromSeconds(30), 100)) });

        var started = Stopwatch.GetTimestamp();
        var error = await Assert.ThrowsAsync<RpcException>(() => setup.Client.SayAsync(new EchoRequest { Message = "x" }, deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddMilliseconds(400), cancellationToken: Ct).ResponseAsync);
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
        var scrape = await setup.Proxy.ScrapeWhenAsync(s => s.Sum("outbound_http_route_request_statuses_total") == 1);
        Assert.Equal(0, setup.Server.CallCount);
    }

    [Fact]
    public async Task Grpc_ResponseHeaderModifier_MetadataReachesTheClient()
    {
        await using var setup = await GrpcSetup.StartAsync(r => r with { ResponseHeaders = new HeaderModifierConfig([], [new HeaderValueConfig("x-route", "web")], []) });

        using var call = setup.Client.SayAsync(new EchoRequest { Message = "x" }, cancellationToken: Ct);
        var headers = await call.ResponseHeadersAsync;
        await call.ResponseAsync;

        Assert.Equal("web", headers.GetValue("x-route"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    private sealed class GrpcSetup : IAsyncDisposable
    {
        private readonly GrpcChannel _channel;

        private GrpcSetup(GrpcTestService server, TestProxy proxy)
        {
            Server = server;
            Proxy = proxy;
            _channel = OutboundGrpc.Channel(proxy, "http://backend:80");
            Client = new Echo.EchoClient(_channel);
        }

        public GrpcTestService Server { get; }

        public TestProxy Proxy { get; }

        public Echo.EchoClient Client { get; }

        public static async Task<GrpcSetup> StartAsync(Func<RouteRuleConfig, RouteRuleConfig> rule)
        {
            var server = await GrpcTestService.StartAsync("echo-1", Ct);
            var service = TestProxy.Service("backend", 80, server.Port);
            service = service with
            {
                Routes = [new RouteConfig("shop/backend", [rule(new RouteRuleConfig([], [new RouteBackendConfig(service.Key)]))]) { Kind = RouteConfig.GrpcKind }],
            };
            return new GrpcSetup(server, await TestProxy.StartAsync(1, [service]));
        }

        public async ValueTask DisposeAsync()
        {
            _channel.Dispose();
            await Proxy.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
