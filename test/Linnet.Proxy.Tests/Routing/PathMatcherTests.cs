using Linnet.Proxy.Configuration;
using Linnet.Proxy.Routing;

namespace Linnet.Proxy.Tests.Routing;

public sealed class PathMatcherTests
{
    [Theory]
    [InlineData("/api", "/api", true)]
    [InlineData("/api", "/api/", true)]
    [InlineData("/api", "/api/v1/users", true)]
    [InlineData("/api", "/apis", false)]
    [InlineData("/api", "/ap", false)]
    [InlineData("/api", "/API", false)]
    [InlineData("/api", "/v1/api", false)]
    [InlineData("/api/", "/api", true)]
    [InlineData("/api/", "/api/v1", true)]
    [InlineData("/api/", "/apis", false)]
    [InlineData("/", "/", true)]
    [InlineData("/", "/anything/at/all", true)]
    [InlineData("", "/anything", true)]
    public void Matches_Prefix_MatchesWholePathElements(string prefix, string path, bool expected) =>
        Assert.Equal(expected, new PathMatcher(new PathMatchConfig(PathMatchType.Prefix, prefix), null).Matches(path));

    [Theory]
    [InlineData("/api", "/api", true)]
    [InlineData("/api", "/api/", false)]
    [InlineData("/api", "/api/v1", false)]
    [InlineData("/api", "/Api", false)]
    public void Matches_Exact_IsCaseSensitiveEquality(string value, string path, bool expected) =>
        Assert.Equal(expected, new PathMatcher(new PathMatchConfig(PathMatchType.Exact, value), null).Matches(path));

    [Theory]
    [InlineData("/v[0-9]+/users", "/v2/users", true)]
    [InlineData("/v[0-9]+/users", "/v2/users/7", false)]
    [InlineData("/v[0-9]+/users", "/x/v2/users", false)]
    [InlineData("/a|/b", "/b", true)]
    [InlineData("/a|/b", "/ab", false)]
    [InlineData("/users/.*", "/users/", true)]
    public void Matches_Regex_MustMatchTheWholePath(string pattern, string path, bool expected) =>
        Assert.Equal(expected, new PathMatcher(new PathMatchConfig(PathMatchType.Regex, pattern), RouteRegex.Create(pattern)).Matches(path));

    [Fact]
    public void Compile_InvalidRegex_ReportsItAndNeverMatches()
    {
        var compiler = new RouteCompiler(new Dictionary<string, ServiceState>(), null);
        var service = new ServiceConfig("web", [], 80, ServiceProtocol.Detect, null, [])
        {
            Routes = [new RouteConfig("shop/web", [new RouteRuleConfig([new RouteMatchConfig(new PathMatchConfig(PathMatchType.Regex, "(unclosed"), [])], [])])],
        };

        var rule = Assert.Single(compiler.Compile(service));

        Assert.False(rule.Applies(new Microsoft.AspNetCore.Http.DefaultHttpContext { Request = { Path = "/(unclosed" } }.Request));
        Assert.Contains("(unclosed", Assert.Single(compiler.Problems), StringComparison.Ordinal);
    }
}
