using Linnet.Proxy.Configuration;
using Linnet.Proxy.Routing;
using static Linnet.Proxy.Tests.Routing.RoutingRequests;

namespace Linnet.Proxy.Tests.Routing;

public sealed class HttpRouterTests
{
    [Fact]
    public void PickBackend_WeightedSplit_10000PicksWithin2PercentAndWeightZeroNeverChosen()
    {
        using var table = Table(
            Service("web", routes: [Rule([], ("a:80", 70), ("b:80", 20), ("c:80", 10), ("d:80", 0))]),
            Service("a"), Service("b"), Service("c"), Service("d"));
        var rule = Assert.Single(table.Find("web", 80)!.Rules);
        var random = new Random(1234);
        var counts = new Dictionary<string, int>();

        for (var i = 0; i < 10_000; i++)
        {
            var key = rule.PickBackend(random)!.Config.Key;
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        Assert.InRange(counts["a:80"] / 10_000.0, 0.68, 0.72);
        Assert.InRange(counts["b:80"] / 10_000.0, 0.18, 0.22);
        Assert.InRange(counts["c:80"] / 10_000.0, 0.08, 0.12);
        Assert.False(counts.ContainsKey("d:80"));
    }

    [Fact]
    public void Route_RulesInOrder_FirstApplyingRuleDecides()
    {
        using var table = Table(
            Service("web", routes:
            [
                Rule([Match("/api", ("x-canary", "yes"))], ("canary:80", 1)),
                Rule([Match("/api"), Match("/v2")], ("api:80", 1)),
                Rule([], ("a:80", 1)),
            ]),
            Service("canary"), Service("api"), Service("a"));
        var router = new HttpRouter(new Random(1));
        var web = table.Find("web", 80)!;

        Assert.Equal("canary:80", Route(router, web, "/api/x", ("X-Canary", "yes")));
        Assert.Equal("api:80", Route(router, web, "/api/x"));
        Assert.Equal("api:80", Route(router, web, "/v2"));
        Assert.Equal("a:80", Route(router, web, "/apis"));
    }

    [Fact]
    public void Route_NoRuleApplies_NoRuleMatched()
    {
        using var table = Table(Service("web", routes: [Rule([Match("/api")], ("a:80", 1))]), Service("a"));
        var router = new HttpRouter(new Random(1));

        var outcome = router.Route(table.Find("web", 80)!, Request("/other"), out var backend);

        Assert.Equal(RouteOutcome.NoRuleMatched, outcome);
        Assert.Null(backend);
    }

    [Theory]
    [InlineData("missing:80", 1)]
    [InlineData("a:80", 0)]
    public void Route_UnknownOrZeroWeightBackend_InvalidBackend(string key, int weight)
    {
        using var table = Table(Service("web", routes: [Rule([], (key, weight))]), Service("a"));
        var router = new HttpRouter(new Random(1));

        Assert.Equal(RouteOutcome.InvalidBackend, router.Route(table.Find("web", 80)!, Request("/"), out _));
    }

    [Fact]
    public void Route_SplitWithAnUnresolvedBackendRef_ItsShareIsInvalidTheRestRouted()
    {
        // Gateway API: "the proportion of requests that would otherwise have been routed to an invalid backend MUST
        // receive a 500". The control plane keeps such a backendRef under a '!' key no service has.
        using var table = Table(Service("web", routes: [Rule([], ("a:80", 1), ("!unresolved:Service/payments/ledger", 3))]), Service("a"));
        var router = new HttpRouter(new Random(7));
        var web = table.Find("web", 80)!;

        var outcomes = Enumerable.Range(0, 4000).Select(_ => router.Route(web, Request("/"), out var backend) == RouteOutcome.Routed ? backend!.Config.Key : "invalid").ToList();

        Assert.Equal(["a:80", "invalid"], outcomes.Distinct().Order(StringComparer.Ordinal));
        Assert.InRange(outcomes.Count(o => o == "invalid"), 2800, 3200);
    }

    [Fact]
    public void Route_ServiceWithoutRoutes_StaysWithTheService()
    {
        using var table = Table(Service("web"));
        var web = table.Find("web", 80)!;

        Assert.Equal(RouteOutcome.Routed, new HttpRouter(new Random(1)).Route(web, Request("/"), out var backend));
        Assert.Same(web, backend);
    }

    private static string? Route(HttpRouter router, ServiceState service, string path, params (string Name, string Value)[] headers)
    {
        Assert.Equal(RouteOutcome.Routed, router.Route(service, Request(path, headers), out var backend));
        return backend!.Config.Key;
    }

    private static RouteRuleConfig Rule(RouteMatchConfig[] matches, params (string Key, int Weight)[] backends) =>
        new(matches, backends.Select(b => new RouteBackendConfig(b.Key, b.Weight)).ToList());

    private static RouteMatchConfig Match(string prefix, params (string Name, string Value)[] headers) =>
        new(new PathMatchConfig(PathMatchType.Prefix, prefix), headers.Select(h => new HeaderMatchConfig(HeaderMatchType.Exact, h.Name, h.Value)).ToList());
}
