using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;

namespace Linnet.ControlPlane.Core.Tests.Rollouts;

/// <summary>The Canary's <c>service</c> route settings on the apex HTTPRoute, for every strategy. Expected rules from
/// Flagger's gatewayapi router (pkg/router/gateway_api.go): SetRoutes gives every rule the service's matches,
/// makeFilters' filters and makeHTTPRouteTimeouts' timeouts; A/B's first rule has mergeMatchConditions(analysis, service)
/// and its second the service's matches; getSessionAffinityRouteRules copies the weighted rule, with the cookie match
/// merged with the service's, and appends the expiring Set-Cookie to the previous-cookie rule's filters.</summary>
public sealed partial class CanaryStateMachineTests
{
    private const string RouteService = """
          service:
            port: 9898
            timeout: 10s
            backendTimeout: 4s
            match:
              - uri: { prefix: /api }
                headers: { x-env: { exact: prod } }
            headers:
              request: { set: { x-b: "2", x-a: "1" }, remove: [x-drop] }
              response: { add: { x-canary-run: "yes" } }
            rewrite: { authority: podinfo.internal }
        """;

    private static readonly RouteTimeouts ServiceTimeouts = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(4));

    private static readonly HttpRouteMatch ServiceMatch = new(new PathMatch("PathPrefix", "/api"), [new HeaderMatch("Exact", "x-env", "prod")]);

    private static readonly HeaderModifier ServiceRequestHeaders = new([new HeaderValue("x-a", "1"), new HeaderValue("x-b", "2")], [], ["x-drop"]);

    private static readonly HeaderModifier ServiceResponseHeaders = new([], [new HeaderValue("x-canary-run", "yes")], []);

    private static RouteFilters ServiceFilters(string? mirror = null) => RouteFilters.None with
    {
        RequestHeaderModifier = ServiceRequestHeaders,
        ResponseHeaderModifier = ServiceResponseHeaders,
        UrlRewrite = new UrlRewrite("podinfo.internal", null),
        RequestMirror = mirror is null ? null : new RequestMirror(new BackendRef(mirror, null, 9898, 0), 100),
    };

    private static CanaryResource RouteCanary(string analysis, string extraService = "") => (CanaryResource)ManifestParser.Parse($"""
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: {"{"} name: podinfo, namespace: test {"}"}
        spec:
          targetRef: {"{"} apiVersion: apps/v1, kind: Deployment, name: podinfo {"}"}
        {RouteService}{extraService}
          analysis:
            interval: 2s
        {analysis}
            metrics:
              - name: request-success-rate
                interval: 10s
                thresholdRange: {"{"} min: 99 {"}"}
        """, "t").Resources.Single();

    private static void AssertServiceRule(HttpRouteRule rule, IReadOnlyList<HttpRouteMatch> matches, RouteFilters filters)
    {
        Assert.Equal(matches, rule.Matches);
        Assert.Equal(filters, rule.Filters);
        Assert.Equal(ServiceTimeouts, rule.Timeouts);
    }

    [Fact]
    public void Next_ServiceRouteFields_EveryRuleOfTheCanaryStrategyCarriesThem()
    {
        var world = new World(RouteCanary("    stepWeight: 10\n    maxWeight: 20", "\n    mirror:\n      - backendRef: { name: podinfo-shadow, port: 9898 }"), Target("v1"));
        world.Initialize();
        AssertServiceRule(Assert.Single(world.Route!.Spec.Rules), [ServiceMatch], ServiceFilters("podinfo-shadow"));

        world.Target = Target("v2");
        world.Step();
        world.Step(); // 10 %

        var rule = Assert.Single(world.Route!.Spec.Rules);
        AssertServiceRule(rule, [ServiceMatch], ServiceFilters("podinfo-shadow"));
        Assert.Equal([90, 10], rule.BackendRefs.Select(b => b.Weight));
    }

    [Fact]
    public void Next_ServiceRouteFieldsWithABTesting_FirstRuleMergesTheMatchesSecondKeepsTheServices()
    {
        var analysis = "    iterations: 2\n    match:\n      - headers: { x-canary: { exact: insider } }\n      - queryParams: { canary: { exact: \"yes\" } }";
        var world = new World(RouteCanary(analysis), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();
        world.Step();

        var rules = world.Route!.Spec.Rules;
        Assert.Equal(2, rules.Count);

        // mergeMatchConditions: per analysis match, the service match with its headers (or query parameters) replaced.
        AssertServiceRule(rules[0], [ServiceMatch with { Headers = [new HeaderMatch("Exact", "x-canary", "insider")] }, ServiceMatch with { QueryParams = [new QueryParamMatch("Exact", "canary", "yes")] }], ServiceFilters());
        Assert.Equal([0, 100], rules[0].BackendRefs.Select(b => b.Weight));
        AssertServiceRule(rules[1], [ServiceMatch], ServiceFilters());
        Assert.Equal([100, 0], rules[1].BackendRefs.Select(b => b.Weight));
    }

    [Fact]
    public void Next_ServiceRouteFieldsWithBlueGreenMirror_TheRuleMirrorsToTheCanaryAndKeepsTheServiceFilters()
    {
        var world = new World(RouteCanary("    iterations: 2\n    mirror: true"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();
        world.Step();

        var rule = Assert.Single(world.Route!.Spec.Rules);
        AssertServiceRule(rule, [ServiceMatch], ServiceFilters() with { RequestMirror = new RequestMirror(new BackendRef("podinfo-canary", null, 9898, 0), 100) });
    }

    [Fact]
    public void Next_ServiceRouteFieldsWithSessionAffinity_StickyRulesCopyTheWeightedRuleWithTheCookieMatchMerged()
    {
        var world = new World(RouteCanary("    stepWeight: 10\n    maxWeight: 20\n    threshold: 1\n    sessionAffinity: { cookieName: flagger-cookie }"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();
        world.Step(); // 10 %
        var cookie = world.Status.SessionAffinityCookie;

        var rules = world.Route!.Spec.Rules;
        Assert.Equal(2, rules.Count);

        // The sticky rule: the service match's path with the Cookie condition in place of its headers.
        var sticky = Assert.Single(rules[0].Matches);
        Assert.Equal(ServiceMatch.Path, sticky.Path);
        Assert.Equal("Cookie", Assert.Single(sticky.Headers).Name);
        Assert.Matches($"^(?:{sticky.Headers[0].Value})$", cookie);
        Assert.Equal(ServiceFilters(), rules[0].Filters);
        Assert.Equal(ServiceTimeouts, rules[0].Timeouts);
        Assert.Equal([0, 100], rules[0].BackendRefs.Select(b => b.Weight));
        AssertServiceRule(rules[1], [ServiceMatch], ServiceFilters());

        world.Values["request-success-rate"] = 50;
        world.Step();
        world.Step(); // rolled back: the cookie expires
        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        rules = world.Route!.Spec.Rules;

        // Flagger appends a ResponseHeaderModifier with the expired cookie; Gateway API allows one, so it joins the service's.
        Assert.Equal(ServiceResponseHeaders with { Add = [.. ServiceResponseHeaders.Add, new HeaderValue("Set-Cookie", cookie + "; Max-Age=-1")] }, rules[0].Filters.ResponseHeaderModifier);
        Assert.Equal(ServiceRequestHeaders, rules[0].Filters.RequestHeaderModifier);
        Assert.Equal(ServiceTimeouts, rules[0].Timeouts);
        Assert.Equal(ServiceMatch.Path, Assert.Single(rules[0].Matches).Path);
        AssertServiceRule(rules[1], [ServiceMatch], ServiceFilters());
    }

    [Fact]
    public void Next_ServiceRouteFieldsDuringTheWarmRollbackWindow_EveryRuleWithTheStandbyCarriesThem()
    {
        var world = new World(RouteCanary("    stepWeight: 50\n    maxWeight: 50"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        for (var i = 0; i < 10 && world.Status.Phase != CanaryPhases.Succeeded; i++)
        {
            world.Step();
        }

        Assert.Equal(CanaryPhases.Succeeded, world.Status.Phase);
        var rule = Assert.Single(world.Route!.Spec.Rules);
        Assert.Equal(["podinfo-primary", "podinfo-canary", "podinfo-standby"], rule.BackendRefs.Select(b => b.Name));
        AssertServiceRule(rule, [ServiceMatch], ServiceFilters());
    }

    [Fact]
    public void Next_ServiceRetries_EveryRuleRetriesAndEachAttemptEndsAtThePerTryTimeout()
    {
        var world = new World(RouteCanary("    stepWeight: 10\n    maxWeight: 20", "\n    retries: { attempts: 2, perTryTimeout: 1500ms, retryOn: 'gateway-error,504' }"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();
        world.Step();

        var rule = Assert.Single(world.Route!.Spec.Rules);
        Assert.Equal(new RetryPolicy(2, ["gateway-error"], [504], [], RetryNonIdempotent: true, MaxBodyBytes: null), rule.Filters.Retry);
        Assert.Equal(ServiceFilters(), rule.Filters with { Retry = null });

        // perTryTimeout (1.5s) is sooner than backendTimeout (4s): each attempt ends at it; the request at timeout (10s).
        Assert.Equal(new RouteTimeouts(TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(1500)), rule.Timeouts);
    }

    [Fact]
    public void MergeMatches_AsFlaggersMergeMatchConditions()
    {
        var a1 = new HttpRouteMatch(null, [new HeaderMatch("Exact", "x-a", "1")]);
        var a2 = new HttpRouteMatch(null, []) { QueryParams = [new QueryParamMatch("Exact", "q", "1")] };
        var s1 = new HttpRouteMatch(new PathMatch("PathPrefix", "/a"), [new HeaderMatch("Exact", "x-s", "s")]) { Method = "GET" };
        var s2 = new HttpRouteMatch(new PathMatch("Exact", "/b"), []) { QueryParams = [new QueryParamMatch("Exact", "p", "2")] };

        Assert.Equal([s1], CanaryObjects.MergeMatches([], [s1]));
        Assert.Equal([a1], CanaryObjects.MergeMatches([a1], []));
        Assert.Equal(
            [
                s1 with { Headers = a1.Headers },
                s2 with { Headers = a1.Headers },
                s1 with { QueryParams = a2.QueryParams },
                s2 with { QueryParams = a2.QueryParams },
            ],
            CanaryObjects.MergeMatches([a1, a2], [s1, s2]));
    }
}
