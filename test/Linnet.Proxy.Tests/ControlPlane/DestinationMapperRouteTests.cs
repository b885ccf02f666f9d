using Linnet.Api.Destination.V1;
using Linnet.Proxy.Configuration;
using static Linnet.Proxy.Tests.ControlPlane.DestinationMessages;

namespace Linnet.Proxy.Tests.ControlPlane;

/// <summary>Route and service policy messages become the proxy's config records; unusable values are dropped
/// and reported, never thrown.</summary>
public sealed class DestinationMapperRouteTests
{
    [Fact]
    public void ToServiceConfig_EveryRouteFeature_FillsEveryRecord()
    {
        var service = Service("web", "shop", 80, 9001);
        service.RetryBudget = new RetryBudget { Ratio = 0.5, MinRetriesPerSecond = 3, TtlMs = 20_000 };
        service.CircuitBreaker = new CircuitBreaker { ConsecutiveFailures = 4, MinPenaltyMs = 500, MaxPenaltyMs = 30_000, JitterRatio = 0.1 };
        var rule = new RouteRule
        {
            Matches =
            {
                new RouteMatch
                {
                    Path = new PathMatch { Type = PathMatch.Types.Type.Prefix, Value = "/api" },
                    QueryParams = { new QueryParamMatch { Name = "a", Value = "1" }, new QueryParamMatch { Type = QueryParamMatch.Types.Type.Regex, Name = "b", Value = "x.*" } },
                    Method = "POST",
                },
            },
            Backends = { new RouteBackend { ServiceKey = "web-v2.shop:80", Weight = 3 } },
            RequestHeaders = new RouteHeaderModifier { Set = { new RouteHeaderValue { Name = "x-a", Value = "1" } }, Add = { new RouteHeaderValue { Name = "x-b", Value = "2" } }, Remove = { "x-c" } },
            ResponseHeaders = new RouteHeaderModifier { Remove = { "server" } },
            Timeouts = new RouteTimeouts { RequestMs = 3000, BackendRequestMs = 500, IdleMs = 1500 },
            Fault = new RouteFault
            {
                Abort = new RouteFaultAbort { HttpStatus = 503, GrpcStatus = 14, Percent = 2.5 },
                Delay = new RouteFaultDelay { DelayMs = 100, Percent = 10 },
            },
            Retry = new RouteRetry
            {
                Limit = 2,
                On = { RouteRetry.Types.Condition.ServerError, RouteRetry.Types.Condition.ConnectFailure },
                StatusCodes = { 429 },
                GrpcCodes = { 14 },
                RetryNonIdempotent = true,
                MaxBodyBytes = 1024,
            },
            Mirror = new RouteMirror { ServiceKey = "shadow.shop:80", Percent = 25 },
        };
        service.Routes.Add(new Route { Name = "shop/web", Kind = Route.Types.Kind.Grpc, Rules = { rule } });
        var problems = new List<string>();

        var config = DestinationMapper.ToServiceConfig(service, problems)!;

        Assert.Empty(problems);
        Assert.Equal(new RetryBudgetConfig(0.5, 3, TimeSpan.FromSeconds(20)), config.RetryBudget);
        Assert.Equal(new CircuitBreakerConfig(4, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), 0.1), config.CircuitBreaker);
        var route = Assert.Single(config.Routes);
        Assert.Equal(RouteConfig.GrpcKind, route.Kind);
        var r = Assert.Single(route.Rules);
        var match = Assert.Single(r.Matches);
        Assert.Equal(new PathMatchConfig(PathMatchType.Prefix, "/api"), match.Path);
        Assert.Equal([new QueryParamMatchConfig(HeaderMatchType.Exact, "a", "1"), new QueryParamMatchConfig(HeaderMatchType.Regex, "b", "x.*")], match.QueryParams);
        Assert.Equal("POST", match.Method);
        Assert.Equal([new RouteBackendConfig("web-v2.shop:80", 3)], r.Backends);
        Assert.Equal([new HeaderValueConfig("x-a", "1")], r.RequestHeaders!.Set);
        Assert.Equal([new HeaderValueConfig("x-b", "2")], r.RequestHeaders.Add);
        Assert.Equal(["x-c"], r.RequestHeaders.Remove);
        Assert.Equal(["server"], r.ResponseHeaders!.Remove);
        Assert.Equal(new RouteTimeoutsConfig(TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1500)), r.Timeouts);
        Assert.Equal(new FaultConfig(new FaultAbortConfig(503, 14, 2.5), new FaultDelayConfig(TimeSpan.FromMilliseconds(100), 10)), r.Fault);
        var retry = r.Retry!;
        Assert.Equal((2, RetryConditions.ServerError | RetryConditions.ConnectFailure, true, 1024), (retry.Limit, retry.On, retry.RetryNonIdempotent, retry.MaxBodyBytes));
        Assert.Equal([429], retry.StatusCodes);
        Assert.Equal([14], retry.GrpcCodes);
        Assert.Equal(new MirrorConfig("shadow.shop:80", 25), r.Mirror);
    }

    [Fact]
    public void ToServiceConfig_NoPolicyMessages_DefaultsAndNoFilters()
    {
        var service = Service("web", "shop", 80, 9001);
        service.Routes.Add(new Route { Name = "shop/web", Rules = { new RouteRule { Backends = { new RouteBackend { ServiceKey = "web.shop:80", Weight = 1 } } } } });

        var config = DestinationMapper.ToServiceConfig(service, [])!;

        Assert.Same(RetryBudgetConfig.Default, config.RetryBudget);
        Assert.Same(CircuitBreakerConfig.Default, config.CircuitBreaker);
        var rule = Assert.Single(Assert.Single(config.Routes).Rules);
        Assert.Equal(RouteConfig.HttpKind, config.Routes[0].Kind);
        Assert.Equal((null, null, null, null, null, null), (rule.RequestHeaders, rule.ResponseHeaders, rule.Timeouts, rule.Fault, rule.Retry, rule.Mirror));
    }

    [Fact]
    public void ToServiceConfig_CircuitBreakerDisabled_Null()
    {
        var service = Service("web", "shop", 80, 9001);
        service.CircuitBreaker = new CircuitBreaker { Disabled = true };

        Assert.Null(DestinationMapper.ToServiceConfig(service, [])!.CircuitBreaker);
    }

    [Fact]
    public void ToServiceConfig_UnusableValues_DroppedAndReportedNotThrown()
    {
        var service = Service("web", "shop", 80, 9001);
        service.RetryBudget = new RetryBudget { Ratio = -1, MinRetriesPerSecond = 10, TtlMs = 10_000 };
        service.CircuitBreaker = new CircuitBreaker { ConsecutiveFailures = 0, MinPenaltyMs = 1000, MaxPenaltyMs = 500 };
        var badRule = new RouteRule
        {
            Backends = { new RouteBackend { ServiceKey = "web.shop:80", Weight = -4 } },
            RequestHeaders = new RouteHeaderModifier { Set = { new RouteHeaderValue { Name = "bad name", Value = "x" }, new RouteHeaderValue { Name = "ok", Value = "a\r\nb" } }, Remove = { "x y" } },
            Fault = new RouteFault { Abort = new RouteFaultAbort { HttpStatus = 700, Percent = 10 }, Delay = new RouteFaultDelay { DelayMs = 10, Percent = 150 } },
            Retry = new RouteRetry { Limit = -1 },
            Mirror = new RouteMirror { ServiceKey = "shadow.shop:80", Percent = 101 },
        };
        var partlyBad = new RouteRule
        {
            Matches = { new RouteMatch { Method = "GE T" }, new RouteMatch { Method = "get" } },
            Backends = { new RouteBackend { ServiceKey = "web.shop:80", Weight = 1 } },
            Retry = new RouteRetry { Limit = 1, On = { (RouteRetry.Types.Condition)42 }, StatusCodes = { 99, 503 }, GrpcCodes = { 0, 17, 4 } },
        };
        var allMatchesBad = new RouteRule
        {
            Matches = { new RouteMatch { Headers = { new HeaderMatch { Name = "", Value = "x" } } }, new RouteMatch { QueryParams = { new QueryParamMatch { Name = "", Value = "x" } } } },
            Backends = { new RouteBackend { ServiceKey = "web.shop:80", Weight = 1 } },
        };
        service.Routes.Add(new Route { Name = "shop/web", Rules = { badRule, partlyBad, allMatchesBad } });
        var problems = new List<string>();

        var config = DestinationMapper.ToServiceConfig(service, problems)!;

        Assert.Same(RetryBudgetConfig.Default, config.RetryBudget);
        Assert.Same(CircuitBreakerConfig.Default, config.CircuitBreaker);
        var rules = Assert.Single(config.Routes).Rules;
        Assert.Equal(2, rules.Count);
        var first = rules[0];
        Assert.Equal(0, Assert.Single(first.Backends).Weight);
        Assert.Equal((0, 0, 0), (first.RequestHeaders!.Set.Count, first.RequestHeaders.Add.Count, first.RequestHeaders.Remove.Count));
        Assert.Equal((null, null, null), (first.Fault, first.Retry, first.Mirror));
        var second = rules[1];
        Assert.Equal("GET", Assert.Single(second.Matches).Method);
        Assert.Equal((RetryConditions.None, 503, 4), (second.Retry!.On, Assert.Single(second.Retry.StatusCodes), Assert.Single(second.Retry.GrpcCodes)));
        // 17, and since the mapper is the config file's validator too (issue 11): the negative backend weight, and its
        // rule's backends all weighing 0.
        Assert.Equal(19, problems.Count);
        Assert.All(problems, p => Assert.StartsWith("service web.shop:80", p, StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("routes[0].rules[2]: no usable match; the rule is left out", StringComparison.Ordinal));
    }
}
