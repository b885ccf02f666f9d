using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Core.Tests.Manifests;

/// <summary>HTTPRoute and GRPCRoute matches, filters and timeouts, and Services' traffic annotations: what is
/// accepted, what it reads as, and every rejection with its exact field path.</summary>
public sealed class RouteManifestTests
{
    public const string FullRoute = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: web, namespace: shop }
        spec:
          parentRefs: [ { name: web, port: 80 } ]
          rules:
            - matches:
                - path: { type: PathPrefix, value: /api }
                  queryParams:
                    - { name: tenant, value: acme }
                    - { type: RegularExpression, name: v, value: "[0-9]+" }
                  method: POST
              backendRefs: [ { name: web-v2, port: 80, weight: 1 } ]
              filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [ { name: x-route, value: canary } ]
                    add: [ { name: x-trace, value: "1" } ]
                    remove: [ x-internal ]
                - type: ResponseHeaderModifier
                  responseHeaderModifier: { remove: [ server ] }
                - type: RequestMirror
                  requestMirror: { backendRef: { name: web-shadow, port: 80 }, fraction: { numerator: 1, denominator: 8 } }
                - type: LinnetFaultInjection
                  faultInjection:
                    abort: { httpStatus: 503, grpcStatus: unavailable, percent: 2.5 }
                    delay: { fixedDelay: 100ms, percent: 10 }
                - type: LinnetRetry
                  retry: { limit: 3, on: [ 5xx, connect-failure ], statusCodes: [ 429 ], grpcCodes: [ UNAVAILABLE, 4 ], retryNonIdempotent: true, maxBodyBytes: 1024 }
              timeouts: { request: 1m30s, backendRequest: 2s }
            - backendRefs:
                - { name: web-v1, port: 80, weight: 9 }
                - name: web-v2
                  port: 80
                  weight: 1
                  filters:
                    - type: ResponseHeaderModifier
                      responseHeaderModifier: { add: [ { name: Set-Cookie, value: "flagger-cookie=LpsIaLdoNZ; Max-Age=21600" } ] }
                    - type: RequestHeaderModifier
                      requestHeaderModifier: { set: [ { name: x-version, value: v2 } ] }
              timeouts: { request: 0s }
        """;

    public const string GrpcRoute = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: { name: greeter, namespace: shop }
        spec:
          parentRefs: [ { name: greeter } ]
          rules:
            - matches:
                - method: { service: linnet.testing.Echo, method: Say }
                - method: { type: RegularExpression, method: "Ex.*" }
                  headers: [ { name: x-user, value: qa } ]
              backendRefs: [ { name: greeter-v2 } ]
              filters:
                - type: LinnetRetry
                  retry: { limit: 2 }
              timeouts: { request: 2s }
            - backendRefs: [ { name: greeter-v1 } ]
        """;

    public static TheoryData<string, string, string> InvalidRoutes => new()
    {
        { Rule("backendRefs: [ { name: a, weight: 0 }, { name: b, weight: 0 } ]"), "spec.rules[0].backendRefs", "every weight is 0: no request could be routed" },
        { Rule("backendRefs: [ { name: a, weight: -5 } ]"), "spec.rules[0].backendRefs[0].weight", "-5 is out of range 0..1000000" },
        { Rule("matches: [ { queryParams: [ { type: RegularExpression, name: q, value: \"(\" } ] } ]"), "spec.rules[0].matches[0].queryParams[0].value", "'(' is not a valid regular expression: " },
        { Rule("matches: [ { queryParams: [ { type: Prefix, name: q, value: a } ] } ]"), "spec.rules[0].matches[0].queryParams[0].type", "'Prefix' is not one of: Exact, RegularExpression" },
        { Rule("matches: [ { queryParams: [ { name: q, value: a }, { name: q, value: b } ] } ]"), "spec.rules[0].matches[0].queryParams[1].name", "'q' is matched twice in this match" },
        { Rule("matches: [ { queryParams: [ { name: q } ] } ]"), "spec.rules[0].matches[0].queryParams[0].value", "is required" },
        { Rule("matches: [ { method: get } ]"), "spec.rules[0].matches[0].method", "'get' is not one of: GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH" },
        { Rule("matches: [ { headers: [ { name: \"x user\", value: a } ] } ]"), "spec.rules[0].matches[0].headers[0].name", "'x user' is not a header name (an HTTP token: letters, digits and !#$%&'*+-.^_`|~)" },
        // A token rule written as a regex with '$' let a trailing newline through; the proxy would then drop the match.
        { Rule("matches: [ { headers: [ { name: \"x-user\\n\", value: a } ] } ]"), "spec.rules[0].matches[0].headers[0].name", "'x-user\n' is not a header name (an HTTP token: letters, digits and !#$%&'*+-.^_`|~)" },
        { Rule("matches: [ { headers: [ { type: RegularExpression, name: x, value: \"a)(\" } ] } ]"), "spec.rules[0].matches[0].headers[0].value", "'a)(' is not a valid regular expression: " },
        { Rule("filters: [ { type: ExtensionRef, extensionRef: { group: x, kind: y, name: z } } ]"), "spec.rules[0].filters[0].type", "'ExtensionRef' is not supported (supported: RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, URLRewrite, RequestRedirect, LinnetFaultInjection, LinnetRetry)" },
        { Grpc("filters: [ { type: RequestRedirect, requestRedirect: { statusCode: 301 } } ]"), "spec.rules[0].filters[0].type", "'RequestRedirect' is not supported (supported: RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, LinnetFaultInjection, LinnetRetry)" },
        { Rule("filters: [ { type: LinnetRetry } ]"), "spec.rules[0].filters[0].retry", "is required for type LinnetRetry" },
        { Rule("backendRefs: [ { name: a, filters: [ { type: LinnetRetry, retry: { limit: 1 } } ] } ]"), "spec.rules[0].backendRefs[0].filters[0].type", "'LinnetRetry' is not supported on a backendRef (the proxy applies these per backend; put other filters on the rule) (supported: RequestHeaderModifier, ResponseHeaderModifier)" },
        { Grpc("backendRefs: [ { name: a, filters: [ { type: RequestMirror, requestMirror: { backendRef: { name: m } } } ] } ]"), "spec.rules[0].backendRefs[0].filters[0].type", "'RequestMirror' is not supported on a backendRef (the proxy applies these per backend; put other filters on the rule) (supported: RequestHeaderModifier, ResponseHeaderModifier)" },
        { Rule("backendRefs: [ { name: a, filters: [ { type: ResponseHeaderModifier, responseHeaderModifier: { add: [ { name: Set-Cookie, value: \"a=b\\r\\nx: y\" } ] } } ] } ]"), "spec.rules[0].backendRefs[0].filters[0].responseHeaderModifier.add[0].value", "must not contain CR, LF or NUL" },
        { Rule("filters: [ { type: RequestMirror, requestMirror: { backendRef: { name: m, filters: [] } } } ]"), "spec.rules[0].filters[0].requestMirror.backendRef.filters", "unknown field (known: name, kind, group, namespace, port)" },
        { Rule("filters: [ { type: LinnetRetry, retry: { limit: 1 } }, { type: LinnetRetry, retry: { limit: 2 } } ]"), "spec.rules[0].filters[1].type", "LinnetRetry is already filters[0]: at most one of each type per rule" },
        { Rule("filters: [ { type: RequestHeaderModifier, requestHeaderModifier: { set: [ { name: \"x:y\", value: a } ] } } ]"), "spec.rules[0].filters[0].requestHeaderModifier.set[0].name", "'x:y' is not a header name (an HTTP token: letters, digits and !#$%&'*+-.^_`|~)" },
        { Rule("filters: [ { type: RequestHeaderModifier, requestHeaderModifier: { add: [ { name: a, value: \"x\\ny\" } ] } } ]"), "spec.rules[0].filters[0].requestHeaderModifier.add[0].value", "must not contain CR, LF or NUL" },
        { Rule("filters: [ { type: ResponseHeaderModifier, responseHeaderModifier: { remove: [ \"bad header\" ] } } ]"), "spec.rules[0].filters[0].responseHeaderModifier.remove[0]", "'bad header' is not a header name (an HTTP token: letters, digits and !#$%&'*+-.^_`|~)" },
        { Rule("filters: [ { type: RequestMirror, requestMirror: { backendRef: { name: m }, percent: 150 } } ]"), "spec.rules[0].filters[0].requestMirror.percent", "150 is out of range 0..100" },
        { Rule("filters: [ { type: RequestMirror, requestMirror: { backendRef: { name: m }, fraction: { numerator: 3, denominator: 2 } } } ]"), "spec.rules[0].filters[0].requestMirror.fraction.numerator", "3 is more than the denominator 2" },
        { Rule("filters: [ { type: RequestMirror, requestMirror: { percent: 5 } } ]"), "spec.rules[0].filters[0].requestMirror.backendRef", "is required" },
        { Rule("filters: [ { type: LinnetFaultInjection, faultInjection: { abort: { httpStatus: 503, percent: 150 } } } ]"), "spec.rules[0].filters[0].faultInjection.abort.percent", "150 is out of range 0..100" },
        { Rule("filters: [ { type: LinnetFaultInjection, faultInjection: { abort: { httpStatus: 100 } } } ]"), "spec.rules[0].filters[0].faultInjection.abort.httpStatus", "100 is out of range 200..599" },
        { Rule("filters: [ { type: LinnetFaultInjection, faultInjection: { abort: { grpcStatus: broken } } } ]"), "spec.rules[0].filters[0].faultInjection.abort.grpcStatus", "'broken' is not a gRPC status code 1..16 or one of: cancelled, unknown, invalid-argument, deadline-exceeded, not-found, already-exists, permission-denied, resource-exhausted, failed-precondition, aborted, out-of-range, unimplemented, internal, unavailable, data-loss, unauthenticated" },
        { Rule("filters: [ { type: LinnetFaultInjection, faultInjection: { abort: { percent: 5 } } } ]"), "spec.rules[0].filters[0].faultInjection.abort", "needs httpStatus, grpcStatus or both" },
        { Rule("filters: [ { type: LinnetFaultInjection, faultInjection: { delay: { fixedDelay: -1s } } } ]"), "spec.rules[0].filters[0].faultInjection.delay.fixedDelay", "'-1s' is not a duration such as 500ms, 10s or 1m30s" },
        { Rule("filters: [ { type: LinnetFaultInjection, faultInjection: { delay: { percent: 5 } } } ]"), "spec.rules[0].filters[0].faultInjection.delay.fixedDelay", "is required" },
        { Rule("filters: [ { type: LinnetFaultInjection, faultInjection: {} } ]"), "spec.rules[0].filters[0].faultInjection", "needs abort, delay or both" },
        { Rule("filters: [ { type: LinnetRetry, retry: { limit: -1 } } ]"), "spec.rules[0].filters[0].retry.limit", "-1 is out of range 0..100" },
        { Rule("filters: [ { type: LinnetRetry, retry: { on: [ 5xx, 4xx ] } } ]"), "spec.rules[0].filters[0].retry.on[1]", "'4xx' is not one of: 5xx, gateway-error, connect-failure" },
        { Rule("filters: [ { type: LinnetRetry, retry: { statusCodes: [ 503, 600 ] } } ]"), "spec.rules[0].filters[0].retry.statusCodes[1]", "'600' is not an HTTP status 100..599" },
        { Rule("filters: [ { type: LinnetRetry, retry: { grpcCodes: [ unavailable, ok ] } } ]"), "spec.rules[0].filters[0].retry.grpcCodes[1]", "'ok' is not a gRPC status code 1..16 or one of: cancelled, unknown, invalid-argument, deadline-exceeded, not-found, already-exists, permission-denied, resource-exhausted, failed-precondition, aborted, out-of-range, unimplemented, internal, unavailable, data-loss, unauthenticated" },
        { Rule("filters: [ { type: LinnetRetry, retry: { maxBodyBytes: -1 } } ]"), "spec.rules[0].filters[0].retry.maxBodyBytes", "-1 is out of range 0..2147483647" },
        { Rule("timeouts: { request: 10 }"), "spec.rules[0].timeouts.request", "'10' is not a duration such as 500ms, 10s or 1m30s" },
        { Rule("timeouts: { request: 1s, backendRequest: 2s }"), "spec.rules[0].timeouts.backendRequest", "2s is longer than the request timeout 1s" },
        { Rule("timeouts: { idle: 1s }"), "spec.rules[0].timeouts.idle", "unknown field (known: request, backendRequest)" },
        { Grpc("matches: [ { method: { type: Exact } } ]"), "spec.rules[0].matches[0].method", "must name a service, a method or both" },
        { Grpc("matches: [ { method: { type: RegularExpression, service: \"[\" } } ]"), "spec.rules[0].matches[0].method.service", "'[' is not a valid regular expression: " },
        { Grpc("matches: [ { method: { method: \"Say/Hi\" } } ]"), "spec.rules[0].matches[0].method.method", "'Say/Hi' is not a gRPC method name" },
        { Grpc("matches: [ { method: { service: \"pkg/Svc\" } } ]"), "spec.rules[0].matches[0].method.service", "'pkg/Svc' is not a gRPC service name such as pkg.Service" },
        { Grpc("matches: [ { method: { type: Prefix, service: a } } ]"), "spec.rules[0].matches[0].method.type", "'Prefix' is not one of: Exact, RegularExpression" },
        { Grpc("matches: [ { path: { value: / } } ]"), "spec.rules[0].matches[0].path", "unknown field (known: method, headers)" },
        { Annotated("balancer.linkerd.io/failure-accrual: always"), "metadata.annotations[balancer.linkerd.io/failure-accrual]", "'always' is not one of: consecutive, disabled" },
        { Annotated("balancer.linkerd.io/failure-accrual-consecutive-max-failures: \"0\""), "metadata.annotations[balancer.linkerd.io/failure-accrual-consecutive-max-failures]", "0 is out of range 1..1000" },
        { Annotated("balancer.linkerd.io/failure-accrual-consecutive-min-penalty: soon"), "metadata.annotations[balancer.linkerd.io/failure-accrual-consecutive-min-penalty]", "'soon' is not a duration with a unit, such as 300ms, 5s or 1m" },
        { Annotated("balancer.linkerd.io/failure-accrual-consecutive-max-penalty: 500ms"), "metadata.annotations[balancer.linkerd.io/failure-accrual-consecutive-max-penalty]", "the maximum penalty 500ms is shorter than the minimum 1s" },
        { Annotated("balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio: \"1.5\""), "metadata.annotations[balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio]", "1.5 is out of range 0..1" },
        { Annotated("retry.linnet.io/budget-ratio: lots"), "metadata.annotations[retry.linnet.io/budget-ratio]", "'lots' is not a number" },
        { Annotated("retry.linnet.io/budget-min-retries-per-second: \"2.5\""), "metadata.annotations[retry.linnet.io/budget-min-retries-per-second]", "'2.5' is not a whole number" },
        { Annotated("retry.linnet.io/budget-ttl: 5m"), "metadata.annotations[retry.linnet.io/budget-ttl]", "'5m' is out of range 1s..60s" },
    };

    [Theory]
    [MemberData(nameof(InvalidRoutes))]
    public void Parse_InvalidRouteField_RejectedWithPathAndReason(string yaml, string path, string reason)
    {
        var result = ManifestParser.Parse(yaml, "bad.yaml");

        Assert.Empty(result.Resources);
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        if (reason.EndsWith(": ", StringComparison.Ordinal))
        {
            Assert.StartsWith(reason, error.Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(reason, error.Reason);
        }
    }

    [Fact]
    public void Parse_InvalidRouteAmongValid_NothingAndEveryError()
    {
        var good = Doc("v1", "Service", "spec: { ports: [ { port: 80 } ] }");
        var bad = Rule("matches: [ { path: { type: RegularExpression, value: \"/a(\" } } ]\n      backendRefs: [ { name: a, weight: 0 } ]\n      filters: [ { type: RequestMirror, requestMirror: { backendRef: { name: m }, percent: 150 } } ]");

        var result = ManifestParser.Parse($"{good}---\n{bad}", "mixed.yaml");

        Assert.Empty(result.Resources);
        Assert.Equal(
            ["spec.rules[0].matches[0].path.value", "spec.rules[0].backendRefs", "spec.rules[0].filters[0].requestMirror.percent"],
            result.Errors.Select(e => e.Path));
        Assert.All(result.Errors, e => Assert.Equal((2, "HTTPRoute/web"), (e.Document, e.Resource)));
    }

    [Fact]
    public void Parse_RegexThatEscapesTheAnchoringGroup_Rejected()
    {
        // The proxy compiles "\A(?:pattern)\z", where "a)|(b" is valid but no longer anchored: it must not get through.
        var result = ManifestParser.Parse(Rule("matches: [ { path: { type: RegularExpression, value: \"a)|(b\" } } ]"), "bad.yaml");

        Assert.Equal("spec.rules[0].matches[0].path.value", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Parse_FullHttpRoute_ReadsEveryField()
    {
        var route = Assert.IsType<HttpRouteResource>(Assert.Single(Parsed(FullRoute)));

        var rule = route.Spec.Rules[0];
        var match = Assert.Single(rule.Matches);
        Assert.Equal([new QueryParamMatch("Exact", "tenant", "acme"), new QueryParamMatch("RegularExpression", "v", "[0-9]+")], match.QueryParams);
        Assert.Equal("POST", match.Method);
        Assert.Equal(new HeaderModifier([new HeaderValue("x-route", "canary")], [new HeaderValue("x-trace", "1")], ["x-internal"]), rule.Filters.RequestHeaderModifier);
        Assert.Equal(new HeaderModifier([], [], ["server"]), rule.Filters.ResponseHeaderModifier);
        Assert.Equal(new RequestMirror(new BackendRef("web-shadow", "shop", 80, 1), 12.5), rule.Filters.RequestMirror);
        Assert.Equal(new FaultInjection(new FaultAbort(503, 14, 2.5), new FaultDelay(TimeSpan.FromMilliseconds(100), 10)), rule.Filters.FaultInjection);
        Assert.Equal(new RetryPolicy(3, ["5xx", "connect-failure"], [429], [14, 4], true, 1024), rule.Filters.Retry);
        Assert.Equal(new RouteTimeouts(TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(2)), rule.Timeouts);
        Assert.Equal(RouteFilters.None, route.Spec.Rules[1].Filters);
        Assert.Null(route.Spec.Rules[1].Timeouts);

        // Gateway API per-backendRef filters: on that backend only.
        var backends = route.Spec.Rules[1].BackendRefs;
        Assert.Equal(RouteFilters.None, backends[0].Filters);
        Assert.Equal(new HeaderModifier([], [new HeaderValue("Set-Cookie", "flagger-cookie=LpsIaLdoNZ; Max-Age=21600")], []), backends[1].Filters.ResponseHeaderModifier);
        Assert.Equal(new HeaderModifier([new HeaderValue("x-version", "v2")], [], []), backends[1].Filters.RequestHeaderModifier);
    }

    [Fact]
    public void Parse_GrpcRoute_ReadsMethodMatches()
    {
        var route = Assert.IsType<GrpcRouteResource>(Assert.Single(Parsed(GrpcRoute)));

        Assert.Equal(new ResourceKey("GRPCRoute", "shop", "greeter"), route.Key);
        var rule = route.Spec.Rules[0];
        Assert.Equal(new GrpcMethodMatch("Exact", "linnet.testing.Echo", "Say"), rule.Matches[0].Method);
        Assert.Equal(new GrpcMethodMatch("RegularExpression", null, "Ex.*"), rule.Matches[1].Method);
        Assert.Equal([new HeaderMatch("Exact", "x-user", "qa")], rule.Matches[1].Headers);
        Assert.Equal(new RetryPolicy(2, [], [], [], false, null), rule.Filters.Retry);
        Assert.Equal(new RouteTimeouts(TimeSpan.FromSeconds(2), null), rule.Timeouts);
    }

    [Fact]
    public void Read_ServiceAnnotations_PolicyOrDefaults()
    {
        var annotations = new Dictionary<string, string>
        {
            [ServiceTrafficPolicy.MaxFailures] = "3",
            [ServiceTrafficPolicy.MinPenalty] = "250ms",
            [ServiceTrafficPolicy.MaxPenalty] = "30s",
            [ServiceTrafficPolicy.JitterRatio] = "0",
            [ServiceTrafficPolicy.BudgetRatio] = "0.5",
            [ServiceTrafficPolicy.BudgetMinRetriesPerSecond] = "2",
            [ServiceTrafficPolicy.BudgetTtl] = "20s",
        };
        var errors = new List<string>();

        var (budget, breaker) = ServiceTrafficPolicy.Read(annotations, (name, reason) => errors.Add($"{name}: {reason}"));
        var (defaultBudget, defaultBreaker) = ServiceTrafficPolicy.Read(new Dictionary<string, string>(), (name, reason) => errors.Add(name));
        var (_, disabled) = ServiceTrafficPolicy.Read(new Dictionary<string, string> { [ServiceTrafficPolicy.FailureAccrual] = "disabled" }, (name, reason) => errors.Add(name));

        Assert.Empty(errors);
        Assert.Equal(new RetryBudgetPolicy(0.5, 2, TimeSpan.FromSeconds(20)), budget);
        Assert.Equal(new FailureAccrualPolicy(3, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30), 0), breaker);
        Assert.Equal(new RetryBudgetPolicy(0.2, 10, TimeSpan.FromSeconds(10)), defaultBudget);
        Assert.Equal(new FailureAccrualPolicy(7, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), 0.5), defaultBreaker);
        Assert.Null(disabled);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("10s", 10_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("0s", 0)]
    public void GoDuration_Valid_ParsesAndFormatsBack(string text, long ms)
    {
        Assert.True(GoDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), value);
        Assert.True(GoDuration.TryParse(GoDuration.Format(value), out var again));
        Assert.Equal(value, again);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("-1s")]
    [InlineData("1d")]
    [InlineData("s")]
    [InlineData("1s 2s")]
    public void GoDuration_Invalid_False(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Fact]
    public async Task ToJsonLine_RoutesWithEveryFeature_ParseBackEqual()
    {
        using var store = new InMemoryResourceStore();
        var resources = Parsed($"{FullRoute}\n---\n{GrpcRoute}\n---\n{Doc("v1", "Service", "spec: { ports: [ { port: 80 } ] }").Replace("metadata: { name: web }", "metadata: { name: web, annotations: { balancer.linkerd.io/failure-accrual: disabled } }", StringComparison.Ordinal)}");
        var committed = await store.CommitAsync(resources.Select(r => (StoreChange)new PutChange(r)).ToList(), TestContext.Current.CancellationToken);

        foreach (var stored in committed.Results)
        {
            var line = ResourceWriter.ToJsonLine(stored!);
            var reread = Assert.Single(ManifestParser.Parse(line, "store", ManifestOrigin.Store).Resources);

            Assert.True(stored!.ContentEquals(reread), $"{stored.Key} changed in the round trip: {line}");
        }

        Assert.Equal(3, committed.Results.Count);
    }

    [Fact]
    public void SpecEquals_DifferentFilter_NotEqual()
    {
        var a = (HttpRouteResource)Assert.Single(Parsed(FullRoute));
        var b = (HttpRouteResource)Assert.Single(Parsed(FullRoute.Replace("limit: 3", "limit: 4", StringComparison.Ordinal)));
        var c = (HttpRouteResource)Assert.Single(Parsed(FullRoute.Replace("request: 1m30s", "request: 1m31s", StringComparison.Ordinal)));

        Assert.True(a.SpecEquals((HttpRouteResource)Assert.Single(Parsed(FullRoute))));
        Assert.False(a.SpecEquals(b));
        Assert.False(a.SpecEquals(c));
    }

    private static IReadOnlyList<Resource> Parsed(string yaml)
    {
        var result = ManifestParser.Parse(yaml, "in.yaml");
        Assert.Empty(result.Errors);
        return result.Resources;
    }

    private static string Rule(string rule) =>
        Doc("gateway.networking.k8s.io/v1", "HTTPRoute", $"spec:\n  parentRefs: [ {{ name: web }} ]\n  rules:\n    - {rule}\n");

    private static string Grpc(string rule) =>
        Doc("gateway.networking.k8s.io/v1", "GRPCRoute", $"spec:\n  parentRefs: [ {{ name: web }} ]\n  rules:\n    - {rule}\n");

    private static string Annotated(string annotation) =>
        $"apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    {annotation}\nspec: {{ ports: [ {{ port: 80 }} ] }}\n";

    private static string Doc(string apiVersion, string kind, string rest) =>
        $"apiVersion: {apiVersion}\nkind: {kind}\nmetadata: {{ name: web }}\n{rest}\n";
}
