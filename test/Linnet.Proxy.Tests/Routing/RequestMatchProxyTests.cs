using Grpc.Core;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Routing;

/// <summary>Query-parameter, method and gRPC method (path) matches through a real proxy to real backends.</summary>
public sealed class RequestMatchProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Route_QueryAndMethodMatches_SendExactlyTheMatchingRequestsToB()
    {
        await using var a = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var b = await HttpTestApp.StartAsync("b", cancellationToken: Ct);
        var web = TestProxy.Service("web", 80) with
        {
            Routes =
            [
                new RouteConfig("shop/web",
                [
                    new RouteRuleConfig([new RouteMatchConfig(null, []) { QueryParams = [new QueryParamMatchConfig(HeaderMatchType.Exact, "tenant", "acme")] }], [new RouteBackendConfig("web-b:80")]),
                    new RouteRuleConfig([new RouteMatchConfig(new PathMatchConfig(PathMatchType.Exact, "/echo"), []) { Method = "POST" }], [new RouteBackendConfig("web-b:80")]),
                    new RouteRuleConfig([], [new RouteBackendConfig("web-a:80")]),
                ]),
            ],
        };
        await using var proxy = await TestProxy.StartAsync(1, [web, TestProxy.Service("web-a", 80, a.Port), TestProxy.Service("web-b", 80, b.Port)]);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1 });
        (HttpMethod Method, string Target, string Expected)[] cases =
        [
            (HttpMethod.Get, "/hello?tenant=acme", "b"),
            (HttpMethod.Get, "/hello?x=1&tenant=acme", "b"),
            (HttpMethod.Get, "/hello?tenant=%61cme", "b"),
            (HttpMethod.Get, "/hello?tenant=Acme", "a"),
            (HttpMethod.Get, "/hello?Tenant=acme", "a"),
            (HttpMethod.Get, "/hello?tenant=acme2", "a"),
            (HttpMethod.Get, "/hello?tenant", "a"),
            (HttpMethod.Get, "/hello", "a"),
            (HttpMethod.Get, "/hello?tenant=other&tenant=acme", "a"),
            (HttpMethod.Post, "/echo", "b"),
            (HttpMethod.Put, "/echo", "a"),
            (HttpMethod.Get, "/echo", "a"),
            (HttpMethod.Post, "/echo?tenant=acme", "b"),
            (HttpMethod.Post, "/sha256", "a"),
        ];
        var actual = new List<string>();

        for (var round = 0; round < 3; round++)
        {
            foreach (var (method, target, _) in cases)
            {
                using var request = new HttpRequestMessage(method, new Uri(proxy.OutboundUri, target));
                request.Headers.Host = "web";
                if (method != HttpMethod.Get)
                {
                    request.Content = new StringContent("x");
                }

                using var response = await client.SendAsync(request, Ct);
                actual.Add($"{method} {target} -> {response.Headers.GetValues("x-app-name").Single()}");
            }
        }

        var expected = Enumerable.Repeat(cases.Select(c => $"{c.Method} {c.Target} -> {c.Expected}"), 3).SelectMany(x => x).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal((3 * 9, 3 * 5), (a.RequestCount, b.RequestCount));
    }

    [Fact]
    public async Task Route_GrpcMethodAsPathMatch_OneMethodToAnotherBackend()
    {
        await using var a = await GrpcTestService.StartAsync("echo-a", Ct);
        await using var b = await GrpcTestService.StartAsync("echo-b", Ct);

        // What the control plane sends for a GRPCRoute matching { service: linnet.testing.Echo, method: Say }.
        var backend = TestProxy.Service("backend", 80) with
        {
            Routes =
            [
                new RouteConfig("shop/echo",
                [
                    new RouteRuleConfig([new RouteMatchConfig(new PathMatchConfig(PathMatchType.Exact, "/linnet.testing.Echo/Say"), [])], [new RouteBackendConfig("echo-b:80")]),
                    new RouteRuleConfig([], [new RouteBackendConfig("echo-a:80")]),
                ])
                {
                    Kind = RouteConfig.GrpcKind,
                },
            ],
        };
        await using var proxy = await TestProxy.StartAsync(1, [backend, TestProxy.Service("echo-a", 80, a.Port), TestProxy.Service("echo-b", 80, b.Port)]);
        using var channel = OutboundGrpc.Channel(proxy, "http://backend:80");
        var client = new Echo.EchoClient(channel);

        for (var i = 0; i < 5; i++)
        {
            var say = await client.SayAsync(new EchoRequest { Message = "hi" }, cancellationToken: Ct);
            Assert.Equal("echo-b", say.ServedBy);

            using var expand = client.Expand(new ExpandRequest { Message = "m", Count = 2 }, cancellationToken: Ct);
            var replies = new List<string>();
            await foreach (var reply in expand.ResponseStream.ReadAllAsync(Ct))
            {
                replies.Add(reply.ServedBy);
            }

            Assert.Equal(["echo-a", "echo-a"], replies);
            Assert.Equal(StatusCode.OK, expand.GetStatus().StatusCode);
        }

        using var failing = client.SayAsync(new EchoRequest { Message = "x", FailCode = (int)StatusCode.PermissionDenied }, cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<RpcException>(() => failing.ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal((5, 6), (a.CallCount, b.CallCount));
    }
}
