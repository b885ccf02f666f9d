using System.Net;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Proxy.Tests.Resilience;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Tests.Filters;

/// <summary>Gateway API <c>hostnames</c>, <c>URLRewrite</c> and <c>RequestRedirect</c> through a real proxy to a
/// real backend that reports the path, query and Host it received. Expected values are the Gateway API's
/// (apis/v1/httproute_types.go and the mesh conformance tests httproute-rewrite-path, httproute-redirect-*).</summary>
public sealed class RouteFiltersProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The ReplacePrefixMatch table of httproute_types.go: request path, prefix match, replacement, forwarded path.
    public static TheoryData<string, string, string, string> PrefixTable => new()
    {
        { "/foo/bar", "/foo", "/xyz", "/xyz/bar" },
        { "/foo/bar", "/foo", "/xyz/", "/xyz/bar" },
        { "/foo/bar", "/foo/", "/xyz", "/xyz/bar" },
        { "/foo/bar", "/foo/", "/xyz/", "/xyz/bar" },
        { "/foo", "/foo", "/xyz", "/xyz" },
        { "/foo/", "/foo", "/xyz", "/xyz/" },
        { "/foo/bar", "/foo", "", "/bar" },
        { "/foo/", "/foo", "", "/" },
        { "/foo", "/foo", "", "/" },
        { "/foo/", "/foo", "/", "/" },
        { "/foo", "/foo", "/", "/" },
    };

    [Theory]
    [MemberData(nameof(PrefixTable))]
    public async Task UrlRewrite_ReplacePrefixMatch_ForwardsTheSpecsPath(string requestPath, string prefix, string replacement, string expected)
    {
        await using var backend = await ReportingBackendAsync();
        var rule = new RouteRuleConfig([Prefix(prefix)], [new RouteBackendConfig("web-v1:80")])
        {
            Rewrite = new RewriteConfig(null, new PathModifierConfig(PathModifierType.ReplacePrefixMatch, replacement)),
        };
        await using var proxy = await StartAsync(backend, new RouteConfig("shop/rewrite", [rule]));
        using var client = Client();

        using var response = await client.SendAsync(Get(proxy, "web", requestPath + "?q=1&r=a%20b"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{expected}?q=1&r=a%20b web", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task UrlRewrite_FullPathAndHostname_ReplacesBothKeepsQuery()
    {
        await using var backend = await ReportingBackendAsync();
        var rule = new RouteRuleConfig([Prefix("/full/one")], [new RouteBackendConfig("web-v1:80")])
        {
            Rewrite = new RewriteConfig("v1.example.org", new PathModifierConfig(PathModifierType.ReplaceFullPath, "/one")),
        };
        var other = new RouteRuleConfig([], [new RouteBackendConfig("web-v1:80")]);
        await using var proxy = await StartAsync(backend, new RouteConfig("shop/rewrite", [rule, other]));
        using var client = Client();

        using var rewritten = await client.SendAsync(Get(proxy, "web:80", "/full/one/two?x=y"), Ct);
        using var untouched = await client.SendAsync(Get(proxy, "web:80", "/full/onetwo"), Ct);

        Assert.Equal("/one?x=y v1.example.org", await rewritten.Content.ReadAsStringAsync(Ct));
        Assert.Equal("/full/onetwo web:80", await untouched.Content.ReadAsStringAsync(Ct));
        Assert.Equal(2, backend.RequestCount);
    }

    [Fact]
    public async Task Hostnames_ExactAndWildcard_SelectTheRouteByHostIgnoringPort()
    {
        await using var v1 = await ReportingBackendAsync("v1");
        await using var v2 = await ReportingBackendAsync("v2");
        var specific = new RouteConfig("shop/by-host", [new RouteRuleConfig([], [new RouteBackendConfig("web-v2:80")])])
        {
            Hostnames = ["web.shop.svc.cluster.local", "*.canary.example"],
        };
        var fallback = new RouteConfig("shop/default", [new RouteRuleConfig([], [new RouteBackendConfig("web-v1:80")])]);
        var web = TestProxy.Service("web", 80) with { Key = "web.shop:80", Aliases = ["web.shop", "web.shop.svc.cluster.local", "a.canary.example", "canary.example", "x.y.canary.example"], Routes = [specific, fallback] };
        await using var proxy = await TestProxy.StartAsync(1, [web, TestProxy.Service("web-v1", 80, v1.Port), TestProxy.Service("web-v2", 80, v2.Port)]);
        using var client = Client();

        var cases = new (string Host, string Expected)[]
        {
            ("web.shop.svc.cluster.local", "v2"),
            ("WEB.shop.svc.cluster.local:80", "v2"),
            ("a.canary.example", "v2"),
            ("x.y.canary.example:80", "v2"),
            ("canary.example", "v1"),
            ("web", "v1"),
            ("web.shop", "v1"),
        };
        var actual = new List<(string, string)>();
        foreach (var (host, _) in cases)
        {
            using var response = await client.SendAsync(Get(proxy, host, "/"), Ct);
            actual.Add((host, (await response.Content.ReadAsStringAsync(Ct)).Split(' ')[^1]));
        }

        Assert.Equal(cases.Select(c => (c.Host, c.Expected)), actual);
    }

    [Fact]
    public async Task Hostnames_NoRouteForTheHost_Answers404()
    {
        await using var v1 = await ReportingBackendAsync("v1");
        var only = new RouteConfig("shop/by-host", [new RouteRuleConfig([], [new RouteBackendConfig("web-v1:80")])]) { Hostnames = ["web.shop"] };
        var web = TestProxy.Service("web", 80) with { Key = "web.shop:80", Aliases = ["web.shop"], Routes = [only] };
        await using var proxy = await TestProxy.StartAsync(1, [web, TestProxy.Service("web-v1", 80, v1.Port)]);
        using var client = Client();

        using var other = await client.SendAsync(Get(proxy, "web", "/"), Ct);
        using var matching = await client.SendAsync(Get(proxy, "web.shop", "/"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, matching.StatusCode);
        Assert.Equal(1, v1.RequestCount);
    }

    // httproute-redirect-path, -port, -host-and-status, -scheme: the request goes to "echo" (port 80).
    public static TheoryData<string, int, string> RedirectCases => new()
    {
        { "/original-prefix/lemon?a=1", 302, "http://echo/replacement-prefix/lemon?a=1" },
        { "/full/path/original", 302, "http://echo/full-path-replacement" },
        { "/path-and-host", 302, "http://example.org/replacement-prefix" },
        { "/path-and-status", 301, "http://echo/replacement-prefix" },
        { "/port", 302, "http://echo:8083/port" },
        { "/port-and-host", 302, "http://example.org:8083/port-and-host" },
        { "/scheme", 302, "https://echo/scheme" },
        { "/scheme-and-port", 302, "https://echo:8443/scheme-and-port" },
        { "/scheme-http-443", 302, "http://echo:443/scheme-http-443" },
        { "/status-303", 303, "http://echo/status-303" },
        { "/status-307", 307, "http://echo/status-307" },
        { "/status-308", 308, "http://echo/status-308" },
    };

    [Theory]
    [MemberData(nameof(RedirectCases))]
    public async Task RequestRedirect_GatewayApiCases_AnswersLocationAndStatusWithoutForwarding(string path, int status, string location)
    {
        await using var backend = await ReportingBackendAsync();
        static RouteRuleConfig Redirect(string prefix, RedirectConfig redirect) => new([Prefix(prefix)], []) { Redirect = redirect };
        var rules = new[]
        {
            Redirect("/original-prefix", new RedirectConfig(null, null, new PathModifierConfig(PathModifierType.ReplacePrefixMatch, "/replacement-prefix"), null)),
            Redirect("/full", new RedirectConfig(null, null, new PathModifierConfig(PathModifierType.ReplaceFullPath, "/full-path-replacement"), null)),
            Redirect("/path-and-host", new RedirectConfig(null, "example.org", new PathModifierConfig(PathModifierType.ReplacePrefixMatch, "/replacement-prefix"), null)),
            Redirect("/path-and-status", new RedirectConfig(null, null, new PathModifierConfig(PathModifierType.ReplacePrefixMatch, "/replacement-prefix"), null, 301)),
            Redirect("/port", new RedirectConfig(null, null, null, 8083)),
            Redirect("/port-and-host", new RedirectConfig(null, "example.org", null, 8083)),
            Redirect("/scheme", new RedirectConfig("https", null, null, null)),
            Redirect("/scheme-and-port", new RedirectConfig("https", null, null, 8443)),
            Redirect("/scheme-http-443", new RedirectConfig("http", null, null, 443)),
            Redirect("/status-303", new RedirectConfig(null, null, null, null, 303)),
            Redirect("/status-307", new RedirectConfig(null, null, null, null, 307)),
            Redirect("/status-308", new RedirectConfig(null, null, null, null, 308)),
        };
        var echo = TestProxy.Service("echo", 80) with { Routes = [new RouteConfig("ns/redirects", rules)] };
        await using var proxy = await TestProxy.StartAsync(1, [echo, TestProxy.Service("web-v1", 80, backend.Port)]);
        using var client = Client();

        using var response = await client.SendAsync(Get(proxy, "echo", path), Ct);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(location, response.Headers.Location?.OriginalString);
        Assert.Equal(0, backend.RequestCount);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "outbound")) == 1);
        Assert.Equal(1, scrape.Sum("response_total", ("authority", "echo:80"), ("status_code", status.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task RequestRedirect_NoPortNoScheme_UsesTheServicePortTheRequestWasSentTo()
    {
        await using var backend = await ReportingBackendAsync();
        var rule = new RouteRuleConfig([], []) { Redirect = new RedirectConfig(null, "example.org", null, null) };
        var echo = TestProxy.Service("echo", 8080) with { Routes = [new RouteConfig("ns/redirect", [rule])] };
        await using var proxy = await TestProxy.StartAsync(1, [echo, TestProxy.Service("web-v1", 80, backend.Port)]);
        using var client = Client();

        using var response = await client.SendAsync(Get(proxy, "echo:8080", "/a/b?c"), Ct);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("http://example.org:8080/a/b?c", response.Headers.Location?.OriginalString);
    }

    private static RouteMatchConfig Prefix(string value) => new(new PathMatchConfig(PathMatchType.Prefix, value), []);

    private static Task<TestProxy> StartAsync(ScriptedBackend backend, RouteConfig route) =>
        TestProxy.StartAsync(1, [TestProxy.Service("web", 80) with { Routes = [route] }, TestProxy.Service("web-v1", 80, backend.Port)]);

    // Answers "<path><query> <host>" (or "... <name>" when named), for any request.
    private static Task<ScriptedBackend> ReportingBackendAsync(string? name = null) =>
        ScriptedBackend.StartAsync(
            (context, _) => context.Response.WriteAsync($"{context.Request.Path.ToUriComponent()}{context.Request.QueryString} {name ?? context.Request.Host.Value}", context.RequestAborted),
            Ct);

    private static HttpClient Client() =>
        new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });

    private static HttpRequestMessage Get(TestProxy proxy, string host, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(proxy.OutboundUri, path));
        request.Headers.Host = host;
        return request;
    }
}
