using Linnet.Proxy.Configuration;
using Linnet.Proxy.Routing;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Tests.Routing;

public sealed class QueryParamMatcherTests
{
    [Theory]
    [InlineData("?tenant=acme", true)]
    [InlineData("?a=1&tenant=acme&b=2", true)]
    [InlineData("tenant=acme", true)]
    [InlineData("?tenant=Acme", false)]
    [InlineData("?Tenant=acme", false)]
    [InlineData("?tenant=acme2", false)]
    [InlineData("?xtenant=acme", false)]
    [InlineData("?tenant", false)]
    [InlineData("", false)]
    [InlineData("?tenant=%61cme", true)]
    [InlineData("?te%6Eant=acme", true)]
    [InlineData("?tenant=other&tenant=acme", false)]
    [InlineData("?tenant=acme&tenant=other", true)]
    [InlineData("?&&tenant=acme&", true)]
    public void Matches_Exact_FirstDecodedParameterDecides(string query, bool expected)
    {
        var matcher = new QueryParamMatcher(new QueryParamMatchConfig(HeaderMatchType.Exact, "tenant", "acme"), null);

        Assert.Equal(expected, matcher.Matches(query));
    }

    [Theory]
    [InlineData("?q=a+b", true)]
    [InlineData("?q=a%20b", true)]
    [InlineData("?q=a%2Bb", false)]
    [InlineData("?q=ab", false)]
    public void Matches_EncodedSpace_DecodedBeforeComparison(string query, bool expected)
    {
        var matcher = new QueryParamMatcher(new QueryParamMatchConfig(HeaderMatchType.Exact, "q", "a b"), null);

        Assert.Equal(expected, matcher.Matches(query));
    }

    [Fact]
    public void Matches_EmptyValueWithoutEquals_MatchesEmptyExact()
    {
        var matcher = new QueryParamMatcher(new QueryParamMatchConfig(HeaderMatchType.Exact, "debug", ""), null);

        Assert.True(matcher.Matches("?debug"));
        Assert.True(matcher.Matches("?debug="));
        Assert.False(matcher.Matches("?debug=1"));
    }

    [Theory]
    [InlineData("?v=12", true)]
    [InlineData("?v=12a", false)]
    [InlineData("?v=", false)]
    [InlineData("?v=%31%32", true)]
    public void Matches_Regex_WholeValue(string query, bool expected)
    {
        var matcher = new QueryParamMatcher(new QueryParamMatchConfig(HeaderMatchType.Regex, "v", "[0-9]+"), RouteRegex.Create("[0-9]+"));

        Assert.Equal(expected, matcher.Matches(query));
    }

    [Fact]
    public void Matches_RegexThatDidNotCompile_NeverMatches()
    {
        var matcher = new QueryParamMatcher(new QueryParamMatchConfig(HeaderMatchType.Regex, "v", "("), null);

        Assert.False(matcher.Matches("?v=("));
    }

    [Fact]
    public void RouteMatcher_MethodAndQuery_AllMustHold()
    {
        var match = new RouteMatcher(
            null,
            [],
            [new QueryParamMatcher(new QueryParamMatchConfig(HeaderMatchType.Exact, "a", "1"), null)],
            "POST");

        Assert.True(match.Matches(Request("POST", "?a=1")));
        Assert.False(match.Matches(Request("GET", "?a=1")));
        Assert.False(match.Matches(Request("post", "?a=1")));
        Assert.False(match.Matches(Request("POST", "?a=2")));
        Assert.False(match.Matches(Request("POST", "")));
    }

    [Fact]
    public void Compile_MethodAndQueryMatch_RouterPicksByThem()
    {
        var compiler = new RouteCompiler(new Dictionary<string, ServiceState>(), null);
        var service = new ServiceConfig("web", [], 80, ServiceProtocol.Detect, null, [])
        {
            Routes =
            [
                new RouteConfig("shop/web",
                [
                    new RouteRuleConfig([new RouteMatchConfig(null, []) { Method = "delete", QueryParams = [new QueryParamMatchConfig(HeaderMatchType.Regex, "id", "[0-9]+")] }], []),
                ]),
            ],
        };

        var rule = Assert.Single(compiler.Compile(service));

        Assert.Empty(compiler.Problems);
        Assert.True(rule.Applies(Request("DELETE", "?id=42")));
        Assert.False(rule.Applies(Request("DELETE", "?id=x")));
        Assert.False(rule.Applies(Request("GET", "?id=42")));
    }

    [Fact]
    public void Compile_RegexEscapingItsAnchors_ReportedAndNeverMatches()
    {
        var compiler = new RouteCompiler(new Dictionary<string, ServiceState>(), null);
        var service = new ServiceConfig("web", [], 80, ServiceProtocol.Detect, null, [])
        {
            Routes = [new RouteConfig("shop/web", [new RouteRuleConfig([new RouteMatchConfig(new PathMatchConfig(PathMatchType.Regex, "/a)|(/b"), [])], [])])],
        };

        var rule = Assert.Single(compiler.Compile(service));

        Assert.Single(compiler.Problems);
        Assert.False(rule.Applies(Request("GET", "", "/a/anything")));
    }

    private static HttpRequest Request(string method, string query, string path = "/")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query.Length == 0 ? null : query);
        return context.Request;
    }
}
