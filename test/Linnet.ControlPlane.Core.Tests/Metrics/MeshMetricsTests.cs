using Linnet.Api.Telemetry;
using Linnet.ControlPlane.Core.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.ControlPlane.Core.Tests.Metrics;

/// <summary>Stat, edges and routes from two scrapes of real-shaped proxy expositions (Linkerd's names and labels),
/// with counts chosen so every figure can be checked by hand.</summary>
public sealed class MeshMetricsTests
{
    private static readonly ScrapeTarget Client = new("shop", "client", "client-0", "127.0.0.5:4191", "client", true);
    private static readonly ScrapeTarget Backend0 = new("shop", "backend", "backend-0", "127.0.0.6:4191", "backend", true);
    private static readonly ScrapeTarget Backend1 = new("shop", "backend", "backend-1", "127.0.0.7:4191", "backend", false);

    // The backend's inbound: n successes and f failures, latencies all in the (10, 20] bucket.
    private static string Inbound(int ok, int failed) => $$"""
        response_total{direction="inbound",authority="backend.shop.svc.cluster.local:80",tls="true",client_id="spiffe://cluster.local/ns/shop/sa/client",status_code="200",classification="success"} {{ok}}
        response_total{direction="inbound",authority="backend.shop.svc.cluster.local:80",tls="true",client_id="spiffe://cluster.local/ns/shop/sa/client",status_code="500",classification="failure"} {{failed}}
        response_latency_ms_bucket{direction="inbound",authority="backend.shop.svc.cluster.local:80",status_code="200",le="10"} 0
        response_latency_ms_bucket{direction="inbound",authority="backend.shop.svc.cluster.local:80",status_code="200",le="20"} {{ok + failed}}
        response_latency_ms_bucket{direction="inbound",authority="backend.shop.svc.cluster.local:80",status_code="200",le="+Inf"} {{ok + failed}}
        tcp_open_connections{direction="inbound",peer="src",tls="true"} 1
        """;

    private static string Outbound(int toBackend0, int toBackend1, int failed, int routeOk) => $$"""
        response_total{direction="outbound",authority="backend.shop.svc.cluster.local:80",tls="true",server_id="spiffe://cluster.local/ns/shop/sa/backend",dst_deployment="backend",dst_namespace="shop",dst_pod="backend-0",dst_service="backend",dst_serviceaccount="backend",status_code="200",classification="success"} {{toBackend0}}
        response_total{direction="outbound",authority="backend.shop.svc.cluster.local:80",tls="true",server_id="spiffe://cluster.local/ns/shop/sa/backend",dst_deployment="backend",dst_namespace="shop",dst_pod="backend-1",dst_service="backend",dst_serviceaccount="backend",status_code="200",classification="success"} {{toBackend1}}
        response_total{direction="outbound",authority="backend.shop.svc.cluster.local:80",tls="true",server_id="spiffe://cluster.local/ns/shop/sa/backend",dst_deployment="backend",dst_namespace="shop",dst_pod="backend-1",dst_service="backend",dst_serviceaccount="backend",status_code="500",classification="failure"} {{failed}}
        outbound_http_route_request_statuses_total{parent_group="core",parent_kind="Service",parent_namespace="shop",parent_name="backend",parent_port="80",parent_section_name="",route_group="gateway.networking.k8s.io",route_kind="HTTPRoute",route_namespace="shop",route_name="split",http_status="200",error=""} {{routeOk}}
        outbound_http_route_request_statuses_total{parent_group="core",parent_kind="Service",parent_namespace="shop",parent_name="backend",parent_port="80",parent_section_name="",route_group="gateway.networking.k8s.io",route_kind="HTTPRoute",route_namespace="shop",route_name="split",http_status="504",error="REQUEST_TIMEOUT"} {{failed}}
        """;

    private static (MeshMetrics Metrics, FakeTimeProvider Time) Scraped()
    {
        var time = new FakeTimeProvider();
        var store = new EmbeddedSeriesStore(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(5), time);
        // First scrape: earlier traffic, outside the window asked later.
        store.Add(Client, time.GetUtcNow(), PrometheusText.Parse(Outbound(10, 10, 0, 20)).Samples);
        store.Add(Backend0, time.GetUtcNow(), PrometheusText.Parse(Inbound(10, 0)).Samples);
        store.Add(Backend1, time.GetUtcNow(), PrometheusText.Parse(Inbound(10, 0)).Samples);
        time.Advance(TimeSpan.FromSeconds(60));
        // 60 s later: +30 and +27/+3 failures.
        store.Add(Client, time.GetUtcNow(), PrometheusText.Parse(Outbound(40, 37, 3, 77)).Samples);
        store.Add(Backend0, time.GetUtcNow(), PrometheusText.Parse(Inbound(40, 0)).Samples);
        store.Add(Backend1, time.GetUtcNow(), PrometheusText.Parse(Inbound(37, 3)).Samples);
        return (new MeshMetrics(store, () => [Client, Backend0, Backend1], "cluster.local"), time);
    }

    [Fact]
    public async Task StatAsync_Workloads_InboundCountsSuccessLatencyMeshed()
    {
        var (metrics, _) = Scraped();

        var rows = await metrics.StatAsync(new StatQuery(StatResource.Workloads, "shop", null, TimeSpan.FromSeconds(30)), CancellationToken.None);

        var backend = rows.Single(r => r.Name == "backend");
        Assert.Equal((1, 2), (backend.MeshedPods, backend.Pods));
        Assert.Equal(60, backend.Stats.Requests);
        Assert.Equal(57, backend.Stats.Successes);
        Assert.Equal(0.95, backend.Stats.SuccessRate!.Value, 9);
        Assert.Equal(2, backend.Stats.Rps, 9);
        Assert.Equal(15, backend.Stats.LatencyP50Ms!.Value, 9); // rank 30 of 60 in (10, 20]: 10 + 10·30/60
        Assert.Equal(19.9, backend.Stats.LatencyP99Ms!.Value, 9); // rank 59.4: 10 + 10·59.4/60
        Assert.Equal(2, backend.TcpConnections);
        var client = rows.Single(r => r.Name == "client");
        Assert.Equal(0, client.Stats.Requests);
        Assert.Null(client.Stats.SuccessRate);
    }

    [Fact]
    public async Task StatAsync_Namespaces_EveryWorkloadsInboundAsOne()
    {
        var (metrics, _) = Scraped();

        var rows = await metrics.StatAsync(new StatQuery(StatResource.Namespaces, null, null, TimeSpan.FromSeconds(30)), CancellationToken.None);

        var shop = Assert.Single(rows);
        Assert.Equal(("shop", "shop"), (shop.Namespace, shop.Name));
        Assert.Equal((2, 3), (shop.MeshedPods, shop.Pods)); // client-0 and backend-0 ready, backend-1 not
        Assert.Equal(60, shop.Stats.Requests); // only the backend serves
        Assert.Equal(57, shop.Stats.Successes);
        Assert.Equal(15, shop.Stats.LatencyP50Ms!.Value, 9);
        Assert.Equal(2, shop.TcpConnections);
    }

    [Fact]
    public async Task StatAsync_YoungMesh_RpsIsTheCountOverTheWholeWindowAsLinkerd()
    {
        // Linkerd's `stat` divides the window's count by the window's length (viz cmd getRequestRate:
        // (success + failure) / window seconds), however much of the window the series cover: a mesh 15 s old
        // asked for 1 min shows a quarter of its current rate, in Linkerd as here.
        var time = new FakeTimeProvider();
        var store = new EmbeddedSeriesStore(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(5), time);
        store.Add(Backend0, time.GetUtcNow(), PrometheusText.Parse(Inbound(0, 0)).Samples);
        time.Advance(TimeSpan.FromSeconds(15));
        store.Add(Backend0, time.GetUtcNow(), PrometheusText.Parse(Inbound(30, 0)).Samples);
        var metrics = new MeshMetrics(store, () => [Backend0], "cluster.local");

        var rows = await metrics.StatAsync(new StatQuery(StatResource.Workloads, "shop", "backend", TimeSpan.FromMinutes(1)), CancellationToken.None);

        var backend = Assert.Single(rows);
        Assert.Equal(30, backend.Stats.Requests);
        Assert.Equal(0.5, backend.Stats.Rps, 9);
    }

    [Fact]
    public async Task StatAsync_FromClient_ByDestinationWorkload()
    {
        var (metrics, _) = Scraped();

        var rows = await metrics.StatAsync(new StatQuery(StatResource.Workloads, null, null, TimeSpan.FromSeconds(30)) { From = new("shop", "client") }, CancellationToken.None);

        var row = Assert.Single(rows);
        Assert.Equal(("shop", "backend"), (row.Namespace, row.Name));
        Assert.Equal(60, row.Stats.Requests);
        Assert.Equal(57, row.Stats.Successes);
    }

    [Fact]
    public async Task StatAsync_Services_ByDstService()
    {
        var (metrics, _) = Scraped();

        var row = Assert.Single(await metrics.StatAsync(new StatQuery(StatResource.Services, "shop", "backend", TimeSpan.FromSeconds(30)), CancellationToken.None));

        Assert.Equal(60, row.Stats.Requests);
    }

    [Fact]
    public async Task EdgesAsync_ClientToBackend_SecuredWithBothIdentities()
    {
        var (metrics, _) = Scraped();

        var edge = Assert.Single(await metrics.EdgesAsync(null, TimeSpan.FromSeconds(30), CancellationToken.None));

        Assert.Equal(new WorkloadRef("shop", "client"), edge.Source);
        Assert.Equal(new WorkloadRef("shop", "backend"), edge.Destination);
        Assert.True(edge.Secured);
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/client", edge.ClientId);
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/backend", edge.ServerId);
        Assert.Equal(60, edge.Requests);
    }

    [Fact]
    public async Task RoutesAsync_RouteStatuses_SuccessExcludesErrorsAnd5xx()
    {
        var (metrics, _) = Scraped();

        var route = Assert.Single(await metrics.RoutesAsync("shop", null, TimeSpan.FromSeconds(30), CancellationToken.None));

        Assert.Equal(("shop/split", "shop/backend:80", "HTTPRoute"), (route.Route, route.Parent, route.Kind));
        Assert.Equal(new WorkloadRef("shop", "client"), route.Client);
        Assert.Equal(60, route.Stats.Requests);
        Assert.Equal(57, route.Stats.Successes);
    }

    [Fact]
    public async Task InboundAsync_FlaggerFigures_SuccessRateAndP99()
    {
        var (metrics, _) = Scraped();
        var backend = new WorkloadRef("shop", "backend");

        var stats = await metrics.InboundAsync(backend, TimeSpan.FromSeconds(30), CancellationToken.None);
        var p99 = await metrics.InboundLatencyQuantileAsync(backend, 0.99, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(95, stats.SuccessRate!.Value * 100, 9);
        Assert.Equal(19.9, p99!.Value, 9);
        Assert.Equal(0, (await metrics.InboundAsync(new WorkloadRef("shop", "nobody"), TimeSpan.FromSeconds(30), CancellationToken.None)).Requests);
    }
}
