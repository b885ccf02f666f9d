using System.Net;
using System.Text;
using System.Text.Json;
using Linnet.Api.Destination.V1;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.ControlPlane;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Proxy.Tests.ControlPlane;
using Linnet.Proxy.Tests.Tls;
using Linnet.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.Proxy.Tests.Telemetry;

/// <summary>The labels Linkerd's dashboards and queries group by: outbound <c>dst_*</c> labels from
/// discovery's metric labels, route series with linkerd2-proxy 2.16's parent/route/backend labels, and one
/// rule for the inbound <c>authority</c>.</summary>
public sealed class LinkerdLabelsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void ToServiceConfig_MetricLabels_RenderedAsDstLabelsEndpointOverService()
    {
        var service = DestinationMessages.Service("api", "shop", 80, 9001);
        service.MetricLabels.Add("namespace", "shop");
        service.MetricLabels.Add("service", "api");
        service.Endpoints[0].MetricLabels.Add("pod", "api-7f9-0");
        service.Endpoints[0].MetricLabels.Add("deployment", "api");
        service.Endpoints[0].MetricLabels.Add("serviceaccount", "api-sa");
        service.Endpoints[0].MetricLabels.Add("service", "api-override");
        var problems = new List<string>();

        var config = DestinationMapper.ToServiceConfig(service, problems)!;

        Assert.Empty(problems);
        Assert.Equal("dst_namespace=\"shop\",dst_service=\"api\"", config.MetricLabels);
        Assert.Equal("dst_deployment=\"api\",dst_namespace=\"shop\",dst_pod=\"api-7f9-0\",dst_service=\"api-override\",dst_serviceaccount=\"api-sa\"", Assert.Single(config.Endpoints).MetricLabels);
    }

    [Fact]
    public void ToServiceConfig_BadLabelNameOrValue_NameSkippedAndReportedValueEscaped()
    {
        var service = DestinationMessages.Service("api", "shop", 80, 9001);
        service.MetricLabels.Add("bad-name", "x");
        service.MetricLabels.Add("__reserved", "x");
        service.Endpoints[0].MetricLabels.Add("pod", "a\"b\nc");
        var problems = new List<string>();

        var config = DestinationMapper.ToServiceConfig(service, problems)!;

        Assert.Equal("", config.MetricLabels);
        Assert.Equal("dst_pod=\"a\\\"b\\nc\"", Assert.Single(config.Endpoints).MetricLabels);
        Assert.Contains(problems, p => p.Contains("'bad-name'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'__reserved'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_OutboundToTwoServices_OneSeriesPerDestinationWithDstLabels()
    {
        await using var app = await HttpTestApp.StartAsync("app", cancellationToken: Ct);
        ServiceConfig Service(string name) => new(name, [], 80, ServiceProtocol.Detect, null,
            [new EndpointConfig("127.0.0.1", app.Port) { MetricLabels = $"dst_deployment=\"{name}\",dst_namespace=\"shop\",dst_pod=\"{name}-0\",dst_service=\"{name}\",dst_serviceaccount=\"{name}-sa\"" }])
        {
            MetricLabels = $"dst_namespace=\"shop\",dst_service=\"{name}\"",
        };
        await using var proxy = await TestProxy.StartAsync(app.Port, [Service("books"), Service("authors")]);
        using var client = new HttpClient();
        async Task CallAsync(string host, int times)
        {
            for (var i = 0; i < times; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(proxy.OutboundUri, "/hello"));
                request.Headers.Host = host;
                using var response = await client.SendAsync(request, Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        await CallAsync("books", 3);
        await CallAsync("authors:80", 2);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "outbound")) == 5);

        (string, string)[] Dst(string name) => [("direction", "outbound"), ("dst_namespace", "shop"), ("dst_service", name), ("dst_deployment", name), ("dst_pod", name + "-0"), ("dst_serviceaccount", name + "-sa")];
        Assert.Equal(3, scrape.Sum("request_total", Dst("books")));
        Assert.Equal(3, scrape.Sum("response_total", [.. Dst("books"), ("authority", "books:80"), ("status_code", "200")]));
        Assert.Equal(3, scrape.Sum("response_latency_ms_count", Dst("books")));
        Assert.Equal(2, scrape.Sum("request_total", Dst("authors")));
        Assert.Equal(2, scrape.Sum("response_total", [.. Dst("authors"), ("authority", "authors:80")]));
        Assert.Equal(2, scrape.All("response_total").Count(s => s.Labels.GetValueOrDefault("direction") == "outbound"));
    }

    [Fact]
    public void RouteMetrics_ControlPlaneKeys_LabelledAsLinkerdParentRouteBackend()
    {
        var metrics = new ProxyMetrics(new WorkloadInfo("shop", "web", "web-0"), new FakeTimeProvider());
        metrics.Routes.Route("api.shop:80", "shop/split", RouteConfig.HttpKind).Status(200, "");
        metrics.Routes.Backend("api.shop:80", "shop/split", "api-v2.shop:8080", RouteConfig.HttpKind).Response(200, "");
        metrics.Routes.Route("greeter.shop:50051", "shop/methods", RouteConfig.GrpcKind).Status(200, "");
        var sb = new StringBuilder();
        metrics.WriteTo(sb);
        var scrape = new MetricsScrape(sb.ToString());

        (string, string)[] parent = [("parent_group", "core"), ("parent_kind", "Service"), ("parent_namespace", "shop"), ("parent_name", "api"), ("parent_port", "80"), ("parent_section_name", "")];
        (string, string)[] route = [("route_group", "gateway.networking.k8s.io"), ("route_kind", "HTTPRoute"), ("route_namespace", "shop"), ("route_name", "split")];
        (string, string)[] backend = [("backend_group", "core"), ("backend_kind", "Service"), ("backend_namespace", "shop"), ("backend_name", "api-v2"), ("backend_port", "8080"), ("backend_section_name", "")];
        Assert.Equal(1, scrape.Sum("outbound_http_route_request_statuses_total", [.. parent, .. route, ("http_status", "200"), ("error", "")]));
        Assert.Equal(1, scrape.Sum("outbound_http_route_backend_requests_total", [.. parent, .. route, .. backend]));
        Assert.Equal(1, scrape.Sum("outbound_http_route_request_statuses_total", ("parent_name", "greeter"), ("parent_port", "50051"), ("route_kind", "GRPCRoute"), ("route_name", "methods")));
    }

    // One rule for the inbound authority: the canonical name of the service the client addressed, whichever way
    // the client reached it — by name through the outbound listener, or by address through a local port.
    [Fact]
    public async Task Metrics_ServiceByNameAndByLocalPort_OneInboundAuthorityAndAppSeesNoMark()
    {
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, Ct);
        var localPort = PortAllocator.GetFreeTcpPort();
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), app.Port, localPort: localPort);

        using var byName = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/headers"), Ct);
        MeshPair.AssertOk(byName);
        using var direct = new HttpClient();
        using var byPort = await direct.GetAsync(new Uri($"http://127.0.0.1:{localPort}/headers"), Ct);
        MeshPair.AssertOk(byPort);

        var server = await mesh.Server.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "inbound")) == 2);
        Assert.Equal(2, server.Sum("response_total", ("direction", "inbound"), ("authority", "web:80"), ("tls", "true")));
        Assert.Equal(2, server.Sum("request_total", ("direction", "inbound"), ("authority", "web:80")));
        foreach (var response in new[] { byName, byPort })
        {
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.False(json.RootElement.TryGetProperty(DstCanonical.Header, out _), "the mark must not reach the app");
        }
    }

    // A plaintext client is not a proxy that proved an identity: its l5d-dst-canonical is not believed (it could
    // pose as any service in the metrics), and the app never sees it.
    [Fact]
    public async Task Metrics_PlaintextClientSendsCanonicalHeader_IgnoredAndRemoved()
    {
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, Ct);
        await using var proxy = await TestProxy.StartAsync(app.Port);
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(proxy.InboundUri, "/headers"));
        request.Headers.Add(DstCanonical.Header, "payments.prod.svc.cluster.local:80");

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.False(json.RootElement.TryGetProperty(DstCanonical.Header, out _));
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "inbound")) == 1);
        Assert.Equal(1, scrape.Sum("response_total", ("direction", "inbound"), ("authority", proxy.Inbound.ToString())));
        Assert.Equal(0, scrape.Sum("response_total", ("authority", "payments.prod.svc.cluster.local:80")));
    }
}
