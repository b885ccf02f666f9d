using System.Net;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Tests.Infrastructure;

namespace Linnet.ControlPlane.Tests.Api;

/// <summary>GRPCRoute is a kind of the API, and an invalid route is rejected whole with field paths.</summary>
public sealed class RouteApiTests : IAsyncLifetime
{
    private const string GrpcRoute = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: { name: greeter }
        spec:
          parentRefs: [ { name: greeter } ]
          rules:
            - matches: [ { method: { service: pkg.Greeter, method: Hello } } ]
              backendRefs: [ { name: greeter } ]
              filters: [ { type: LinnetRetry, retry: { limit: 2, grpcCodes: [ unavailable ] } } ]
              timeouts: { request: 2s }

        """;

    private TestControlPlane _cp = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _cp = await TestControlPlane.StartAsync(Ct);

    public ValueTask DisposeAsync() => _cp.DisposeAsync();

    [Fact]
    public async Task GrpcRoute_ApplyListGetDelete_ByEveryKindName()
    {
        await _cp.ApplyOkAsync(Manifests.Join(Manifests.Service("greeter"), GrpcRoute), Ct);

        var (listStatus, list) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources?kind=grpcroutes", Ct);
        var (getStatus, route) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources/GRPCRoute/default/greeter", Ct);
        var (deleteStatus, _) = await _cp.SendAsync(HttpMethod.Delete, "/api/v1/resources/grpcroute/default/greeter", Ct);

        Assert.Equal(HttpStatusCode.OK, listStatus);
        Assert.Equal("greeter", (string?)Assert.Single(list["items"]!.AsArray())!["metadata"]!["name"]);
        Assert.Equal(HttpStatusCode.OK, getStatus);
        Assert.Equal("GRPCRoute", (string?)route["kind"]);
        Assert.Equal("pkg.Greeter", (string?)route["spec"]!["rules"]![0]!["matches"]![0]!["method"]!["service"]);
        Assert.Equal("2s", (string?)route["spec"]!["rules"]![0]!["timeouts"]!["request"]);
        Assert.Equal(HttpStatusCode.OK, deleteStatus);
        Assert.Null(_cp.Store.Find(new ResourceKey("GRPCRoute", "default", "greeter")));
    }

    [Fact]
    public async Task Apply_InvalidRoute_422WithEveryFieldAndNothingWritten()
    {
        var route = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: web }
            spec:
              parentRefs: [ { name: web } ]
              rules:
                - matches: [ { path: { type: RegularExpression, value: "/a(" } } ]
                  backendRefs: [ { name: web, weight: 0 } ]
                  filters: [ { type: LinnetFaultInjection, faultInjection: { abort: { httpStatus: 503, percent: 150 } } } ]

            """;

        var (status, body) = await _cp.ApplyAsync(Manifests.Join(Manifests.Service("web"), route), Ct, source: "bad.yaml");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(
            ["spec.rules[0].matches[0].path.value", "spec.rules[0].backendRefs", "spec.rules[0].filters[0].faultInjection.abort.percent"],
            body["errors"]!.AsArray().Select(e => (string?)e!["path"]));
        Assert.Equal("150 is out of range 0..100", (string?)body["errors"]![2]!["reason"]);
        Assert.Equal(0, _cp.Store.Revision);
    }
}
