using System.Diagnostics;
using System.Net;
using Linnet.Api.Tap.V1;
using Dst = Linnet.Api.Destination.V1;
using Linnet.Proxy.Tests.ControlPlane;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;
using static Linnet.Proxy.Tests.ControlPlane.DestinationMessages;

namespace Linnet.Proxy.Tests.Tap;

/// <summary>Tap on a real proxy, driven by a control plane the test plays (<see cref="FakeTapService"/>, over the
/// same verified TLS as Destination): the proxy does no tap work while nobody taps, reports exactly the
/// requests that match a tap with their headers and response, redacts secret headers unless the tap asks for
/// them, stays within max-rps, and stops every tap when the stream to the control plane ends.</summary>
public sealed class TapTests
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Requests_NobodyTaps_TapCodeDoesNothing()
    {
        await using var app = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var server = await StartServerAsync(app.Port);
        await using var proxy = await StartProxyAsync(server);

        for (var i = 0; i < 20; i++)
        {
            await GetAsync(proxy, "/hello");
        }

        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "outbound")) == 20);
        Assert.Equal(0, scrape.Sum("tap_active"));
        Assert.Equal(0, scrape.Sum("tap_inspected_requests_total"));
        Assert.Equal(0, scrape.Sum("tap_events_total"));
        Assert.Empty(server.Tap.Events);
        Assert.Equal("web", Assert.Single(server.Tap.Hellos).Workload);
    }

    [Fact]
    public async Task Tap_Filter_ReportsExactlyTheMatchingRequestsWithHeadersAndRedactsSecrets()
    {
        await using var app = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var server = await StartServerAsync(app.Port);
        await using var proxy = await StartProxyAsync(server);
        await StartTapAsync(server, new TapStart { Id = "t1", MaxRps = 1000, Match = new TapMatch { Method = "GET", PathPrefix = "/bytes" } });

        await GetAsync(proxy, "/bytes/10", ("x-trace", "abc-1"), ("authorization", "Bearer s3cret"), ("cookie", "session=s3cret"));
        await GetAsync(proxy, "/bytes/25", ("x-trace", "abc-2"));
        await GetAsync(proxy, "/hello", ("x-trace", "not-me"));
        await PostAsync(proxy, "/bytes/5");
        await GetAsync(proxy, "/status/503", ("x-trace", "not-me-either"));

        await Eventually.WaitAsync(() => server.Tap.Events.Count >= 2, "two tap events");
        await proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "outbound")) == 5);
        var events = server.Tap.Events.ToList();
        Assert.Equal(["/bytes/10", "/bytes/25"], events.Select(e => e.Path).Order(StringComparer.Ordinal));
        var first = events.Single(e => e.Path == "/bytes/10");
        Assert.Equal(("t1", "outbound", "GET", "http", "backend.test:8080"), (first.TapId, first.Direction, first.Method, first.Scheme, first.Authority));
        Assert.Equal(200u, first.Status);
        Assert.Equal(10ul, first.ResponseBytes);
        Assert.True(first.EndOfStream);
        Assert.False(first.HasGrpcStatus);
        Assert.Equal($"127.0.0.1:{app.Port}", first.Destination);
        Assert.Equal("abc-1", Header(first.RequestHeaders, "x-trace").Value);
        Assert.Equal(("[redacted]", true), (Header(first.RequestHeaders, "authorization").Value, Header(first.RequestHeaders, "authorization").Redacted));
        Assert.Equal("[redacted]", Header(first.RequestHeaders, "cookie").Value);
        Assert.Equal("a", Header(first.ResponseHeaders, "x-app-name").Value);
        Assert.Equal("10", Header(first.ResponseHeaders, "content-length").Value);
        Assert.True(first.ResponseEndMicros >= first.ResponseInitMicros);
        Assert.Equal(("test", "web", "web-0"), (first.SourceMeta["namespace"], first.SourceMeta["deployment"], first.SourceMeta["pod"]));
        Assert.Equal(("test", "backend", "backend-0"), (first.DestinationMeta["namespace"], first.DestinationMeta["deployment"], first.DestinationMeta["pod"]));
        Assert.Equal(25ul, events.Single(e => e.Path == "/bytes/25").ResponseBytes);

    }

    [Fact]
    public async Task Tap_ConfiguredSecretHeaderAndReveal_HiddenTapRedactsBothRevealingTapShowsBoth()
    {
        await using var app = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var server = await StartServerAsync(app.Port);
        await using var proxy = await StartProxyAsync(server);
        var hidden = new TapStart { Id = "hidden", MaxRps = 100 };
        hidden.SecretHeaders.Add("x-api-key");
        await StartTapAsync(server, hidden);
        var revealing = new TapStart { Id = "reveal", MaxRps = 100, RevealSecretHeaders = true };
        revealing.SecretHeaders.Add("x-api-key");
        await StartTapAsync(server, revealing);

        await GetAsync(proxy, "/hello", ("authorization", "Bearer visible"), ("x-api-key", "k"));

        await Eventually.WaitAsync(() => server.Tap.Events.Count >= 2, "an event for each tap");
        var withheld = server.Tap.Events.Single(e => e.TapId == "hidden");
        Assert.Equal(("[redacted]", "[redacted]"), (Header(withheld.RequestHeaders, "authorization").Value, Header(withheld.RequestHeaders, "x-api-key").Value));
        var shown = server.Tap.Events.Single(e => e.TapId == "reveal");
        Assert.Equal(("Bearer visible", "k"), (Header(shown.RequestHeaders, "authorization").Value, Header(shown.RequestHeaders, "x-api-key").Value));
    }

    [Fact]
    public async Task Tap_ToAnotherWorkload_ReportsNothing()
    {
        await using var app = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var server = await StartServerAsync(app.Port);
        await using var proxy = await StartProxyAsync(server);
        await StartTapAsync(server, new TapStart { Id = "other", MaxRps = 100, Match = new TapMatch { ToWorkload = "payments", ToNamespace = "test" } });
        await StartTapAsync(server, new TapStart { Id = "backend", MaxRps = 100, Match = new TapMatch { ToWorkload = "backend", ToNamespace = "test" } });

        await GetAsync(proxy, "/hello");
        await GetAsync(proxy, "/hello");

        await Eventually.WaitAsync(() => server.Tap.Events.Count >= 2, "two tap events");
        await proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "outbound")) == 2);
        Assert.All(server.Tap.Events, e => Assert.Equal("backend", e.TapId));
        Assert.Equal(2, server.Tap.Events.Count);
    }

    [Fact]
    public async Task Tap_MaxRps_ReportsNoMoreThanTheBucketAllows()
    {
        const double maxRps = 2;
        const int sent = 40;
        await using var app = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var server = await StartServerAsync(app.Port);
        await using var proxy = await StartProxyAsync(server);
        await StartTapAsync(server, new TapStart { Id = "slow", MaxRps = maxRps });

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < sent; i++)
        {
            await GetAsync(proxy, "/hello");
        }

        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("tap_events_total") + s.Sum("tap_events_rate_limited_total") == sent);
        var elapsed = clock.Elapsed.TotalSeconds;

        // A bucket of one second's worth, refilled at max-rps: at most max(1, rps) + rps × elapsed.
        var reported = scrape.Sum("tap_events_total");
        Assert.InRange(reported, maxRps, maxRps + (maxRps * elapsed) + 1e-9);
        Assert.Equal(sent - reported, scrape.Sum("tap_events_rate_limited_total"));
        await Eventually.WaitAsync(() => server.Tap.Events.Count == (int)reported, "the reported events to arrive");
    }

    [Fact]
    public async Task Tap_RoutedRequest_EventCarriesTheMatchedRouteNoRouteNone()
    {
        await using var app = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var server = await StartServerAsync(app.Port, backend => backend.Routes.Add(new Dst.Route
        {
            Name = "test/bytes-route",
            Rules =
            {
                new Dst.RouteRule
                {
                    Matches = { new Dst.RouteMatch { Path = new Dst.PathMatch { Type = Dst.PathMatch.Types.Type.Prefix, Value = "/bytes" } } },
                    Backends = { new Dst.RouteBackend { ServiceKey = "backend.test:8080", Weight = 1 } },
                },
            },
        }));
        await using var proxy = await StartProxyAsync(server);
        await StartTapAsync(server, new TapStart { Id = "rt", MaxRps = 1000 });

        await GetAsync(proxy, "/bytes/3");
        await GetAsync(proxy, "/hello");

        await Eventually.WaitAsync(() => server.Tap.Events.Count >= 2, "two tap events");
        var routed = server.Tap.Events.Single(e => e.Path == "/bytes/3");
        Assert.Equal(200u, routed.Status);
        Assert.Equal(
            new Dictionary<string, string> { ["route"] = "bytes-route", ["kind"] = "HTTPRoute", ["namespace"] = "test" },
            routed.RouteMeta.ToDictionary(kv => kv.Key, kv => kv.Value));

        // No rule of the service's route matches /hello: Gateway API's 404, and no route to name.
        var unrouted = server.Tap.Events.Single(e => e.Path == "/hello");
        Assert.Equal(404u, unrouted.Status);
        Assert.Empty(unrouted.RouteMeta);
    }

    [Fact]
    public async Task Tap_InboundRequestOfAServiceWithRoutes_EventCarriesTheRouteItMatchedAndIsCountedUnderIt()
    {
        await using var app = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        var server = await FakeDestinationServer.StartAsync();
        await using var disposeServer = server;

        // This instance serves web.test:80, whose route sends /bytes somewhere (the client's business: inbound only classifies).
        var web = new Dst.InboundService { Key = "web.test:80", Port = 80, Names = { "web.test", "web.test.svc.cluster.local" } };
        web.Routes.Add(new Dst.Route
        {
            Name = "test/web-bytes",
            Rules = { new Dst.RouteRule { Matches = { new Dst.RouteMatch { Path = new Dst.PathMatch { Type = Dst.PathMatch.Types.Type.Prefix, Value = "/bytes" } } } } },
        });
        server.Service.Policy = new Dst.InboundPolicy { DefaultPolicy = Dst.DefaultPolicy.AllUnauthenticated, Services = { web } };
        server.Service.Replace("v1", Service("backend", "test", 8080, app.Port));
        await using var proxy = await StartProxyAsync(server, app.Port);
        await StartTapAsync(server, new TapStart { Id = "in", MaxRps = 1000 });

        foreach (var (host, path) in new[] { ("web.test.svc.cluster.local:80", "/bytes/4"), ("web.test:80", "/hello"), ("127.0.0.1:80", "/bytes/5") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(proxy.InboundUri, path));
            request.Headers.Host = host;
            using var response = await Http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode); // classified, never routed: the app answers every one
        }

        await Eventually.WaitAsync(() => server.Tap.Events.Count >= 3, "three tap events");
        var routed = server.Tap.Events.Single(e => e.Path == "/bytes/4");
        Assert.Equal("inbound", routed.Direction);
        Assert.Equal(
            new Dictionary<string, string> { ["route"] = "web-bytes", ["kind"] = "HTTPRoute", ["namespace"] = "test" },
            routed.RouteMeta.ToDictionary(kv => kv.Key, kv => kv.Value));
        Assert.Empty(server.Tap.Events.Single(e => e.Path == "/hello").RouteMeta);
        Assert.Empty(server.Tap.Events.Single(e => e.Path == "/bytes/5").RouteMeta); // an authority naming no service

        // Linkerd's route series: under the route, under the service alone (its default route), and nothing for an
        // authority that names no service of this instance.
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "inbound")) == 3);
        Assert.Equal(1, scrape.Sum("route_request_total", ("direction", "inbound"), ("dst", "web.test.svc.cluster.local:80"), ("rt_route", "web-bytes")));
        Assert.Equal(1, scrape.Sum("route_response_total", ("direction", "inbound"), ("rt_route", "web-bytes"), ("status_code", "200"), ("classification", "success")));
        Assert.Equal(1, scrape.Sum("route_response_latency_ms_count", ("direction", "inbound"), ("rt_route", "web-bytes")));
        var unmatched = Assert.Single(scrape.All("route_request_total"), s => !s.Labels.ContainsKey("rt_route"));
        Assert.Equal((1.0, "web.test.svc.cluster.local:80"), (unmatched.Value, unmatched.Labels["dst"]));
        Assert.Equal(2, scrape.All("route_request_total").Count);
    }

    [Fact]
    public async Task StreamEnds_EveryTapStops_RequestPathBackToNothing()
    {
        await using var app = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var server = await StartServerAsync(app.Port);
        await using var proxy = await StartProxyAsync(server);
        await StartTapAsync(server, new TapStart { Id = "gone", MaxRps = 100 });
        await GetAsync(proxy, "/hello");
        var inspected = (await proxy.ScrapeWhenAsync(s => s.Sum("tap_inspected_requests_total") == 1)).Sum("tap_inspected_requests_total");

        await server.Tap.EndStream.CancelAsync();
        await proxy.ScrapeWhenAsync(s => s.Sum("tap_active") == 0);
        await GetAsync(proxy, "/hello");

        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "outbound")) == 2);
        Assert.Equal(inspected, scrape.Sum("tap_inspected_requests_total"));
    }

    private static async Task<FakeDestinationServer> StartServerAsync(int appPort, Action<Dst.Service>? configure = null)
    {
        var server = await FakeDestinationServer.StartAsync();
        var backend = Service("backend", "test", 8080, appPort);
        backend.MetricLabels.Add("namespace", "test");
        backend.MetricLabels.Add("service", "backend");
        backend.Endpoints[0].MetricLabels.Add("deployment", "backend");
        backend.Endpoints[0].MetricLabels.Add("pod", "backend-0");
        configure?.Invoke(backend);
        server.Service.Replace("v1", backend);
        return server;
    }

    // The local app listens on appPort (inbound requests go there); outbound ones go to the service's endpoints.
    private static async Task<TestProxy> StartProxyAsync(FakeDestinationServer server, int appPort = 1)
    {
        var proxy = await TestProxy.StartAsync(appPort, configure: server.Configure);
        await Eventually.WaitAsync(async () => await Http.GetStringAsync(new Uri(proxy.AdminUri, "/config-version"), Ct) == "v1\n", "config v1");
        await Eventually.WaitAsync(() => server.Tap.Attached == 1, "the proxy to attach for tap");
        return proxy;
    }

    private static async Task StartTapAsync(FakeDestinationServer server, TapStart start)
    {
        server.Tap.Send(new TapCommand { Start = start });
        await Eventually.WaitAsync(() => server.Tap.Started.Contains(start.Id), $"tap {start.Id} to be acknowledged");
    }

    private static async Task GetAsync(TestProxy proxy, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(proxy.OutboundUri, path));
        request.Headers.Host = "backend.test:8080";
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Http.SendAsync(request, Ct);
        await response.Content.ReadAsByteArrayAsync(Ct);
    }

    private static async Task PostAsync(TestProxy proxy, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(proxy.OutboundUri, path)) { Content = new StringContent("x") };
        request.Headers.Host = "backend.test:8080";
        using var response = await Http.SendAsync(request, Ct);
        await response.Content.ReadAsByteArrayAsync(Ct);
    }

    private static Header Header(IEnumerable<Header> headers, string name) =>
        headers.SingleOrDefault(h => h.Name == name) ?? throw new Xunit.Sdk.XunitException($"no header {name} in [{string.Join(", ", headers.Select(h => h.Name))}]");
}
