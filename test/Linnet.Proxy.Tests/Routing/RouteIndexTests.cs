using Linnet.Proxy.Configuration;
using Linnet.Proxy.Routing;
using Microsoft.AspNetCore.Http;
using static Linnet.Proxy.Tests.Routing.RoutingRequests;

namespace Linnet.Proxy.Tests.Routing;

public sealed class RouteIndexTests
{
    private static readonly string[] Segments = ["", "a", "ab", "api", "api2", "v1", "x"];
    private static readonly string[] Methods = ["GET", "POST", "get"];

    [Fact]
    public void FirstApplicable_GeneratedRuleSetsAndRequests_SameRuleAsTheWalk()
    {
        var random = new Random(20261126);
        var decided = 0;
        var unmatched = 0;
        var walkedWins = 0;
        for (var set = 0; set < 300; set++)
        {
            var rules = Compile(GenerateRules(random, random.Next(1, 80)));
            var index = RouteIndex.Build(rules);
            for (var r = 0; r < 200; r++)
            {
                var request = GenerateRequest(random);
                var expected = HttpRouter.FirstApplicable(rules, request);
                var actual = index?.FirstApplicable(request) ?? expected;

                Assert.True(expected == actual, $"set {set}, request {r} ({request.Method} {request.Path}{request.QueryString}): walk {expected}, index {actual}");
                if (index is not null)
                {
                    decided++;
                    unmatched += expected < 0 ? 1 : 0;
                    walkedWins += expected >= 0 && !IsPathDecided(rules[expected]) ? 1 : 0;
                }
            }
        }

        // The comparison covered the index, requests no rule takes, and rules only the walk decides.
        Assert.InRange(decided, 40_000, 60_000);
        Assert.InRange(unmatched, 1_000, decided);
        Assert.InRange(walkedWins, 1_000, decided);
    }

    [Fact]
    public void Route_ThousandPrefixRulesLastMatches_IndexedAndPicksTheLast()
    {
        var rules = Enumerable.Range(0, 999).Select(i => Rule(("r" + i) + ":80", Prefix($"/api/r{i}"))).Append(Rule("last:80", Prefix("/api/last"))).ToList();
        using var table = Table([Service("web", rules), Service("last"), Service("r998")]);
        var web = table.Find("web", 80)!;
        var router = new HttpRouter(new Random(1));

        Assert.NotNull(web.RouteIndex);
        Assert.Equal(RouteOutcome.Routed, router.Route(web, Request("/api/last/x"), out var backend));
        Assert.Equal("last:80", backend!.Config.Key);
        Assert.Equal(RouteOutcome.Routed, router.Route(web, Request("/api/r998"), out backend));
        Assert.Equal("r998:80", backend!.Config.Key);
        Assert.Equal(RouteOutcome.NoRuleMatched, router.Route(web, Request("/api/lastx"), out _));
    }

    [Fact]
    public void Route_HeaderRuleBeforeIndexedRule_HeaderRuleStillWins()
    {
        var rules = new List<RouteRuleConfig>();
        for (var i = 0; i < 20; i++)
        {
            rules.Add(Rule("a:80", Prefix($"/p{i}")));
        }

        rules.Insert(5, new RouteRuleConfig([new RouteMatchConfig(new PathMatchConfig(PathMatchType.Prefix, "/p10"), [new HeaderMatchConfig(HeaderMatchType.Exact, "x-canary", "1")])], [new RouteBackendConfig("canary:80")]));
        using var table = Table([Service("web", rules), Service("a"), Service("canary")]);
        var web = table.Find("web", 80)!;
        var router = new HttpRouter(new Random(1));

        Assert.NotNull(web.RouteIndex);
        router.Route(web, Request("/p10/x", ("x-canary", "1")), out var backend);
        Assert.Equal("canary:80", backend!.Config.Key);
        router.Route(web, Request("/p10/x"), out backend);
        Assert.Equal("a:80", backend!.Config.Key);
    }

    [Fact]
    public void Create_FewRules_NoIndex()
    {
        var rules = Compile(Enumerable.Range(0, RouteIndex.MinRules - 1).Select(i => Rule("a:80", Prefix($"/p{i}"))).ToList());

        Assert.Null(RouteIndex.Create(rules));
        Assert.NotNull(RouteIndex.Build(rules));
    }

    [Fact]
    public void FirstApplicable_PathOfManySlashes_SameRuleAsTheWalk()
    {
        var rules = Compile(Enumerable.Range(0, 50).Select(i => Rule("a:80", Prefix("/a" + new string('/', i % 5) + "b" + i))).Append(Rule("a:80", Prefix("/a"))).ToList());
        var index = RouteIndex.Build(rules)!;
        var request = Request("/a" + new string('/', 8000));

        Assert.Equal(HttpRouter.FirstApplicable(rules, request), index.FirstApplicable(request));
        Assert.Equal(50, index.FirstApplicable(request));
    }

    private static List<RouteRuleConfig> GenerateRules(Random random, int count)
    {
        var rules = new List<RouteRuleConfig>(count);
        for (var i = 0; i < count; i++)
        {
            // Mostly a single path match (the common shape); sometimes none (catch-all), sometimes several.
            var matchCount = random.Next(100) switch { < 2 => 0, < 80 => 1, _ => random.Next(2, 4) };
            var matches = new List<RouteMatchConfig>(matchCount);
            for (var m = 0; m < matchCount; m++)
            {
                matches.Add(GenerateMatch(random));
            }

            rules.Add(new RouteRuleConfig(matches, [new RouteBackendConfig("b:80")]));
        }

        return rules;
    }

    private static RouteMatchConfig GenerateMatch(Random random)
    {
        PathMatchConfig? path = random.Next(100) switch
        {
            < 50 => new PathMatchConfig(PathMatchType.Prefix, GeneratePath(random, allowEmpty: true)),
            < 88 => new PathMatchConfig(PathMatchType.Exact, GeneratePath(random, allowEmpty: false)),
            < 93 => new PathMatchConfig(PathMatchType.Regex, "/" + Segments[random.Next(1, Segments.Length)] + "(/.*)?"),
            _ => null,
        };
        var match = new RouteMatchConfig(path, random.Next(100) < 10 ? [new HeaderMatchConfig(HeaderMatchType.Exact, "x-h", random.Next(2).ToString(System.Globalization.CultureInfo.InvariantCulture))] : []);
        if (random.Next(100) < 6)
        {
            match = match with { Method = Methods[random.Next(2)] };
        }

        if (random.Next(100) < 5)
        {
            match = match with { QueryParams = [new QueryParamMatchConfig(HeaderMatchType.Exact, "q", "1")] };
        }

        return match;
    }

    // Paths over a small alphabet so that prefixes, exact values and requests often meet: "/api/v1",
    // "/api/", "/", "//a", "/ab/x/"...
    private static string GeneratePath(Random random, bool allowEmpty)
    {
        if (allowEmpty && random.Next(100) < 3)
        {
            return "";
        }

        var segments = random.Next(0, 4);
        var path = "";
        for (var s = 0; s < segments; s++)
        {
            path += "/" + Segments[random.Next(Segments.Length)];
        }

        if (path.Length == 0 || random.Next(100) < 15)
        {
            path += "/";
        }

        return path;
    }

    private static HttpRequest GenerateRequest(Random random)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = Methods[random.Next(Methods.Length)];
        context.Request.Path = random.Next(100) < 2 ? "" : GeneratePath(random, allowEmpty: false);
        if (random.Next(100) < 40)
        {
            context.Request.Headers["x-h"] = random.Next(2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (random.Next(100) < 30)
        {
            context.Request.QueryString = new QueryString("?q=1");
        }

        return context.Request;
    }

    private static bool IsPathDecided(CompiledRouteRule rule)
    {
        foreach (var match in rule.Matches)
        {
            if (!match.IsPathOnly || match.Path is { Type: PathMatchType.Regex })
            {
                return false;
            }
        }

        return true;
    }

    private static CompiledRouteRule[] Compile(IReadOnlyList<RouteRuleConfig> rules) =>
        new RouteCompiler(new Dictionary<string, ServiceState>(), null).Compile(Service("web", rules));

    private static RouteRuleConfig Rule(string backend, params RouteMatchConfig[] matches) => new(matches, [new RouteBackendConfig(backend)]);

    private static RouteMatchConfig Prefix(string value) => new(new PathMatchConfig(PathMatchType.Prefix, value), []);
}
