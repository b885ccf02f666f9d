using System.Text.RegularExpressions;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Tests.Rollouts;

/// <summary><c>analysis.sessionAffinity</c>, routed as Flagger's gatewayapi router routes it (expected headers from
/// Flagger's docs, docs/gitbook/usage/deployment-strategies.md: "Set-Cookie: flagger-cookie=LpsIaLdoNZ; Max-Age=21600"
/// while the canary runs, "Max-Age=-1" once it is over).</summary>
public sealed partial class CanaryStateMachineTests
{
    private const string Affinity = "    stepWeight: 10\n    maxWeight: 20\n    sessionAffinity:\n      cookieName: flagger-cookie\n      maxAge: 21600";

    [Fact]
    public void Next_SessionAffinity_CanaryResponsesSetTheCookieAndItsHoldersGoToTheCanaryAtEveryStep()
    {
        var world = new World(Canary(Affinity), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step(); // Progressing, weight 0: no cookie yet
        Assert.Single(world.Route!.Spec.Rules);
        Assert.Equal("", world.Status.SessionAffinityCookie);

        world.Step(); // 10 %
        var cookie = world.Status.SessionAffinityCookie;
        Assert.Matches("^flagger-cookie=[A-Za-z0-9]{16}$", cookie);
        AssertStickyRoute(world.Route!, cookie, (90, 10));

        world.Step(); // 20 %: the same cookie for the whole run
        Assert.Equal(cookie, world.Status.SessionAffinityCookie);
        AssertStickyRoute(world.Route!, cookie, (80, 20));
    }

    [Fact]
    public void Next_SessionAffinityPromoted_CookieExpiredForItsHoldersAndANewRunGetsANewOne()
    {
        var world = new World(Canary(Affinity), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();
        world.Step();
        var cookie = world.Status.SessionAffinityCookie;
        world.Step(); // 20 %
        world.Step(); // Promoting
        Assert.Equal(CanaryPhases.Promoting, world.Status.Phase);
        AssertStickyRoute(world.Route!, cookie, (80, 20));

        world.Step(); // Finalising: all traffic on the primary
        Assert.Equal(CanaryPhases.Finalising, world.Status.Phase);
        Assert.Equal("", world.Status.SessionAffinityCookie);
        Assert.Equal(cookie, world.Status.PreviousSessionAffinityCookie);
        AssertExpiringRoute(world.Route!, cookie);

        world.Step(); // Succeeded, the previous primary kept warm: the expiring rule routes as the weighted rule does
        Assert.Equal(CanaryPhases.Succeeded, world.Status.Phase);
        AssertExpiringRoute(world.Route!, cookie);
        Assert.All(world.Route!.Spec.Rules, r => Assert.Equal(["podinfo-primary", "podinfo-canary", "podinfo-standby"], r.BackendRefs.Select(b => b.Name)));

        world.Target = Target("v3");
        world.Step(); // a new run
        world.Step();
        Assert.True(world.Status.CanaryWeight > 0);
        Assert.NotEqual(cookie, world.Status.SessionAffinityCookie);
        AssertStickyRoute(world.Route!, world.Status.SessionAffinityCookie, (90, 10));
    }

    [Fact]
    public void Next_SessionAffinityRolledBack_CookieExpired()
    {
        var world = new World(Canary(Affinity + "\n    threshold: 1"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();
        world.Step();
        var cookie = world.Status.SessionAffinityCookie;
        world.Values["request-success-rate"] = 50;
        world.Step();
        world.Step();

        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.Equal(cookie, world.Status.PreviousSessionAffinityCookie);
        AssertExpiringRoute(world.Route!, cookie);
    }

    [Fact]
    public void Next_PrimaryCookieName_PrimaryResponsesSetItForOneIntervalAndItsHoldersStayOnThePrimary()
    {
        var world = new World(Canary(Affinity + "\n      primaryCookieName: primary-cookie\n      path: /\n      httpOnly: true\n      sameSite: Strict"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();
        world.Step(); // 10 %

        var canaryCookie = world.Status.SessionAffinityCookie;
        var primaryCookie = world.Status.PrimarySessionAffinityCookie;
        Assert.Matches("^primary-cookie=[A-Za-z0-9]{16}$", primaryCookie);
        var rules = world.Route!.Spec.Rules;
        Assert.Equal(3, rules.Count);
        Assert.Equal((0, 100), (rules[0].BackendRefs[0].Weight, rules[0].BackendRefs[1].Weight));
        Assert.True(CookieMatches(rules[0], canaryCookie));
        Assert.Equal((100, 0), (rules[1].BackendRefs[0].Weight, rules[1].BackendRefs[1].Weight));
        Assert.True(CookieMatches(rules[1], primaryCookie));
        Assert.False(CookieMatches(rules[1], canaryCookie));

        // Flagger's BuildCookie: Max-Age, then Domain, HttpOnly, Partitioned, Path, SameSite, Secure; the primary's
        // cookie lives for one analysis interval (2s here).
        Assert.Equal([primaryCookie + "; Max-Age=2; HttpOnly; Path=/; SameSite=Strict"], SetCookies(rules[2].BackendRefs[0].Filters));
        Assert.Equal([canaryCookie + "; Max-Age=21600; HttpOnly; Path=/; SameSite=Strict"], SetCookies(rules[2].BackendRefs[1].Filters));
    }

    private static void AssertStickyRoute(HttpRouteResource route, string cookie, (int Primary, int Canary) weights)
    {
        var rules = route.Spec.Rules;
        Assert.Equal(2, rules.Count);

        // First: whoever carries the cookie goes to the canary alone.
        Assert.Equal((0, 100), (rules[0].BackendRefs[0].Weight, rules[0].BackendRefs[1].Weight));
        Assert.True(CookieMatches(rules[0], cookie));
        Assert.True(CookieMatches(rules[0], "theme=dark; " + cookie + "; lang=en"));
        Assert.False(CookieMatches(rules[0], cookie + "x"));
        Assert.False(CookieMatches(rules[0], "x" + cookie));
        Assert.False(CookieMatches(rules[0], "theme=dark"));

        // Then the weighted split, whose canary backend alone sets the cookie on its responses.
        var weighted = rules[1];
        Assert.Empty(weighted.Matches);
        Assert.Equal(weights, (weighted.BackendRefs[0].Weight, weighted.BackendRefs[1].Weight));
        Assert.Equal(RouteFilters.None, weighted.BackendRefs[0].Filters);
        Assert.Equal([cookie + "; Max-Age=21600"], SetCookies(weighted.BackendRefs[1].Filters));
        Assert.Equal(RouteFilters.None, weighted.Filters);
    }

    private static void AssertExpiringRoute(HttpRouteResource route, string cookie)
    {
        var rules = route.Spec.Rules;
        Assert.Equal(2, rules.Count);
        Assert.True(CookieMatches(rules[0], cookie));
        Assert.Equal([cookie + "; Max-Age=-1"], SetCookies(rules[0].Filters));
        Assert.Equal(rules[1].BackendRefs, rules[0].BackendRefs);
        Assert.Equal(100, rules[1].BackendRefs[0].Weight);
        Assert.Equal(0, rules[1].BackendRefs[1].Weight);
        Assert.All(rules[1].BackendRefs, b => Assert.Equal(RouteFilters.None, b.Filters));
    }

    // Gateway API: a RegularExpression header match must match the whole value (the proxy anchors it so).
    private static bool CookieMatches(HttpRouteRule rule, string cookieHeader)
    {
        var match = Assert.Single(Assert.Single(rule.Matches).Headers);
        Assert.Equal(("RegularExpression", "Cookie"), (match.Type, match.Name));
        return Regex.IsMatch(cookieHeader, $"^(?:{match.Value})$");
    }

    private static IReadOnlyList<string> SetCookies(RouteFilters filters)
    {
        var modifier = Assert.IsType<HeaderModifier>(filters.ResponseHeaderModifier);
        Assert.Empty(modifier.Set);
        Assert.Empty(modifier.Remove);
        Assert.All(modifier.Add, h => Assert.Equal("Set-Cookie", h.Name));
        return [.. modifier.Add.Select(h => h.Value)];
    }
}
