using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Tests.Configuration;

/// <summary>Routes, retry budgets and circuit breakers in the static config file.</summary>
public sealed class ConfigFileRouteTests
{
    private const string Full = """
        services:
          - key: "web:80"
            port: 80
            retryBudget: { ratio: 0.5, minRetriesPerSecond: 3, ttlMs: 20000 }
            circuitBreaker: { consecutiveFailures: 4, minPenaltyMs: 500, maxPenaltyMs: 30000, jitterRatio: 0.1 }
            routes:
              - name: web-canary
                rules:
                  - matches:
                      - path: { type: TYPE_PREFIX, value: /api }
                        headers: [ { name: x-canary, value: "yes" }, { type: TYPE_REGEX, name: x-user, value: "qa-.*" } ]
                        queryParams: [ { name: tenant, value: acme } ]
                        method: POST
                    backends: [ { serviceKey: "web-v2:80", weight: 10 }, { serviceKey: "web-v1:80", weight: 90 } ]
                    requestHeaders: { set: [ { name: x-a, value: "1" } ], add: [ { name: x-b, value: "2" } ], remove: [ x-c ] }
                    responseHeaders: { remove: [ server ] }
                    timeouts: { requestMs: 10000, backendRequestMs: 2000, idleMs: 30000 }
                    fault: { abort: { httpStatus: 503, grpcStatus: 14, percent: 2.5 }, delay: { delayMs: 100, percent: 10 } }
                    retry: { limit: 3, on: [ CONDITION_SERVER_ERROR, CONDITION_CONNECT_FAILURE ], statusCodes: [ 429 ], grpcCodes: [ 14 ], retryNonIdempotent: true, maxBodyBytes: 1024 }
                    mirror: { serviceKey: "web-v2:80", percent: 5 }
                  - backends: [ { serviceKey: "web-v1:80", weight: 1 } ]
              - name: grpc
                kind: KIND_GRPC
                rules:
                  - matches: [ { path: { type: TYPE_EXACT, value: /pkg.Svc/Call } } ]
                    backends: [ { serviceKey: "web-v2:80", weight: 1 } ]
                    retry: {}
          - { key: "web-v1:80", port: 80, circuitBreaker: { disabled: true }, endpoints: [ { address: 127.0.0.1, port: 9001, weight: 1 } ] }
          - { key: "web-v2:80", port: 80, endpoints: [ { address: 127.0.0.1, port: 9002, weight: 1 } ] }
        """;

    [Fact]
    public void Parse_RouteWithEveryFeature_FillsEveryRecord()
    {
        var (_, services) = ConfigFileLoader.Parse(Full, "routes.yaml");

        var web = services[0];
        Assert.Equal(new RetryBudgetConfig(0.5, 3, TimeSpan.FromSeconds(20)), web.RetryBudget);
        Assert.Equal(new CircuitBreakerConfig(4, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), 0.1), web.CircuitBreaker);
        Assert.Null(services[1].CircuitBreaker);
        Assert.Same(RetryBudgetConfig.Default, services[2].RetryBudget);
        Assert.Same(CircuitBreakerConfig.Default, services[2].CircuitBreaker);
        Assert.Equal(("web-canary", RouteConfig.HttpKind, "grpc", RouteConfig.GrpcKind), (web.Routes[0].Name, web.Routes[0].Kind, web.Routes[1].Name, web.Routes[1].Kind));
        var rule = web.Routes[0].Rules[0];
        var match = Assert.Single(rule.Matches);
        Assert.Equal(new PathMatchConfig(PathMatchType.Prefix, "/api"), match.Path);
        Assert.Equal([new HeaderMatchConfig(HeaderMatchType.Exact, "x-canary", "yes"), new HeaderMatchConfig(HeaderMatchType.Regex, "x-user", "qa-.*")], match.Headers);
        Assert.Equal([new QueryParamMatchConfig(HeaderMatchType.Exact, "tenant", "acme")], match.QueryParams);
        Assert.Equal("POST", match.Method);
        Assert.Equal([new RouteBackendConfig("web-v2:80", 10), new RouteBackendConfig("web-v1:80", 90)], rule.Backends);
        Assert.Equal([new HeaderValueConfig("x-a", "1")], rule.RequestHeaders!.Set);
        Assert.Equal([new HeaderValueConfig("x-b", "2")], rule.RequestHeaders.Add);
        Assert.Equal(["x-c"], rule.RequestHeaders.Remove);
        Assert.Equal(["server"], rule.ResponseHeaders!.Remove);
        Assert.Equal(new RouteTimeoutsConfig(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30)), rule.Timeouts);
        Assert.Equal(new FaultConfig(new FaultAbortConfig(503, 14, 2.5), new FaultDelayConfig(TimeSpan.FromMilliseconds(100), 10)), rule.Fault);
        Assert.Equal((3, RetryConditions.ServerError | RetryConditions.ConnectFailure, true, 1024), (rule.Retry!.Limit, rule.Retry.On, rule.Retry.RetryNonIdempotent, rule.Retry.MaxBodyBytes));
        Assert.Equal([429], rule.Retry.StatusCodes);
        Assert.Equal([14], rule.Retry.GrpcCodes);
        Assert.Equal(new MirrorConfig("web-v2:80", 5), rule.Mirror);
        var grpcRetry = web.Routes[1].Rules[0].Retry!;
        Assert.Equal((1, RetryConditions.None, RetryConfig.DefaultMaxBodyBytes), (grpcRetry.Limit, grpcRetry.On, grpcRetry.MaxBodyBytes));
    }

    [Theory]
    [InlineData("backends: [ { serviceKey: 'b:80', weight: 0 } ]", "services[0].routes[0].rules[0].backends", "every weight is 0")]
    [InlineData("backends: [ { serviceKey: 'nope:80', weight: 1 } ]", "services[0].routes[0].rules[0].backends[0].serviceKey", "'nope:80' is not the key of a service of this file")]
    [InlineData("mirror: { serviceKey: 'b:80', percent: 150 }", "services[0].routes[0].rules[0].mirror", "percent 150 (0..100) is unusable")]
    [InlineData("mirror: { serviceKey: 'nope:80', percent: 5 }", "services[0].routes[0].rules[0].mirror.serviceKey", "'nope:80' is not the key of a service of this file")]
    [InlineData("matches: [ { path: { type: TYPE_REGEX, value: '/a(' } } ]", "services[0].routes[0].rules[0].matches[0].path.value", "not a valid regular expression")]
    [InlineData("matches: [ { path: { type: TYPE_REGEX, value: 'a)|(b' } } ]", "services[0].routes[0].rules[0].matches[0].path.value", "not a valid regular expression")]
    [InlineData("matches: [ { path: { value: 'api' } } ]", "services[0].routes[0].rules[0].matches[0].path.value", "'api' must start with '/'")]
    [InlineData("matches: [ { queryParams: [ { type: TYPE_REGEX, name: q, value: '[' } ] } ]", "services[0].routes[0].rules[0].matches[0].queryParams[0].value", "not a valid regular expression")]
    [InlineData("matches: [ { headers: [ { name: 'x y', value: a } ] } ]", "services[0].routes[0].rules[0].matches[0].headers[0].name", "not a header name")]
    [InlineData("matches: [ { headers: [ { type: TYPE_REGEX, name: x, value: '(' } ] } ]", "services[0].routes[0].rules[0].matches[0].headers[0].value", "not a valid regular expression")]
    [InlineData("matches: [ { method: 'GE T' } ]", "services[0].routes[0].rules[0].matches[0].method", "'GE T' is not a method")]
    [InlineData("matches: [ { path: { type: PathPrefix, value: /a } } ]", "services[0].routes[0].rules[0].matches[0].path.type", "'PathPrefix' is not one of: TYPE_PREFIX, TYPE_EXACT, TYPE_REGEX")]
    [InlineData("requestHeaders: { set: [ { name: 'x y', value: a } ] }", "services[0].routes[0].rules[0].requestHeaders.set[0]", "header 'x y' has an invalid name or value")]
    [InlineData("fault: { abort: { httpStatus: 100 } }", "services[0].routes[0].rules[0].fault.abort", "httpStatus 100 (200..599)")]
    [InlineData("fault: { abort: { grpcStatus: 17 } }", "services[0].routes[0].rules[0].fault.abort", "grpcStatus 17 (1..16)")]
    [InlineData("fault: { abort: { grpcStatus: unavailable } }", "services[0].routes[0].rules[0].fault.abort.grpcStatus", "'unavailable' is not a whole number")]
    [InlineData("fault: { delay: { delayMs: 1000, percent: -1 } }", "services[0].routes[0].rules[0].fault.delay", "percent -1 (0..100) is unusable")]
    [InlineData("fault: { delay: { fixedDelay: 1s } }", "services[0].routes[0].rules[0].fault.delay.fixedDelay", "is not a field of RouteFaultDelay (fields: delayMs, percent)")]
    [InlineData("retry: { limit: -1 }", "services[0].routes[0].rules[0].retry", "limit -1 or maxBodyBytes 0 is negative")]
    [InlineData("retry: { on: [ 5xx ] }", "services[0].routes[0].rules[0].retry.on[0]", "'5xx' is not one of: CONDITION_UNSPECIFIED, CONDITION_SERVER_ERROR")]
    [InlineData("retry: { on: [ CONDITION_UNSPECIFIED ] }", "services[0].routes[0].rules[0].retry.on", "condition Unspecified is unknown")]
    [InlineData("retry: { statusCodes: [ 99 ] }", "services[0].routes[0].rules[0].retry.statusCodes", "99 is not an HTTP status 100..599")]
    [InlineData("retry: { grpcCodes: [ 0 ] }", "services[0].routes[0].rules[0].retry.grpcCodes", "0 is not a gRPC failure code 1..16")]
    [InlineData("timeouts: { requestMs: 1000, backendRequestMs: 2000 }", "services[0].routes[0].rules[0].timeouts.backendRequestMs", "2000 is longer than requestMs 1000")]
    [InlineData("timeouts: { requestMs: -1 }", "services[0].routes[0].rules[0].timeouts.requestMs", "'-1' is not a whole number 0 or more")]
    [InlineData("timeouts: { request: 10s }", "services[0].routes[0].rules[0].timeouts.request", "is not a field of RouteTimeouts (fields: requestMs, backendRequestMs, idleMs)")]
    [InlineData("filters: []", "services[0].routes[0].rules[0].filters", "is not a field of RouteRule")]
    public void Parse_InvalidRule_NamesFieldAndReason(string rule, string path, string reason)
    {
        var yaml = $$"""
            services:
              - key: "a:80"
                port: 80
                routes: [ { rules: [ { {{rule}} } ] } ]
              - key: "b:80"
                port: 80
            """;

        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse(yaml, "bad.yaml"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("retryBudget: { ratio: -1, minRetriesPerSecond: 10, ttlMs: 10000 }", "services[0].retryBudget", "ratio -1 (0..1000)")]
    [InlineData("retryBudget: { ratio: 0.2, ttl: 10s }", "services[0].retryBudget.ttl", "is not a field of RetryBudget (fields: ratio, minRetriesPerSecond, ttlMs)")]
    [InlineData("circuitBreaker: { consecutiveFailures: 0, minPenaltyMs: 1000, maxPenaltyMs: 60000 }", "services[0].circuitBreaker", "consecutiveFailures 0 (1 or more)")]
    [InlineData("circuitBreaker: { consecutiveFailures: 7, minPenaltyMs: 2000, maxPenaltyMs: 1000 }", "services[0].circuitBreaker", "minPenaltyMs 2000..maxPenaltyMs 1000")]
    [InlineData("circuitBreaker: { consecutiveFailures: 7, minPenaltyMs: 1000, maxPenaltyMs: 60000, jitterRatio: 2 }", "services[0].circuitBreaker", "jitterRatio 2 (0..1)")]
    public void Parse_InvalidServicePolicy_NamesFieldAndReason(string policy, string path, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse($"services: [ {{ key: 'a:80', port: 80, {policy} }} ]", "bad.yaml"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }
}
