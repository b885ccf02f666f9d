using System.Text;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.Proxy.Tests.Telemetry;

public sealed class ProxyMetricsTests
{
    private static MetricsScrape Render(ProxyMetrics metrics)
    {
        var sb = new StringBuilder();
        metrics.WriteTo(sb);
        return new MetricsScrape(sb.ToString());
    }

    [Fact]
    public void WriteTo_Responses_UsesLinkerdNamesLabelsAndBuckets()
    {
        var metrics = new ProxyMetrics(new WorkloadInfo("shop", "web", "web-0"), new FakeTimeProvider());
        metrics.Request(Direction.Inbound, "web:80", TlsLabel.InboundPlaintext).AddRequest();
        metrics.Request(Direction.Inbound, "web:80", TlsLabel.InboundPlaintext).AddRequest();
        metrics.Response(Direction.Inbound, "web:80", TlsLabel.InboundPlaintext, 200, true, "").Add(3.5);
        metrics.Response(Direction.Inbound, "web:80", TlsLabel.InboundPlaintext, 503, false, "").Add(1000);

        var scrape = Render(metrics);

        (string, string)[] workload = [("direction", "inbound"), ("authority", "web:80")];
        Assert.Equal(2, scrape.Sum("request_total", workload));
        Assert.Equal(1, scrape.Sum("response_total", [.. workload, ("status_code", "200"), ("classification", "success")]));
        Assert.Equal(1, scrape.Sum("response_total", [.. workload, ("status_code", "503"), ("classification", "failure")]));
        Assert.Equal(0, scrape.Sum("response_latency_ms_bucket", [.. workload, ("status_code", "200"), ("le", "3")]));
        Assert.Equal(1, scrape.Sum("response_latency_ms_bucket", [.. workload, ("status_code", "200"), ("le", "4")]));
        Assert.Equal(1, scrape.Sum("response_latency_ms_bucket", [.. workload, ("status_code", "503"), ("le", "1000")]));
        Assert.Equal(0, scrape.Sum("response_latency_ms_bucket", [.. workload, ("status_code", "503"), ("le", "500")]));
        Assert.Equal(2, scrape.Sum("response_latency_ms_count", workload));
        Assert.Equal(1003.5, scrape.Sum("response_latency_ms_sum", workload), 3);
        Assert.Contains("tls=\"no_identity\"", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE response_latency_ms histogram", scrape.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteTo_Tcp_CountsOpenCloseAndBytes()
    {
        var metrics = new ProxyMetrics(new WorkloadInfo("shop", "web", "web-0"), new FakeTimeProvider());
        var series = metrics.Tcp(Direction.Outbound, "src", TlsLabel.OutboundPlaintext);
        series.OnOpen();
        series.OnOpen();
        series.OnClose(12);
        series.AddRead(100);
        series.AddWrite(40);

        var scrape = Render(metrics);

        Assert.Equal(2, scrape.Sum("tcp_open_total", ("direction", "outbound"), ("peer", "src")));
        Assert.Equal(1, scrape.Sum("tcp_close_total", ("direction", "outbound")));
        Assert.Equal(1, scrape.Sum("tcp_open_connections", ("direction", "outbound")));
        Assert.Equal(100, scrape.Sum("tcp_read_bytes_total", ("direction", "outbound")));
        Assert.Equal(40, scrape.Sum("tcp_write_bytes_total", ("direction", "outbound")));
        Assert.Equal(1, scrape.Sum("tcp_connection_duration_ms_bucket", ("le", "20")));
    }

    [Fact]
    public void Request_ManyAuthorities_FoldsOverflowIntoOneSeries()
    {
        var metrics = new ProxyMetrics(new WorkloadInfo("shop", "web", "web-0"), new FakeTimeProvider());
        for (var i = 0; i < ProxyMetrics.MaxAuthorities + 50; i++)
        {
            metrics.Request(Direction.Inbound, $"host-{i}", TlsLabel.InboundPlaintext).AddRequest();
        }

        var scrape = Render(metrics);

        Assert.Equal(ProxyMetrics.MaxAuthorities + 1, scrape.All("request_total").Count);
        Assert.Equal(50, scrape.Sum("request_total", ("authority", ProxyMetrics.OverflowAuthority)));
    }

    [Fact]
    public void WriteTo_LabelValues_AreEscaped()
    {
        var metrics = new ProxyMetrics(new WorkloadInfo("shop", "web", "web-0"), new FakeTimeProvider());
        metrics.Request(Direction.Inbound, "a\"b\\x\ny", TlsLabel.InboundPlaintext).AddRequest();

        var scrape = Render(metrics);

        Assert.Equal(1, scrape.Sum("request_total", ("authority", "a\"b\\x\ny")));
        Assert.Contains("authority=\"a\\\"b\\\\x\\ny\"", scrape.Text, StringComparison.Ordinal);
    }

    // Linkerd's proxy exports no labels naming its own workload: Prometheus's service discovery adds
    // namespace/pod/deployment as target labels, and a proxy that exported them too would make Prometheus
    // rename its own to exported_namespace, exported_pod... (honor_labels: false, Linkerd's scrape config).
    [Fact]
    public void WriteTo_EverySeries_CarriesNoWorkloadLabels()
    {
        var metrics = new ProxyMetrics(new WorkloadInfo("shop", "web", "web-0"), new FakeTimeProvider());
        metrics.Request(Direction.Inbound, "web:80", TlsLabel.InboundPlaintext).AddRequest();
        metrics.Response(Direction.Outbound, "api:80", TlsLabel.OutboundPlaintext, 200, true, "").Add(1);
        metrics.Tcp(Direction.Inbound, "src", TlsLabel.InboundPlaintext).OnOpen();
        metrics.ProxyError(Direction.Outbound, "no_route");
        metrics.Routes.Route("api.shop:80", "shop/split").Status(200, "");
        metrics.Routes.Backend("api.shop:80", "shop/split", "api-v2.shop:80").Response(200, "");

        var scrape = Render(metrics);

        var names = scrape.Text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').ToList();
        Assert.NotEmpty(names);
        foreach (var label in new[] { "namespace", "deployment", "workload", "pod" })
        {
            Assert.DoesNotContain(names, l => l.Contains($"{{{label}=\"", StringComparison.Ordinal) || l.Contains($",{label}=\"", StringComparison.Ordinal));
        }
    }
}
