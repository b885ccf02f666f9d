using Linnet.Api.Destination.V1;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Translation;
using Linnet.ControlPlane.Destination;

namespace Linnet.ControlPlane.Tests.Destination;

/// <summary>Route matches, filters, timeouts and Services' budget and circuit breaker reach the Destination
/// API's messages intact, from manifests through the translator.</summary>
public sealed class ProtoMapperRouteTests
{
    private const string Manifests = """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: shop
          annotations: { retry.linnet.io/budget-ratio: "0.5", balancer.linkerd.io/failure-accrual-consecutive-max-failures: "3" }
        spec: { selector: { app: web }, ports: [ { port: 80 } ] }
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: shadow, namespace: shop, annotations: { balancer.linkerd.io/failure-accrual: disabled } }
        spec: { selector: { app: shadow }, ports: [ { port: 80 } ] }
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: web, namespace: shop }
        spec:
          parentRefs: [ { name: web } ]
          rules:
            - matches: [ { queryParams: [ { name: a, value: "1" }, { type: RegularExpression, name: b, value: "x.*" } ], method: PUT } ]
              backendRefs: [ { name: web } ]
              filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier: { set: [ { name: x-a, value: "1" } ], add: [ { name: x-b, value: "2" } ], remove: [ x-c ] }
                - type: ResponseHeaderModifier
                  responseHeaderModifier: { set: [ { name: x-d, value: "4" } ] }
                - type: RequestMirror
                  requestMirror: { backendRef: { name: shadow }, percent: 30 }
                - type: LinnetFaultInjection
                  faultInjection: { abort: { grpcStatus: unavailable, percent: 7.5 }, delay: { fixedDelay: 250ms, percent: 20 } }
                - type: LinnetRetry
                  retry: { limit: 2, on: [ 5xx, gateway-error, connect-failure ], statusCodes: [ 429 ], grpcCodes: [ unavailable ], retryNonIdempotent: true, maxBodyBytes: 0 }
              timeouts: { request: 3s, backendRequest: 500ms }
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: { name: grpc, namespace: shop }
        spec:
          parentRefs: [ { name: web } ]
          rules:
            - matches: [ { method: { service: pkg.Svc, method: Call } } ]
              backendRefs: [ { name: shadow } ]
        """;

    [Fact]
    public void ToProto_BackendRefFilters_OnThatBackendOnly()
    {
        const string Backends = "      backendRefs:\n"
            + "        - { name: web, weight: 9 }\n"
            + "        - name: shadow\n"
            + "          weight: 1\n"
            + "          filters:\n"
            + "            - type: ResponseHeaderModifier\n"
            + "              responseHeaderModifier: { add: [ { name: Set-Cookie, value: \"flagger-cookie=LpsIaLdoNZ; Max-Age=21600\" } ] }\n"
            + "            - type: RequestHeaderModifier\n"
            + "              requestHeaderModifier: { remove: [ x-debug ] }";
        var parsed = ManifestParser.Parse(Manifests.Replace("      backendRefs: [ { name: shadow } ]", Backends, StringComparison.Ordinal), "m.yaml");
        Assert.Empty(parsed.Errors);
        var view = MeshTranslator.Translate(new StoreSnapshot(1, parsed.Resources.ToDictionary(r => r.Key)));

        var web = ProtoMapper.ToProto(view.Services.Single(s => s.Key == "web.shop:80"), "shop");

        var backends = web.Routes.Single(r => r.Kind == Route.Types.Kind.Grpc).Rules.Single().Backends;
        Assert.Equal([("web.shop:80", 9), ("shadow.shop:80", 1)], backends.Select(b => (b.ServiceKey, b.Weight)));
        Assert.Null(backends[0].ResponseHeaders);
        Assert.Null(backends[0].RequestHeaders);
        Assert.Equal(["Set-Cookie=flagger-cookie=LpsIaLdoNZ; Max-Age=21600"], backends[1].ResponseHeaders.Add.Select(h => $"{h.Name}={h.Value}"));
        Assert.Empty(backends[1].ResponseHeaders.Set);
        Assert.Equal(["x-debug"], backends[1].RequestHeaders.Remove);
    }

    [Fact]
    public void ToProto_RouteWithEveryFeature_EveryFieldMapped()
    {
        var parsed = ManifestParser.Parse(Manifests, "m.yaml");
        Assert.Empty(parsed.Errors);
        var view = MeshTranslator.Translate(new StoreSnapshot(1, parsed.Resources.ToDictionary(r => r.Key)));

        var web = ProtoMapper.ToProto(view.Services.Single(s => s.Key == "web.shop:80"), "shop");
        var shadow = ProtoMapper.ToProto(view.Services.Single(s => s.Key == "shadow.shop:80"), "shop");

        Assert.Equal(new RetryBudget { Ratio = 0.5, MinRetriesPerSecond = 10, TtlMs = 10_000 }, web.RetryBudget);
        Assert.Equal(new CircuitBreaker { ConsecutiveFailures = 3, MinPenaltyMs = 1000, MaxPenaltyMs = 60_000, JitterRatio = 0.5 }, web.CircuitBreaker);
        Assert.True(shadow.CircuitBreaker.Disabled);
        Assert.Equal([Route.Types.Kind.Http, Route.Types.Kind.Grpc], web.Routes.Select(r => r.Kind));
        var rule = web.Routes[0].Rules.Single();
        var match = rule.Matches.Single();
        Assert.Equal("PUT", match.Method);
        Assert.Null(match.Path);
        Assert.Equal(
            [new QueryParamMatch { Type = QueryParamMatch.Types.Type.Exact, Name = "a", Value = "1" }, new QueryParamMatch { Type = QueryParamMatch.Types.Type.Regex, Name = "b", Value = "x.*" }],
            match.QueryParams);
        Assert.Equal(["x-a=1"], rule.RequestHeaders.Set.Select(h => $"{h.Name}={h.Value}"));
        Assert.Equal(["x-b=2"], rule.RequestHeaders.Add.Select(h => $"{h.Name}={h.Value}"));
        Assert.Equal(["x-c"], rule.RequestHeaders.Remove);
        Assert.Equal(["x-d=4"], rule.ResponseHeaders.Set.Select(h => $"{h.Name}={h.Value}"));
        Assert.Equal(new RouteMirror { ServiceKey = "shadow.shop:80", Percent = 30 }, rule.Mirror);
        Assert.Equal(new RouteFaultAbort { HttpStatus = 500, GrpcStatus = 14, Percent = 7.5 }, rule.Fault.Abort);
        Assert.Equal(new RouteFaultDelay { DelayMs = 250, Percent = 20 }, rule.Fault.Delay);
        Assert.Equal(
            new RouteRetry
            {
                Limit = 2,
                On = { RouteRetry.Types.Condition.ServerError, RouteRetry.Types.Condition.GatewayError, RouteRetry.Types.Condition.ConnectFailure },
                StatusCodes = { 429 },
                GrpcCodes = { 14 },
                RetryNonIdempotent = true,
                MaxBodyBytes = 0,
            },
            rule.Retry);
        Assert.Equal(new RouteTimeouts { RequestMs = 3000, BackendRequestMs = 500 }, rule.Timeouts);
        var grpcMatch = web.Routes[1].Rules[0].Matches.Single();
        Assert.Equal((PathMatch.Types.Type.Exact, "/pkg.Svc/Call", ""), (grpcMatch.Path.Type, grpcMatch.Path.Value, grpcMatch.Method));
    }
}
