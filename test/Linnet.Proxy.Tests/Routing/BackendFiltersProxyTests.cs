using System.Net;
using System.Text.Json;
using Linnet.Api.Destination.V1;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Resilience;
using Linnet.Proxy.Tests.Resilience;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using static Linnet.Proxy.Tests.ControlPlane.DestinationMessages;

namespace Linnet.Proxy.Tests.Routing;

/// <summary>Gateway API per-backendRef filters through a real proxy to real backends: a header modifier on one
/// backendRef of a weighted split changes only the requests sent to that backend and only its responses (what Flagger's
/// session affinity needs: the canary's responses alone set its cookie).</summary>
public sealed class BackendFiltersProxyTests
{
    private const string Cookie = "flagger-cookie=LpsIaLdoNZ; Max-Age=21600";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(HttpProtocols.Http1)]
    [InlineData(HttpProtocols.Http2)]
    public async Task BackendFilters_WeightedSplit_OnlyThatBackendsRequestsAndResponsesChanged(HttpProtocols protocols)
    {
        await using var a = await HttpTestApp.StartAsync("a", protocols, Ct);
        await using var b = await HttpTestApp.StartAsync("b", protocols, Ct);
        var canary = new RouteBackendConfig("web-b:80", 50)
        {
            RequestHeaders = new HeaderModifierConfig([new HeaderValueConfig("x-backend", "b")], [], []),
            ResponseHeaders = new HeaderModifierConfig([], [new HeaderValueConfig("Set-Cookie", Cookie)], []),
        };
        var web = TestProxy.Service("web", 80) with
        {
            Routes =
            [
                new RouteConfig("shop/web", [new RouteRuleConfig([], [new RouteBackendConfig("web-a:80", 50), canary])
                {
                    // The rule's own changes apply to both, the backend's after them.
                    ResponseHeaders = new HeaderModifierConfig([new HeaderValueConfig("x-rule", "yes")], [], []),
                }]),
            ],
        };
        await using var proxy = await TestProxy.StartAsync(1, [web, TestProxy.Service("web-a", 80, a.Port), TestProxy.Service("web-b", 80, b.Port)], random: new SynchronizedRandom(7));
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false });

        var served = new Dictionary<string, int>(StringComparer.Ordinal) { ["a"] = 0, ["b"] = 0 };
        for (var i = 0; i < 60; i++)
        {
            using var request = ProxyLoad.Get(proxy, "web", "/headers");
            if (protocols == HttpProtocols.Http2)
            {
                request.Version = HttpVersion.Version20;
                request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            }

            using var response = await client.SendAsync(request, Ct);
            var app = response.Headers.GetValues("x-app-name").Single();
            var seen = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(await response.Content.ReadAsStringAsync(Ct))!;
            served[app]++;

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("yes", response.Headers.GetValues("x-rule").Single());
            if (app == "b")
            {
                Assert.Equal([Cookie], response.Headers.GetValues("Set-Cookie"));
                Assert.Equal("b", seen["x-backend"].GetString());
            }
            else
            {
                Assert.False(response.Headers.Contains("Set-Cookie"), "a response from backend a carries the cookie of backend b");
                Assert.False(seen.ContainsKey("x-backend"));
            }
        }

        // Both sides of the split were exercised (seeded draw: 60 requests at 50/50).
        Assert.True(served["a"] > 0 && served["b"] > 0, $"a {served["a"]}, b {served["b"]}");
        Assert.Equal(60, a.RequestCount + b.RequestCount);
    }

    [Fact]
    public void ToServiceConfig_BackendHeaderModifiers_MappedOnThatBackendAndBadNamesDropped()
    {
        var service = Service("web", "shop", 80, 9001);
        var rule = new RouteRule
        {
            Backends =
            {
                new RouteBackend { ServiceKey = "web-primary.shop:80", Weight = 90 },
                new RouteBackend
                {
                    ServiceKey = "web-canary.shop:80",
                    Weight = 10,
                    ResponseHeaders = new RouteHeaderModifier { Add = { new RouteHeaderValue { Name = "Set-Cookie", Value = Cookie } } },
                    RequestHeaders = new RouteHeaderModifier { Remove = { "x-debug", "bad name" } },
                },
            },
        };
        service.Routes.Add(new Route { Name = "shop/web", Rules = { rule } });
        var problems = new List<string>();

        var config = DestinationMapper.ToServiceConfig(service, problems)!;

        var backends = Assert.Single(Assert.Single(config.Routes).Rules).Backends;
        Assert.Equal(("web-primary.shop:80", 90, (HeaderModifierConfig?)null, (HeaderModifierConfig?)null), (backends[0].ServiceKey, backends[0].Weight, backends[0].RequestHeaders, backends[0].ResponseHeaders));
        Assert.Equal([new HeaderValueConfig("Set-Cookie", Cookie)], backends[1].ResponseHeaders!.Add);
        Assert.Equal(["x-debug"], backends[1].RequestHeaders!.Remove);
        Assert.Contains(problems, p => p.Contains("backends[1].requestHeaders", StringComparison.Ordinal) && p.Contains("'bad name'", StringComparison.Ordinal));
    }
}
