using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Tests.Manifests;

/// <summary>A Canary's <c>service</c> route settings (Flagger's CanaryService: timeout, backendTimeout, match, headers,
/// rewrite, mirror, gatewayRefs), read as Flagger's gatewayapi router reads them, or refused with the field's path.</summary>
public sealed class CanaryServiceManifestTests
{
    private const string Base = """
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: { name: podinfo, namespace: test }
        spec:
          provider: gatewayapi:v1
          targetRef: { apiVersion: apps/v1, kind: Deployment, name: podinfo }
          service:
            port: 9898
        #SERVICE#
          analysis:
            interval: 1m
            threshold: 5
        #ANALYSIS#
            metrics:
              - name: request-success-rate
                thresholdRange: { min: 99 }
        """;

    // The service block of Flagger's docs (docs/gitbook/usage/how-it-works.md, "Canary service"), in the shape its
    // gatewayapi router reads, with every field Linnet now honours.
    private const string FlaggerService = """
            gatewayRefs:
              - name: podinfo
                namespace: test
                group: core
                kind: Service
                port: 9898
            timeout: 15s
            backendTimeout: 5s
            retries:
              attempts: 3
              perTryTimeout: 2s
              retryOn: "gateway-error,connect-failure,503,unavailable"
            match:
              - uri:
                  prefix: /api
                method:
                  exact: GET
                headers:
                  x-user:
                    exact: insider
                  user-agent:
                    regex: ".*Firefox.*"
                queryParams:
                  debug:
                    exact: "1"
            headers:
              request:
                set:
                  x-b: two
                  x-a: one
                add:
                  x-tag: canary
                remove:
                  - x-drop
                  - x-also
              response:
                add:
                  x-served-by: podinfo
                remove:
                  - server
            rewrite:
              uri: /v2
              type: ReplacePrefixMatch
              authority: backend.example.com
            mirror:
              - backendRef:
                  name: podinfo-shadow
                  port: 9898
        """;

    private static ManifestParseResult Parse(string service, string analysis = "    maxWeight: 50\n    stepWeight: 10") =>
        ManifestParser.Parse(Base.Replace("#SERVICE#", service, StringComparison.Ordinal).Replace("#ANALYSIS#", analysis, StringComparison.Ordinal), "test.yaml");

    // The fragments are written at the depth of the service's and the analysis' fields (four spaces).
    private static string Errors(ManifestParseResult result) => string.Join("\n", result.Errors.Select(e => $"{e.Path}: {e.Reason}"));

    [Fact]
    public void Parse_FlaggersServiceBlock_EveryFieldReadAsFlaggersGatewayApiRouterReadsIt()
    {
        var result = Parse(FlaggerService);

        Assert.True(result.Errors.Count == 0, Errors(result));
        var service = Assert.IsType<CanaryResource>(result.Resources[0]).Spec.Service;

        // makeHTTPRouteTimeouts: timeout → timeouts.request, backendTimeout → timeouts.backendRequest.
        Assert.Equal(new RouteTimeouts(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5)), service.Timeouts);

        // mapRouteMatches: uri prefix → PathPrefix, method exact, headers and queryParams exact/regex.
        var match = Assert.Single(service.Match);
        Assert.Equal(new PathMatch("PathPrefix", "/api"), match.Path);
        Assert.Equal("GET", match.Method);
        Assert.Equal([new HeaderMatch("Exact", "x-user", "insider"), new HeaderMatch("RegularExpression", "user-agent", ".*Firefox.*")], match.Headers);
        Assert.Equal([new QueryParamMatch("Exact", "debug", "1")], match.QueryParams);

        // makeFilters: set and add sorted by name (sortFiltersV1), remove as listed.
        var request = service.Filters.RequestHeaderModifier!;
        Assert.Equal([new HeaderValue("x-a", "one"), new HeaderValue("x-b", "two")], request.Set);
        Assert.Equal([new HeaderValue("x-tag", "canary")], request.Add);
        Assert.Equal(["x-drop", "x-also"], request.Remove);
        var response = service.Filters.ResponseHeaderModifier!;
        Assert.Empty(response.Set);
        Assert.Equal([new HeaderValue("x-served-by", "podinfo")], response.Add);
        Assert.Equal(["server"], response.Remove);

        // rewrite: authority → hostname, uri with type ReplacePrefixMatch → ReplacePrefixMatch.
        Assert.Equal(new UrlRewrite("backend.example.com", new HttpPathModifier(HttpPathModifier.ReplacePrefixMatch, "/v2")), service.Filters.UrlRewrite);

        // toV1RequestMirrorFilter: the backendRef (every request is mirrored: Flagger copies no percent).
        Assert.Equal(new RequestMirror(new BackendRef("podinfo-shadow", null, 9898, 0), 100), service.Filters.RequestMirror);
        Assert.Equal([new ParentRef("podinfo", "test", 9898)], service.GatewayRefs);

        // retries (Istio's HTTPRetry): attempts → the retry limit, retryOn → conditions, statuses and gRPC statuses
        // (unavailable is gRPC's 14), any method retried as Envoy does; perTryTimeout → each attempt's timeout.
        Assert.Equal(new CanaryRetries(3, TimeSpan.FromSeconds(2), ["gateway-error", "connect-failure", "503", "unavailable"]), service.Retries);
        Assert.Equal(new RetryPolicy(3, ["gateway-error", "connect-failure"], [503], [14], RetryNonIdempotent: true, MaxBodyBytes: null), service.RuleFilters.Retry);
        Assert.Equal(new RouteTimeouts(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(2)), service.RuleTimeouts);
    }

    [Fact]
    public void Parse_PerTryTimeoutLongerThanBackendTimeout_EachAttemptEndsAtTheSooner()
    {
        var result = Parse("    backendTimeout: 1s\n    retries: { attempts: 2, perTryTimeout: 3s, retryOn: 5xx }");

        Assert.True(result.Errors.Count == 0, Errors(result));
        var service = ((CanaryResource)result.Resources[0]).Spec.Service;
        Assert.Equal(new RouteTimeouts(null, TimeSpan.FromSeconds(1)), service.RuleTimeouts);
        Assert.Equal(2, service.RuleFilters.Retry!.Limit);
    }

    [Fact]
    public void Parse_RewriteWithoutType_ReplacesTheFullPathAsFlaggersGetTypeDoes()
    {
        var result = Parse("    rewrite: { uri: /v2 }");

        Assert.True(result.Errors.Count == 0, Errors(result));
        Assert.Equal(new HttpPathModifier(HttpPathModifier.ReplaceFullPath, "/v2"), ((CanaryResource)result.Resources[0]).Spec.Service.Filters.UrlRewrite!.Path);
    }

    [Fact]
    public void Parse_EmptyMatchItem_LeftOutAsFlaggerLeavesItOut()
    {
        var result = Parse("    match: [{}]");

        Assert.True(result.Errors.Count == 0, Errors(result));
        Assert.Empty(((CanaryResource)result.Resources[0]).Spec.Service.Match);
    }

    [Fact]
    public void Parse_ABMatchWithQueryParams_Read()
    {
        var result = Parse("", "    iterations: 5\n    match:\n      - queryParams:\n          canary:\n            exact: \"yes\"");

        Assert.True(result.Errors.Count == 0, Errors(result));
        var match = Assert.Single(((CanaryResource)result.Resources[0]).Spec.Analysis.Match);
        Assert.Equal([new QueryParamMatch("Exact", "canary", "yes")], match.QueryParams);
    }

    [Theory]
    [InlineData("    timeout: 5x", "spec.service.timeout", "not a duration")]
    [InlineData("    primary: { annotations: { a: b } }", "spec.service.primary", "without labels or annotations")]
    [InlineData("    canary: { labels: { a: b } }", "spec.service.canary", "without labels or annotations")]
    [InlineData("    trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }", "spec.service.trafficPolicy", "Istio's DestinationRule")]
    [InlineData("    backends: [a]", "spec.service.backends", "not the gatewayapi router")]
    [InlineData("    delegation: { name: a }", "spec.service.delegation", "delegation")]
    [InlineData("    sessionAffinity: { cookieName: a }", "spec.service.sessionAffinity", "analysis.sessionAffinity")]
    [InlineData("    gatewayRefs: [{ name: podinfo, group: core, kind: Service, sectionName: http }]", "spec.service.gatewayRefs[0].sectionName", "attached by port")]
    [InlineData("    match:\n      - headers: [x-a]", "spec.service.match[0].headers", "must be a mapping")]
    [InlineData("    match:\n      - queryParams: { qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq: { exact: a } }", "spec.service.match[0].queryParams.qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", "1 to 256 characters")]
    [InlineData("    match:\n      - uri: { contains: /a }", "spec.service.match[0].uri.contains", "unknown field")]
    [InlineData("    match:\n      - uri: { contains: /a }", "spec.service.match[0].uri", "exactly one")]
    [InlineData("    headers: { request: { remove: ['x a'] } }", "spec.service.headers.request.remove[0]", "not a header name")]
    [InlineData("    mirror:\n      - { percent: 10 }", "spec.service.mirror[0].backendRef", "required")]
    [InlineData("    mirror:\n      - backendRef: { name: Shadow, port: 80 }", "spec.service.mirror[0].backendRef.name", "DNS label")]
    [InlineData("    mirror:\n      - backendRef: { name: shadow, namespace: 'a.b', port: 80 }", "spec.service.mirror[0].backendRef.namespace", "DNS label")]
    [InlineData("    retries: { attempts: 3, perTryTimeout: 1s }", "spec.service.retries.retryOn", "is required")]
    [InlineData("    retries: { attempts: 3, perTryTimeout: 1s, retryOn: 'gateway-error,refused-stream' }", "spec.service.retries.retryOn", "refused HTTP/2 stream")]
    [InlineData("    retries: { attempts: 3, retryOn: retriable-4xx }", "spec.service.retries.retryOn", "list the 4xx statuses")]
    [InlineData("    retries: { attempts: 3, retryOn: '5xx,700' }", "spec.service.retries.retryOn", "'700' is not a condition")]
    [InlineData("    retries: { attempts: 3, retryOn: ' , ' }", "spec.service.retries.retryOn", "at least one")]
    [InlineData("    retries: { attempts: 101, retryOn: 5xx }", "spec.service.retries.attempts", "")]
    [InlineData("    retries: { retryOn: 5xx }", "spec.service.retries.attempts", "required")]
    [InlineData("    retries: { attempts: 1, retryOn: 5xx, perTryTimeout: 0s }", "spec.service.retries.perTryTimeout", "at least 1ms")]
    [InlineData("    retries: { attempts: 1, retryOn: 5xx, perTryTimeout: 1.5s }", "spec.service.retries.perTryTimeout", "not a duration")]
    [InlineData("    timeout: 1s\n    retries: { attempts: 1, retryOn: 5xx, perTryTimeout: 2s }", "spec.service.retries.perTryTimeout", "longer than service.timeout")]
    [InlineData("    retries: { attempts: 1, retryOn: 5xx, retryRemoteLocalities: true }", "spec.service.retries.retryRemoteLocalities", "unknown field")]
    [InlineData("    timeout: 5s\n    backendTimeout: 10s", "spec.service.backendTimeout", "longer than the request timeout")]
    [InlineData("    match:\n      - uri: { suffix: .js }", "spec.service.match[0].uri.suffix", "no suffix path match")]
    [InlineData("    match:\n      - uri: { exact: api }", "spec.service.match[0].uri.exact", "must start with '/'")]
    [InlineData("    match:\n      - uri: { regex: '(' }", "spec.service.match[0].uri.regex", "")]
    [InlineData("    match:\n      - uri: { exact: /a, prefix: /b }", "spec.service.match[0].uri", "exactly one")]
    [InlineData("    match:\n      - uri: { prefix: '' }", "spec.service.match[0].uri.prefix", "must not be empty")]
    [InlineData("    match:\n      - method: { prefix: G }", "spec.service.match[0].method.prefix", "matches a method exactly")]
    [InlineData("    match:\n      - method: { exact: FETCH }", "spec.service.match[0].method.exact", "is not one of")]
    [InlineData("    match:\n      - headers: { x-a: { prefix: b } }", "spec.service.match[0].headers.x-a.prefix", "exactly or by regular expression")]
    [InlineData("    match:\n      - headers: { x-a: { regex: '(' } }", "spec.service.match[0].headers.x-a.regex", "")]
    [InlineData("    match:\n      - headers: { 'x a': { exact: b } }", "spec.service.match[0].headers.x a", "not a header name")]
    [InlineData("    match:\n      - headers: { x-a: { exact: b }, X-A: { exact: c } }", "spec.service.match[0].headers.X-A", "matched twice")]
    [InlineData("    match:\n      - queryParams: { v: { suffix: b } }", "spec.service.match[0].queryParams.v.suffix", "exactly or by regular expression")]
    [InlineData("    match:\n      - scheme: { exact: https }", "spec.service.match[0].scheme", "drops it")]
    [InlineData("    match:\n      - withoutHeaders: { x-a: { exact: b } }", "spec.service.match[0].withoutHeaders", "drops it")]
    [InlineData("    headers: { request: { append: { x-a: b } } }", "spec.service.headers.request.append", "unknown field")]
    [InlineData("    headers: { body: { set: { x-a: b } } }", "spec.service.headers.body", "unknown field")]
    [InlineData("    headers: { request: { set: { x-a: \"b\\r\\nx-b: c\" } } }", "spec.service.headers.request.set.x-a", "CR, LF or NUL")]
    [InlineData("    headers: { response: { add: { 'x(a': b } } }", "spec.service.headers.response.add.x(a", "not a header name")]
    [InlineData("    headers: { request: { set: { x-a: b, X-A: c } } }", "spec.service.headers.request.set.X-A", "given twice")]
    [InlineData("    headers: { request: { remove: [x-a, X-A] } }", "spec.service.headers.request.remove[1]", "listed twice")]
    [InlineData("    rewrite: { uri: /v2, type: ReplaceEverything }", "spec.service.rewrite.type", "is not one of")]
    [InlineData("    rewrite: {}", "spec.service.rewrite", "needs uri, authority or both")]
    [InlineData("    rewrite: { authority: 'backend:8080' }", "spec.service.rewrite.authority", "no port")]
    [InlineData("    rewrite: { uri: v2 }", "spec.service.rewrite.uri", "not an absolute path")]
    [InlineData("    match:\n      - uri: { exact: /a }\n    rewrite: { uri: /v2, type: ReplacePrefixMatch }", "spec.service.rewrite.type", "uri prefix")]
    [InlineData("    match:\n      - uri: { prefix: /a }\n      - uri: { prefix: /b }\n    rewrite: { uri: /v2, type: ReplacePrefixMatch }", "spec.service.rewrite.type", "at most one match")]
    [InlineData("    mirror:\n      - backendRef: { name: a, port: 80 }\n      - backendRef: { name: b, port: 80 }", "spec.service.mirror[1]", "one mirror too many")]
    [InlineData("    mirror:\n      - backendRef: { name: a, port: 80, kind: Gateway, group: gateway.networking.k8s.io }", "spec.service.mirror[0].backendRef.kind", "mirrors to Services")]
    [InlineData("    mirror:\n      - backendRef: { name: a }", "spec.service.mirror[0].backendRef.port", "required")]
    [InlineData("    mirror:\n      - backendRef: { name: a, port: 80 }\n        percent: 10", "spec.service.mirror[0].percent", "unknown field")]
    [InlineData("    gatewayRefs: [{ name: podinfo, group: core, kind: Service, namespace: other }]", "spec.service.gatewayRefs[0].namespace", "Canary's namespace")]
    [InlineData("    gatewayRefs: [{ name: web, group: core, kind: Service }]", "spec.service.gatewayRefs[0].name", "not the apex Service")]
    [InlineData("    gatewayRefs: [{ name: podinfo, group: core, kind: Service, port: 80 }]", "spec.service.gatewayRefs[0].port", "apex Service's port")]
    public void Parse_BadServiceRouteField_RefusedWithPathAndReason(string service, string path, string reason)
    {
        var result = Parse(service);

        Assert.Empty(result.Resources);
        Assert.True(result.Errors.Any(e => e.Path == path && e.Reason.Contains(reason, StringComparison.Ordinal)), Errors(result));
    }

    [Theory]
    [InlineData("    mirror:\n      - backendRef: { name: a, port: 80 }", "    iterations: 5\n    mirror: true", "spec.service.mirror", "analysis.mirror")]
    [InlineData("    headers: { response: { set: { set-cookie: a=b } } }", "    stepWeight: 10\n    sessionAffinity: { cookieName: c }", "spec.service.headers.response", "Set-Cookie")]
    [InlineData("    rewrite: { uri: /v2, type: ReplacePrefixMatch }", "    iterations: 5\n    match:\n      - headers: { a: { exact: b } }\n      - headers: { c: { exact: d } }", "spec.service.rewrite.type", "one analysis.match item")]
    [InlineData("", "    iterations: 5\n    match:\n      - uri: { prefix: /a }\n        headers: { a: { exact: b } }", "spec.analysis.match[0].uri", "put it in service.match")]
    [InlineData("", "    iterations: 5\n    match:\n      - method: { exact: GET }\n        headers: { a: { exact: b } }", "spec.analysis.match[0].method", "put it in service.match")]
    [InlineData("", "    iterations: 5\n    match:\n      - {}", "spec.analysis.match[0].headers", "or queryParams")]
    [InlineData("", "    iterations: 5\n    match:\n      - headers: { a: { exact: b } }\n        scheme: { exact: https }", "spec.analysis.match[0].scheme", "drops it")]
    public void Parse_ServiceFieldAgainstAnalysis_RefusedWithPathAndReason(string service, string analysis, string path, string reason)
    {
        var result = Parse(service, analysis);

        Assert.Empty(result.Resources);
        Assert.True(result.Errors.Any(e => e.Path == path && e.Reason.Contains(reason, StringComparison.Ordinal)), Errors(result));
    }

    [Fact]
    public void Write_EveryServiceRouteField_RoundTripsThroughTheStoreForm()
    {
        var canary = (CanaryResource)Parse(FlaggerService).Resources[0];
        var ab = (CanaryResource)Parse("    timeout: 2s", "    iterations: 5\n    match:\n      - headers: { x-canary: { prefix: in } }\n        queryParams: { v: { regex: '[0-9]+' } }").Resources[0];

        foreach (var original in new[] { canary, ab })
        {
            var json = ResourceWriter.ToJsonLine(original);
            var reread = ManifestParser.Parse(json, "store", ManifestOrigin.Store);

            Assert.True(reread.Errors.Count == 0, Errors(reread) + "\n" + json);
            var back = Assert.IsType<CanaryResource>(reread.Resources[0]);
            Assert.True(original.ContentEquals(back), json);
        }
    }

    [Fact]
    public void Write_ChangedServiceRouteField_IsAnotherSpec()
    {
        var canary = (CanaryResource)Parse(FlaggerService).Resources[0];
        var changed = (CanaryResource)Parse(FlaggerService.Replace("timeout: 15s", "timeout: 16s", StringComparison.Ordinal)).Resources[0];

        Assert.False(canary.SpecEquals(changed));
    }
}
