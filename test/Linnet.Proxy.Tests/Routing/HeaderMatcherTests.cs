using Linnet.Proxy.Configuration;
using Linnet.Proxy.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using static Linnet.Proxy.Tests.Routing.RoutingRequests;

namespace Linnet.Proxy.Tests.Routing;

public sealed class HeaderMatcherTests
{
    [Theory]
    [InlineData("x-canary", "yes", "x-canary", "yes", true)]
    [InlineData("X-Canary", "yes", "x-canary", "yes", true)]
    [InlineData("x-canary", "yes", "X-CANARY", "yes", true)]
    [InlineData("x-canary", "yes", "x-canary", "Yes", false)]
    [InlineData("x-canary", "yes", "x-canary", "yes ", false)]
    [InlineData("x-canary", "yes", "x-other", "yes", false)]
    public void Matches_Exact_NameCaseInsensitiveValueCaseSensitive(string name, string value, string sentName, string sentValue, bool expected)
    {
        var matcher = new HeaderMatcher(new HeaderMatchConfig(HeaderMatchType.Exact, name, value), null);

        Assert.Equal(expected, matcher.Matches(new HeaderDictionary { [sentName] = sentValue }));
    }

    [Theory]
    [InlineData("v[12]", "v1", true)]
    [InlineData("v[12]", "v2", true)]
    [InlineData("v[12]", "v10", false)]
    [InlineData("v[12]", "xv1", false)]
    [InlineData(".*firefox.*", "Mozilla/5.0 firefox/120", true)]
    public void Matches_Regex_MustMatchTheWholeValue(string pattern, string sent, bool expected)
    {
        var matcher = new HeaderMatcher(new HeaderMatchConfig(HeaderMatchType.Regex, "X-Version", pattern), RouteRegex.Create(pattern));

        Assert.Equal(expected, matcher.Matches(new HeaderDictionary { ["x-version"] = sent }));
    }

    [Fact]
    public void Matches_HeaderAbsent_DoesNotMatchEvenAnEmptyValue()
    {
        var matcher = new HeaderMatcher(new HeaderMatchConfig(HeaderMatchType.Exact, "x-canary", ""), null);

        Assert.False(matcher.Matches(new HeaderDictionary()));
    }

    [Fact]
    public void Matches_RepeatedHeader_ComparesValuesJoinedByComma()
    {
        var joined = new HeaderMatcher(new HeaderMatchConfig(HeaderMatchType.Exact, "x-tag", "a,b"), null);
        var first = new HeaderMatcher(new HeaderMatchConfig(HeaderMatchType.Exact, "x-tag", "a"), null);
        var headers = new HeaderDictionary { ["x-tag"] = new StringValues(["a", "b"]) };

        Assert.True(joined.Matches(headers));
        Assert.False(first.Matches(headers));
    }

    [Fact]
    public void RouteMatcher_PathAndHeaders_AllMustHold()
    {
        var match = new RouteMatcher(
            new PathMatcher(new PathMatchConfig(PathMatchType.Prefix, "/api"), null),
            [
                new HeaderMatcher(new HeaderMatchConfig(HeaderMatchType.Exact, "x-a", "1"), null),
                new HeaderMatcher(new HeaderMatchConfig(HeaderMatchType.Exact, "x-b", "2"), null),
            ]);

        Assert.True(match.Matches(Request("/api/x", ("x-a", "1"), ("x-b", "2"))));
        Assert.False(match.Matches(Request("/api/x", ("x-a", "1"))));
        Assert.False(match.Matches(Request("/other", ("x-a", "1"), ("x-b", "2"))));
    }
}
