using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Tests.Configuration;

/// <summary>Routes, retry budgets and circuit breakers in the static config file.</summary>
public sealed class ConfigFileRouteTests
{
    private const string Full = """
        services:
          - name: web
            port: 80
            retryBudget: { ratio: 0.5, minRetriesPerSecond: 3, ttl: 20s }
            circuitBreaker: { consecutiveFailures: 4, minPenalty: 500ms, maxPenalty: 30s, jitterRatio: 0.1 }
            routes:
              - name: web-canary
                rules:
                  - matches:
                      - path: { type: PathPrefix, value: /api }
                        headers: [ { name: x-canary, value: "yes" }, { type: RegularExpression, name: x-user, value: "qa-.*" } ]
                        queryParams: [ { name: tenant, value: acme } ]
                        method: POST
                    backends: [ { service: "web-v2:80", weight: 10 }, { service: "web-v1:80", weight: 90 } ]
                    requestHeaders: { set: [ { name: x-a, value: "1" } ], add: [ { name: x-b, value: "2" } ], remove: [ x-c ] }
                    responseHeaders: { remove: [ server ] }
                    timeouts: { request: 10s, backendRequest: 2s, idle: 30s }
                    fault: { abort: { httpStatus: 503, grpcStatus: 14, percent: 2.5 }, delay: { fixedDelay: 100ms, percent: 10 } }
                    retry: { limit: 3, on: [ 5xx, connect-failure ], statusCodes: [ 429 ], grpcCodes: [ 14 ], retryNonIdempotent: true, maxBodyBytes: 1024 }
                    mirror: { service: "web-v2:80", percent: 5 }
                  - backends: [ { service: "web-v1:80" } ]
              - name: grpc
                kind: GRPCRoute
                rules:
                  - matches: [ { path: { type: Exact, value: /pkg.Svc/Call } } ]
                    backends: [ { service: "web-v2:80" } ]
                    retry: {}
          - { name: web-v1, port: 80, circuitBreaker: { disabled: true }, endpoints: [ { address: "127.0.0.1:9001" } ] }
          - { name: web-v2, port: 80, endpoints: [ { address: "127.0.0.1:9002" } ] }
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
    [InlineData("backends: [ { service: 'b:80', weight: 0 } ]", "services[0].routes[0].rules[0].backends", "every weight is 0")]
    [InlineData("backends: [ { service: 'nope:80' } ]", "services[0].routes[0].rules[0].backends[0].service", "'nope:80' is not a service of this file")]
    [InlineData("mirror: { service: 'b:80', percent: 150 }", "services[0].routes[0].rules[0].mirror.percent", "150 is out of range 0..100")]
    [InlineData("matches: [ { path: { type: RegularExpression, value: '/a(' } } ]", "services[0].routes[0].rules[0].matches[0].path.value", "not a valid regular expression")]
    [InlineData("matches: [ { path: { type: RegularExpression, value: 'a)|(b' } } ]", "services[0].routes[0].rules[0].matches[0].path.value", "not a valid regular expression")]
    [InlineData("matches: [ { queryParams: [ { type: RegularExpression, name: q, value: '[' } ] } ]", "services[0].routes[0].rules[0].matches[0].queryParams[0].value", "not a valid regular expression")]
    [InlineData("matches: [ { headers: [ { name: 'x y', value: a } ] } ]", "services[0].routes[0].rules[0].matches[0].headers[0].name", "not a header name")]
    [InlineData("matches: [ { method: get } ]", "services[0].routes[0].rules[0].matches[0].method", "'get' is not one of")]
    [InlineData("fault: { abort: { httpStatus: 100 } }", "services[0].routes[0].rules[0].fault.abort.httpStatus", "out of range 200..599")]
    [InlineData("fault: { delay: { fixedDelay: 1s, percent: -1 } }", "services[0].routes[0].rules[0].fault.delay.percent", "out of range 0..100")]
    [InlineData("retry: { limit: -1 }", "services[0].routes[0].rules[0].retry.limit", "out of range 0..100")]
    [InlineData("retry: { on: [ 4xx ] }", "services[0].routes[0].rules[0].retry.on[0]", "'4xx' is not one of")]
    [InlineData("retry: { grpcCodes: [ 0 ] }", "services[0].routes[0].rules[0].retry.grpcCodes[0]", "'0' is not a gRPC status code 1..16 or one of: cancelled, ")]
    [InlineData("timeouts: { request: 1s, backendRequest: 2s }", "services[0].routes[0].rules[0].timeouts.backendRequest", "longer than the request timeout")]
    [InlineData("timeouts: { request: -1s }", "services[0].routes[0].rules[0].timeouts.request", "'-1s' is not a duration such as 500ms, 10s or 1m30s")]
    [InlineData("filters: []", "services[0].routes[0].rules[0].filters", "unknown field")]
    public void Parse_InvalidRule_NamesFieldAndReason(string rule, string path, string reason)
    {
        var yaml = $$"""
            services:
              - name: a
                port: 80
                routes: [ { rules: [ { {{rule}} } ] } ]
              - name: b
                port: 80
            """;

        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse(yaml, "bad.yaml"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("retryBudget: { ratio: -1 }", "services[0].retryBudget.ratio", "out of range")]
    [InlineData("circuitBreaker: { consecutiveFailures: 0 }", "services[0].circuitBreaker.consecutiveFailures", "out of range")]
    [InlineData("circuitBreaker: { minPenalty: 2s, maxPenalty: 1s }", "services[0].circuitBreaker.maxPenalty", "shorter than minPenalty")]
    [InlineData("circuitBreaker: { jitterRatio: 2 }", "services[0].circuitBreaker.jitterRatio", "out of range 0..1")]
    public void Parse_InvalidServicePolicy_NamesFieldAndReason(string policy, string path, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse($"services: [ {{ name: a, port: 80, {policy} }} ]", "bad.yaml"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }
}
